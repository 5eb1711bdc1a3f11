"""Run a compiled pipeline on this machine: the compiled workflow in moto's Step Functions
interpreter, its stores in moto's S3, its heavy tasks as local programs.

``run_pipeline(compiled, options)`` returns a ``RunResult`` and leaves an endpoint server running
(the caller stops it); everything it wrote is under ``<workspace>/<run id>/``.
"""
from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..asl.history import HistoryFollower
from ..emit import names as n
from ..errors import BlueprintError, Problem
from .fake import arn
from . import resume
from .image import program_folder
from .journal import Journal
from .progress import Reporter, StatePrinter
from .substitute import LocalNames, substitute

DEFAULT_WORKSPACE = Path(".mlops") / "runs"
POLL_SECONDS = 0.1
# The execution's status is read every POLL_SECONDS (the run ends within that of its last
# event), its history every HISTORY_SECONDS and before each task the runner runs (so a state's
# "> name" line comes before the task's own): moto returns the whole history on every call
# (it ignores maxResults and reverseOrder) and serializes it in this process, where its
# interpreter waits for the GIL meanwhile, ~50 ms a read by the end of the sample's run.
HISTORY_SECONDS = 0.5
FAKE_AWS_ENV = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_SESSION_TOKEN": "local", "AWS_EC2_METADATA_DISABLED": "true"}


@dataclass
class RunOptions:
    local_image: str | None = None
    workspace: Path | None = None
    run_id: str | None = None
    fork_server: bool = True  # start Python training programs from a pre-loaded fork server
    scheduled: bool = False  # start as the training schedule does, with its input
    resume: str | None = None  # a failed run folder of the workspace to continue, or "last"
    decision: object = None  # approval.Decision of --approve/--reject; None: ask on a terminal
    interactive: bool | None = None  # whether a terminal can be asked (None: stdin is a tty)


@dataclass
class RunResult:
    """What happened: status, failure, where everything is, and the objects behind it."""

    status: str
    run_dir: Path
    pipeline: object
    error: str | None = None
    cause: str | None = None
    failed_state: str | None = None
    output: dict = field(default_factory=dict)
    gate_line: str | None = None
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)
    stores: dict = field(default_factory=dict)  # store -> bucket
    exported: dict = field(default_factory=dict)  # store -> keys
    sagemaker: object = None
    jobs: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    stopped_by: str | None = None  # the signal that aborted the run (Ctrl-C, SIGTERM, SIGHUP)
    environment: dict = field(default_factory=dict)  # which interpreters ran the programs
    resumed_from: str | None = None  # the run folder this run resumed (``resume``)
    resumed_at: str | None = None  # the state it resumed at
    reused: list = field(default_factory=list)  # the states it reused instead of running
    notices: list = field(default_factory=list)  # what would have been sent (notifications)
    packages: list = field(default_factory=list)  # the model packages registered (registry)
    bakes: list = field(default_factory=list)  # the rollout bakes (rollout.Bake)

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"


def new_run_id(pipeline_name: str, workspace: Path) -> str:
    base = f"{pipeline_name}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    run_id, number = base, 1
    while (workspace / run_id).exists():
        number += 1
        run_id = f"{base}-{number}"
    return run_id


def _seed_stores(pipeline, stores, names: LocalNames) -> None:
    data = pipeline.data
    stores.put_file(names.bucket(n.FEATURE_STORE), data.train_key, data.train)
    if data.score is not None:
        stores.put_file(names.bucket(n.FEATURE_STORE), data.score_key, data.score)
    for asset in pipeline.assets:
        stores.put_file(names.bucket(n.SOURCE_REPOSITORY), asset.key, asset.source)


def _check_runnable(pipeline, definition: dict) -> None:
    """Refuse, before anything starts, a run that would stop half-way for want of data or a
    local stand-in for one of its Task states."""
    problems = []
    if pipeline.data.train is None:
        origin = pipeline.data.origin("train")
        problems.append(Problem("MLD503", origin.field if origin else "data.train",
                                "a local run needs local training data (LocalData(train=...))",
                                origin.location if origin else pipeline.where))
    known = {api for fake in _fakes() for api in fake.ROUTES}
    for state, api in task_integrations(definition):
        if api not in known:
            problems.append(Problem("MLD504", state, f"the local runner has no stand-in for the "
                                    f"integration {api!r}; it runs: {', '.join(sorted(known))}",
                                    pipeline.where))
    if problems:
        raise BlueprintError(problems)


def _fakes() -> tuple:
    """The local stand-ins of the services, each with the integrations it runs."""
    from .alarms import LocalCloudWatch
    from .approval import LocalApproval
    from .glue import LocalGlue
    from .lambdas import LocalLambdas
    from .notifications import LocalSNS
    from .registry import LocalRegistry
    from .s3 import LocalS3
    from .sagemaker import LocalSageMaker
    from .tuning import LocalTuner

    return (LocalGlue, LocalLambdas, LocalTuner, LocalSageMaker, LocalS3, LocalRegistry, LocalSNS,
            LocalApproval, LocalCloudWatch)


def task_integrations(definition: dict) -> list[tuple[str, str]]:
    """``(state, integration)`` of every Task state, e.g. ``('Tune model', 'sagemaker:...sync')``."""
    found = []
    for name, state in (definition.get("States") or {}).items():
        resource = state.get("Resource", "") if state.get("Type") == "Task" else ""
        if resource:
            found.append((name, resource.split(":::", 1)[-1]))
    return found


def _restore_services(services: dict, context, sagemaker) -> None:
    """Give a resumed run's services what the reused states created: the training jobs the tuner
    ran (``Describe best training job``), the models and endpoint configs (``Batch transform``)."""
    from .training import TrainingJob

    for record in services.get("training_jobs") or []:
        job = TrainingJob.from_record(record)
        context.jobs[job.name] = job
    sagemaker.restore(services)


class _Environment:
    """Fake credentials and the pipeline's region for the run; restored afterwards."""

    def __init__(self, region: str):
        self.values = dict(FAKE_AWS_ENV, AWS_DEFAULT_REGION=region, AWS_REGION=region)
        self.saved: dict = {}

    def __enter__(self):
        self.saved = {key: os.environ.get(key) for key in self.values}
        os.environ.update(self.values)
        # moto's interpreter logs a warning with the whole state object for every failed task;
        # the failure is reported by the progress display and the summary instead.
        self.logger = logging.getLogger("moto.stepfunctions.parser")
        self.level = self.logger.level
        self.logger.setLevel(logging.CRITICAL)

    def __exit__(self, *exc):
        self.logger.setLevel(self.level)
        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _wait_for_end(sfn, execution: str, seconds: float = 60) -> dict:
    """The execution once it has ended (or after ``seconds``), after a cancel."""
    deadline = time.monotonic() + seconds
    while True:
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return described
        time.sleep(POLL_SECONDS)


def image_folder(pipeline, local_image: str | None) -> Path | None:
    """The image's build folder (``--local-image DIR``, or the bring-your-own image's source)."""
    if local_image:
        return Path(local_image).expanduser().resolve()
    return pipeline.byo_image.source.resolve() if pipeline.byo_image else None


def run_pipeline(compiled, options: RunOptions, reporter: Reporter | None = None) -> RunResult:
    """Execute ``compiled``'s workflow locally; see the module docstring. SIGINT, SIGTERM and
    SIGHUP abort it (status ABORTED) once it has started."""
    from .environment import program_environment
    from .signals import StopSignals

    import sys

    from .approval import check_decision

    reporter = reporter or Reporter()
    pipeline = compiled.pipeline
    _check_runnable(pipeline, compiled.definition)
    if options.scheduled and pipeline.schedule is None:
        raise BlueprintError([Problem(
            "MLD520", "Blueprint.training_schedule",
            "--as-scheduled starts a run as the training schedule would, and the blueprint has "
            "none: set training_schedule, or run without --as-scheduled", pipeline.where)])
    interactive = options.interactive
    if interactive is None:
        interactive = bool(getattr(sys.stdin, "isatty", lambda: False)())
    check_decision(pipeline, options.decision, interactive)
    program = program_folder(pipeline, options.local_image)
    workspace = Path(options.workspace or DEFAULT_WORKSPACE).resolve()
    plan = resume.plan(compiled, workspace, options.resume) if options.resume else None
    with StopSignals():
        environment = program_environment(program, image_folder(pipeline, options.local_image),
                                          reporter)
        run_id = options.run_id or new_run_id(pipeline.name, workspace)
        run_dir = workspace / run_id
        work = run_dir / "work"
        work.mkdir(parents=True, exist_ok=True)
        names = LocalNames(pipeline.names, pipeline.region, pipeline.existing_feature_store)
        definition = substitute(compiled.definition, names)
        if plan is not None:
            definition = plan.definition(definition)
        (run_dir / "statemachine.asl.json").write_text(json.dumps(definition, indent=2) + "\n")
        reporter.say(f"local run {run_id} of {pipeline.name}: workspace {run_dir}")
        reporter.say(f"image programs from {program}; {environment.summary}")
        if options.scheduled:
            reporter.say(f"started as the schedule {pipeline.schedule} would, on the training "
                         f"data at {pipeline.data.train_key}")
        if plan is not None:
            reporter.say(plan.describe())
        run = _Run(compiled, definition, names, program, environment, run_id, run_dir, reporter,
                   options, plan)
        with _Environment(pipeline.region):
            return run.execute()


class _Run:
    """One execution: the in-process AWS, the local stand-ins, the follower, the outcome."""

    def __init__(self, compiled, definition, names, program, environment, run_id, run_dir,
                 reporter, options, plan=None):
        self.compiled, self.pipeline = compiled, compiled.pipeline
        self.definition, self.names, self.program = definition, names, program
        self.environment, self.run_id, self.run_dir = environment, run_id, run_dir
        self.reporter, self.options, self.plan = reporter, options, plan

    def execution_input(self) -> str:
        """What the execution starts with: nothing, as a plain run; or, with ``scheduled``, the
        compiled schedule's own input (the template's, so both start alike)."""
        if not self.options.scheduled:
            return "{}"
        from ..emit import names as n

        return self.compiled.template["Resources"][n.SCHEDULE]["Properties"]["Target"]["Input"]

    def execute(self) -> RunResult:
        from .children import Children
        from .sagemaker import LocalSageMaker
        from .signals import current
        from .tuning import LocalTuner

        began = time.monotonic()
        signals = current()
        children = Children(fork_server=self.options.fork_server)
        signals.on_repeat = children.kill_all  # a second signal: no grace period
        base = dict(os.environ)  # what the programs start from (moto changes os.environ)
        try:
            LocalTuner.prepare(self.pipeline, children, self.environment, base, self.program,
                               self.run_dir / "work")
            LocalSageMaker.prepare({api for _, api in task_integrations(self.definition)},
                                   children, self.environment, base, self.program,
                                   self.run_dir / "work")
            return self._execute(began, children, signals, base)
        except KeyboardInterrupt:  # while moto was loading, before the execution could start
            with signals.shielded():
                children.stop_all(signals.received or "Ctrl-C")
                children.close()
            result = RunResult("RUNNING", self.run_dir, self.pipeline, stores=self.names.buckets())
            self._conclude(result, None, children, signals)
            self._finish(result, {})
            return result
        except BaseException:
            with signals.shielded():
                children.stop_all("the run ended with an error")
                children.close()
            raise
        finally:
            signals.on_repeat = None

    def _finish(self, result: RunResult, facts: dict) -> None:
        result.environment = dict(facts, **{"programs python": self.environment.python})
        result.seconds = self.reporter.elapsed()
        result.timings = dict(self.reporter.timings)
        result.warnings = list(self.reporter.warnings)

    def _execute(self, began, children, signals, base: dict) -> RunResult:
        import boto3
        from moto import mock_aws

        from .adapter import routed
        from .context import RunContext
        from .sagemaker import LocalSageMaker
        from .stores import Stores

        pipeline, reporter, names = self.pipeline, self.reporter, self.names
        result = RunResult("RUNNING", self.run_dir, pipeline, stores=names.buckets())
        plan = self.plan
        if plan is not None:
            result.resumed_from, result.resumed_at = plan.run_id, plan.failed_state
            result.reused = list(plan.reused)
        started_with = plan.execution_input if plan else json.loads(self.execution_input())
        journal = Journal(started_with, plan.inherited if plan else (),
                          skip=self.definition["StartAt"] if plan else None)
        with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
            s3 = boto3.client("s3", region_name=pipeline.region)
            sfn = boto3.client("stepfunctions", region_name=pipeline.region)
            stores = Stores(s3, names.buckets())
            context = RunContext(pipeline, stores, self.run_dir / "work", reporter, children,
                                 self.program, names, self.environment,
                                 template=self.compiled.template, env=base,
                                 workspace=self.run_dir.parent, run_id=self.run_id,
                                 decision=self.options.decision)
            fakes = [kind(context) for kind in _fakes()]
            sagemaker = next(fake for fake in fakes if isinstance(fake, LocalSageMaker))
            if plan is not None:
                _restore_services(plan.services, context, sagemaker)
            routes = {api: route for fake in fakes for api, route in fake.routes().items()}
            machine_arn = arn("states", pipeline.region,
                              f"stateMachine:{pipeline.names.state_machine}")
            printer = StatePrinter(self.definition, reporter)

            def seen(event):
                journal.see(event)
                printer.show(event)

            follower = HistoryFollower(sfn, machine_arn.replace(":stateMachine:", ":execution:")
                                       + f":{self.run_id}", seen)

            def announced(state_route):
                def call(parameters, state, *token):
                    follower.poll()  # print "> state" before the task's own lines
                    children.check()
                    try:
                        with reporter.heartbeat(state):
                            return state_route(parameters, state, *token)
                    except Exception:
                        children.check()  # a task cut short by a stop fails as Interrupted
                        raise
                return call

            execution, outcome = None, None
            with routed({key: announced(route) for key, route in routes.items()}):
                try:
                    stores.create()
                    if plan is not None:  # what the reused states made, then today's inputs
                        plan.restore_stores(stores, names.buckets())
                    _seed_stores(pipeline, stores, names)
                    sagemaker.restore_endpoints()
                    sfn.create_state_machine(name=pipeline.names.state_machine,
                                             definition=json.dumps(self.definition),
                                             roleArn=names.value("StepFunctionsRole.Arn"))
                    execution = sfn.start_execution(stateMachineArn=machine_arn,
                                                    name=self.run_id,
                                                    input=json.dumps(journal.execution_input)
                                                    )["executionArn"]
                    reporter.record("interpreter start", time.monotonic() - began)
                    outcome = follower.follow(poll_seconds=POLL_SECONDS,
                                              history_seconds=HISTORY_SECONDS)
                except KeyboardInterrupt:
                    with signals.shielded():
                        reason = signals.received or "Ctrl-C"
                        reporter.say(f"interrupted ({reason}): stopping the running programs")
                        children.stop_all(reason)  # the running task fails as Interrupted
                        sagemaker.stop_endpoints()
                        if execution is not None:
                            described = _wait_for_end(sfn, execution)
                            follower.poll()
                            outcome = follower.outcome(described)
            with signals.shielded():
                self._conclude(result, outcome, children, signals)
                if execution is not None:
                    self._notify_status(context, sfn, machine_arn, execution, result)
                result.gate_line = printer.gate_line
                result.exported = stores.export(self.run_dir)
                children.close()
                if outcome is not None:
                    self._write_journal(journal, result, context, sagemaker)
        result.sagemaker, result.jobs = sagemaker, context.jobs
        result.notices, result.packages = context.notices, context.packages
        result.bakes = context.bakes
        self._finish(result, context.facts)
        return result

    def _write_journal(self, journal, result, context, sagemaker) -> None:
        """Leave the record a later ``--resume`` reads; a record that cannot be written costs the
        resume, not the run (a warning says so)."""
        try:
            journal.write(self.run_dir, self.compiled, result, {
                "training_jobs": [job.to_record() for job in context.jobs.values()],
                **sagemaker.records()})
        except (OSError, TypeError, ValueError) as error:
            self.reporter.warn(f"the resume record ({self.run_dir / 'resume.json'}) could not be "
                               f"written ({error}); this run cannot be resumed")

    def _notify_status(self, context, sfn, machine_arn, execution, result) -> None:
        """The run's end as the template's EventBridge rule would send it (notifications)."""
        from .notifications import notify_run_status, status_event

        if not self.pipeline.notifications:
            return
        described = dict(sfn.describe_execution(executionArn=execution), status=result.status)
        notify_run_status(context, status_event(region=self.pipeline.region,
                                                machine_arn=machine_arn, execution=described,
                                                error=result.error, cause=result.cause))

    @staticmethod
    def _conclude(result, outcome, children, signals) -> None:
        from .children import INTERRUPTED

        if outcome is None:  # stopped before the execution started
            result.status, result.error = "ABORTED", INTERRUPTED
            result.cause = (f"the local run was stopped ({signals.received or children.reason}) "
                            "before its workflow started")
        else:
            result.status = outcome.status
            if result.status != "SUCCEEDED":
                result.error, result.cause = outcome.error, outcome.cause
                result.failed_state = outcome.failed_state
            result.output = json.loads(outcome.output or "{}")
        if result.error == INTERRUPTED or children.cancelled.is_set():
            result.status, result.error = "ABORTED", INTERRUPTED
            result.cause = result.cause or f"the local run was stopped ({children.reason})"
            result.stopped_by = signals.received or children.reason

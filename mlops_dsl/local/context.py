"""What every local fake of one run shares, in one value instead of six constructor arguments."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import fake


class TaskFailed(Exception):
    """Raised by a route: the Task state fails with ``error`` (its error name) and ``cause``
    (``adapter`` turns it into the interpreter's failure event)."""

    def __init__(self, error: str, cause: str):
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


class Fake:
    """A local stand-in for one service: ``ROUTES`` maps each integration it runs (the task's
    ``API``, e.g. ``glue:startJobRun.sync``) to the name of the method that runs it."""

    ROUTES: dict[str, str] = {}

    def routes(self) -> dict:
        return {api: getattr(self, method) for api, method in self.ROUTES.items()}


@dataclass
class RunContext:
    """One local run: the pipeline, its stores, where it works, how it reports and stops.

    ``jobs`` holds every training job the tuner ran (name -> TrainingJob), so later states
    (describe the best job, create its model) see them as SageMaker would.
    """

    pipeline: object  # model.Pipeline
    stores: object  # stores.Stores
    work: Path  # <run dir>/work
    reporter: object  # progress.Reporter
    children: object  # children.Children
    program: Path | None  # the image's program folder (train, serve)
    names: object  # substitute.LocalNames: the stand-ins of the stack's resources
    environment: object  # environment.ProgramEnvironment: how the image's programs run
    template: dict = field(default_factory=dict)  # the compiled template (the Glue job's facts)
    env: dict = field(default_factory=dict)  # the environment every program starts from
    jobs: dict = field(default_factory=dict)
    facts: dict = field(default_factory=dict)  # how this run ran (interpreters), for run.json
    workspace: Path | None = None  # the folder of every run: registry/, endpoints/, notifications
    run_id: str = ""
    decision: object = None  # approval.Decision given on the command line, or None: ask
    alarm_states: dict = field(default_factory=dict)  # alarm name -> (StateValue, StateReason)
    notices: list = field(default_factory=list)  # every notification the run would send
    packages: list = field(default_factory=list)  # the model packages it registered
    bakes: list = field(default_factory=list)  # the rollout bakes it ran (rollout.Bake)

    @property
    def region(self) -> str:
        return self.pipeline.region

    def resource(self, logical_id: str) -> dict:
        """The Properties of one resource of the compiled template."""
        return self.template.get("Resources", {}).get(logical_id, {}).get("Properties", {})

    def arn(self, service: str, resource: str) -> str:
        return fake.arn(service, self.region, resource)

    def shared(self, *parts: str) -> Path:
        """A folder of the workspace, shared by its runs (created); the run's own folder's parent."""
        path = Path(self.workspace or self.work.parent.parent).joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path

    def folder(self, *parts: str) -> Path:
        """A working folder of the run, created."""
        path = self.work.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path

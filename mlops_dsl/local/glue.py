"""Glue locally: ``glue:startJobRun.sync`` runs the job's script as a subprocess with the job's
arguments; ``startCrawler`` is recorded (there is no Data Catalog or Athena here).

An argument whose value is one of the pipeline's bucket names is replaced by a local folder (the
script treats an absolute path as a folder): the bucket's objects are copied there before the run
and the files the script wrote are copied back after it, so the script sees and changes the
in-process stores. The job's wheels go on PYTHONPATH, as ``--extra-py-files`` would put them.

The job's facts come from the compiled template's Glue job (one place): its Python version (the
script runs under ``python3.9`` for a Python shell 3.9 job when this machine has one that can
import what the script imports; otherwise on this Python, with a warning), its timeout in minutes
(the run is stopped after it: ``JobRunState`` ``TIMEOUT``; a ``Timeout`` argument of the state
overrides it, as StartJobRun's does) and its Glue version. The response is shaped like GetJobRun's
``JobRun``; a failed run fails the state with ``States.TaskFailed`` and the JobRun (with its
ErrorMessage) as the cause, as in AWS.
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..emit import names as n
from ..emit.tasks import glue as tasks
from .context import Fake, RunContext, TaskFailed
from .fake import now
from .pythons import find_python

ERROR_LINES = 5  # last lines of the job's output kept as its ErrorMessage
FOLLOW_SECONDS = 0.1  # how often the job's log is read for new lines
# Glue version -> the Python of a Spark (glueetl) job; a Python shell job names its own
# PythonVersion. https://docs.aws.amazon.com/glue/latest/dg/release-notes.html
SPARK_PYTHON = {"3.0": "3.7", "4.0": "3.10", "5.0": "3.11"}


def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file()}


@dataclass
class _Job:
    """One Glue job of the template, as the local runner runs it."""

    script: Path
    wheels: list[str]
    glue_version: str | None
    timeout_minutes: float | None
    python_version: str | None
    kind: str
    python: str | None = None  # chosen at its first run


def _job(resource: dict, script: Path, wheels: list[str]) -> _Job:
    command = resource.get("Command", {})
    glue_version = resource.get("GlueVersion")
    return _Job(script, wheels, glue_version, resource.get("Timeout"),
                command.get("PythonVersion") if command.get("Name") != "glueetl"
                else SPARK_PYTHON.get(glue_version), command.get("Name", "pythonshell"))


class LocalGlue(Fake):
    """Runs the pipeline's Glue jobs from their scripts (the transform, and the drift check when
    the blueprint has one); each run works in ``work/glue/<run id>/``."""

    ROUTES = {tasks.StartJobRunSync.API: "start_job_run_sync",
              tasks.StartCrawler.API: "start_crawler"}

    def __init__(self, context: RunContext):
        pipeline = context.pipeline
        self.job_name = pipeline.names.glue_job
        self.children = context.children
        self.jobs = {self.job_name: _job(context.resource(n.GLUE_JOB),
                                         Path(pipeline.transform.script.source),
                                         [str(w.source) for w in pipeline.transform.wheels])}
        if pipeline.drift is not None:
            self.jobs[pipeline.names.drift_job] = _job(context.resource(n.DRIFT_JOB),
                                                       Path(pipeline.drift.script.source), [])
        self.stores = context.stores
        self.workdir = context.work / "glue"
        self.reporter = context.reporter
        self.facts = context.facts
        self.env = context.env
        self.crawled: list[str] = []
        # find_python for each job now, in a thread: it runs the candidate interpreters (a
        # failing pyenv shim alone takes ~0.3 s), which then overlaps moto's start instead of
        # delaying the Glue state
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="find python")
        self._choosing = {name: pool.submit(find_python, job.python_version, job.script,
                                            self.job_env(job), f"the Glue {job.kind} job")
                          for name, job in self.jobs.items()
                          if job.python_version and "." in job.python_version}
        pool.shutdown(wait=False)  # the futures still run; the pool takes no more

    def start_crawler(self, parameters: dict, state: str) -> dict:
        name = parameters.get("Name")
        self.crawled.append(name)
        self.reporter.say(f"crawler {name}: not run locally (no Glue Data Catalog); in AWS it "
                          "catalogues the output store for Athena", indent=1)
        return {}

    def job_env(self, job: _Job) -> dict:
        """The script's environment: the run's, with the job's wheels on PYTHONPATH."""
        env = dict(self.env)
        if job.wheels:
            env["PYTHONPATH"] = os.pathsep.join(job.wheels + [env.get("PYTHONPATH", "")]).rstrip(
                os.pathsep)
        return env

    def python(self, name: str, job: _Job) -> str:
        """The interpreter for a job's script, chosen once per run (with its warning, if any)."""
        if job.python is None:
            import sys

            choosing = self._choosing.get(name)
            choice = choosing.result() if choosing else None
            job.python = choice.python if choice else sys.executable
            self.facts.setdefault("glue python", (f"{job.python} (Python {choice.version})"
                                                  if choice else job.python))
            if choice and choice.warning:
                self.reporter.warn(choice.warning)
        return job.python

    def start_job_run_sync(self, parameters: dict, state: str) -> dict:
        name = parameters.get("JobName")
        job = self.jobs.get(name)
        if job is None:
            raise TaskFailed("Glue.EntityNotFoundException", f"Job {name} not found "
                             f"(this pipeline's jobs: {', '.join(self.jobs)})")
        run_id = "jr_" + uuid.uuid4().hex
        folder = self.workdir / run_id
        arguments = dict(parameters.get("Arguments") or {})
        local_args, mirrors = self._mirror_buckets(arguments, folder)
        env = self.job_env(job)
        command = [self.python(name, job), str(job.script), "--JOB_ID", f"j_{name}",
                   "--JOB_RUN_ID", run_id]
        for key, value in local_args.items():
            command += [key, str(value)]
        minutes = parameters.get("Timeout", job.timeout_minutes)
        started, began = now(), time.monotonic()
        self.reporter.say(f"glue job {name} ({job.script.name}), run {run_id}"
                          + (f", timeout {minutes:g} min" if minutes else ""), indent=1)
        status, lines = self._run(command, env, folder / "output.log",
                                  minutes * 60 if minutes else None, name)
        seconds = time.monotonic() - began
        self.reporter.record("glue job", seconds)
        run = {"Id": run_id, "JobName": name, "Attempt": 0, "Arguments": arguments,
               "StartedOn": started, "CompletedOn": now(), "ExecutionTime": round(seconds),
               "JobRunState": "SUCCEEDED"}
        if job.glue_version:
            run["GlueVersion"] = job.glue_version
        if minutes:
            run["Timeout"] = minutes
        if status is None:
            run["JobRunState"] = "TIMEOUT"
            run["ErrorMessage"] = (f"the job run exceeded its timeout of {minutes:g} minutes and "
                                   "was stopped")
            raise TaskFailed("States.TaskFailed", json.dumps(run))
        if status != 0:
            self.children.check()  # stopped by Ctrl-C or a signal: the run is Interrupted
            run["JobRunState"] = "FAILED"
            run["ErrorMessage"] = "\n".join(lines[-ERROR_LINES:]) or "the script failed"
            raise TaskFailed("States.TaskFailed", json.dumps(run))
        for bucket, (local, before) in mirrors.items():
            after = _digests(local)
            for relative, digest in sorted(after.items()):
                if before.get(relative) != digest:
                    self.stores.put_file(bucket, relative, local / relative)
        return run

    def _mirror_buckets(self, arguments: dict, folder: Path):
        buckets = set(self.stores.buckets.values())
        local_args, mirrors = {}, {}
        for key, value in arguments.items():
            if isinstance(value, str) and value in buckets:
                local = folder / value
                local.mkdir(parents=True, exist_ok=True)
                if value not in mirrors:
                    self.stores.download_prefix(f"s3://{value}/", local)
                    mirrors[value] = (local, _digests(local))
                value = str(local)
            local_args[key] = value
        folder.mkdir(parents=True, exist_ok=True)
        return local_args, mirrors

    def _run(self, command: list[str], env: dict, log_path: Path, timeout: float | None,
             name: str):
        """Run the script, echoing its log as it grows; (exit status or None after a timeout,
        the log's non-empty lines)."""
        child = self.children.start(command, log=log_path, env=env, cwd=log_path.parent,
                                    label=f"glue job {name}")
        lines: list[str] = []
        done = threading.Event()
        follower = threading.Thread(target=self._follow, args=(log_path, lines, done),
                                    name="glue log", daemon=True)
        follower.start()
        try:
            status = self.children.wait(child, timeout=timeout)
        finally:
            done.set()
            follower.join()
        return status, [line for line in lines if line.strip()]

    def _follow(self, path: Path, lines: list[str], done: threading.Event) -> None:
        """Print each complete line the script writes to its log, until ``done`` (then the
        rest)."""
        with open(path, "rb") as log:
            partial = b""
            while True:
                finished = done.is_set()
                chunk = log.read()
                partial += chunk
                *complete, partial = partial.split(b"\n")
                if finished and partial:
                    complete.append(partial)
                for raw in complete:
                    line = raw.decode("utf-8", errors="replace").rstrip("\r")
                    lines.append(line)
                    self.reporter.say(line, indent=2)
                if finished:
                    return
                if not chunk:
                    done.wait(FOLLOW_SECONDS)

"""Glue locally: ``glue:startJobRun.sync`` runs the job's script as a subprocess with the job's
arguments; ``startCrawler`` is recorded (there is no Data Catalog or Athena here).

An argument whose value is one of the pipeline's bucket names is replaced by a local folder (the
script treats an absolute path as a folder): the bucket's objects are copied there before the run
and the files the script wrote are copied back after it, so the script sees and changes the
in-process stores. The job's wheels go on PYTHONPATH, as ``--extra-py-files`` would put them.
The response is shaped like Glue's GetJobRun ``JobRun``; a failed run fails the state with
``States.TaskFailed`` and the JobRun (with its ErrorMessage) as the cause, as in AWS.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from ..emit.tasks import glue as tasks
from .adapter import TaskFailed
from .context import Fake, RunContext
from .fake import now

ERROR_LINES = 5  # last lines of the job's output kept as its ErrorMessage


def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file()}


class LocalGlue(Fake):
    """Runs the pipeline's Glue job from its script; each run works in ``work/glue/<run id>/``."""

    ROUTES = {tasks.StartJobRunSync.API: "start_job_run_sync",
              tasks.StartCrawler.API: "start_crawler"}

    def __init__(self, context: RunContext):
        pipeline = context.pipeline
        self.job_name = pipeline.names.glue_job
        self.children = context.children
        self.script = Path(pipeline.transform.script.source)
        self.wheels = [str(w.source) for w in pipeline.transform.wheels]
        self.stores = context.stores
        self.workdir = context.work / "glue"
        self.reporter = context.reporter
        self.crawled: list[str] = []


    def start_crawler(self, parameters: dict, state: str) -> dict:
        name = parameters.get("Name")
        self.crawled.append(name)
        self.reporter.say(f"crawler {name}: not run locally (no Glue Data Catalog); in AWS it "
                          "catalogues the output store for Athena", indent=1)
        return {}

    def start_job_run_sync(self, parameters: dict, state: str) -> dict:
        name = parameters.get("JobName")
        if name != self.job_name:
            raise TaskFailed("Glue.EntityNotFoundException", f"Job {name} not found "
                             f"(this pipeline's job is {self.job_name})")
        run_id = "jr_" + uuid.uuid4().hex
        folder = self.workdir / run_id
        arguments = dict(parameters.get("Arguments") or {})
        local_args, mirrors = self._mirror_buckets(arguments, folder)
        command = [sys.executable, str(self.script), "--JOB_ID", f"j_{name}", "--JOB_RUN_ID", run_id]
        for key, value in local_args.items():
            command += [key, str(value)]
        env = dict(os.environ)
        if self.wheels:
            env["PYTHONPATH"] = os.pathsep.join(self.wheels + [env.get("PYTHONPATH", "")]).rstrip(
                os.pathsep)
        started, began = now(), time.monotonic()
        self.reporter.say(f"glue job {name} ({self.script.name}), run {run_id}", indent=1)
        lines = self._run(command, env, folder / "output.log")
        seconds = time.monotonic() - began
        self.reporter.record("glue job", seconds)
        run = {"Id": run_id, "JobName": name, "Attempt": 0, "Arguments": arguments,
               "StartedOn": started, "CompletedOn": now(), "ExecutionTime": round(seconds),
               "JobRunState": "SUCCEEDED", "GlueVersion": "3.0"}
        if lines is not None:
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

    def _run(self, command: list[str], env: dict, log_path: Path) -> list[str] | None:
        """Run the script, echoing its output; None on success, else its output lines."""
        lines = []
        process = self.children.popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      env=env, text=True, cwd=log_path.parent)
        try:
            with open(log_path, "w", encoding="utf-8") as log, process:
                for line in process.stdout:
                    log.write(line)
                    lines.append(line.rstrip("\n"))
                    self.reporter.say(line.rstrip("\n"), indent=2)
                status = process.wait()
        finally:
            self.children.release(process)
        return None if status == 0 else [line for line in lines if line.strip()]

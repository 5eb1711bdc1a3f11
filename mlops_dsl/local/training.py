"""One SageMaker training job, locally: the image's ``train`` program in its own ``OPT_ML`` sandbox.

The sandbox has SageMaker's layout (``input/data/<channel>/``, ``input/config/
hyperparameters.json`` with string values, ``model/``, ``output/``). The metrics are read from the
job's log with the MetricDefinitions regexes (the last match wins, as SageMaker's final value); the
model folder is packed as ``model.tar.gz`` and stored at ``<S3OutputPath><job>/output/``; a job
that wrote no model gets a warning. A Python ``train`` is forked from the run's fork server
(``children``, ``forkserver``), which has imported what the program imports: each job is still a
process of its own, with its own environment, sandbox, log and exit status.
"""
from __future__ import annotations

import json
import re
import shutil
import tarfile
import time
from dataclasses import dataclass, field, fields
from pathlib import Path

from .fake import now
from .image import command_for
from .image import fork_server as image_fork_server
from .stores import split_uri

FAILURE_CHARS = 1024  # SageMaker's FailureReason is at most 1,024 characters


@dataclass
class TrainingJob:
    """What DescribeTrainingJob reports about a finished local job."""

    name: str
    hyperparameters: dict[str, str]
    sandbox: Path
    tuned: dict[str, str] = field(default_factory=dict)  # the hyperparameters tuning chose
    status: str = "InProgress"
    failure_reason: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    model_uri: str | None = None
    started: str = ""
    ended: str = ""
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def describe(self, context, tuning_job: str | None = None) -> dict:
        """The DescribeTrainingJob response (the fields the workflow and users read)."""
        answer = {
            "TrainingJobName": self.name,
            "TrainingJobArn": context.arn("sagemaker", f"training-job/{self.name.lower()}"),
            "TrainingJobStatus": self.status,
            "SecondaryStatus": self.status,
            "HyperParameters": dict(self.hyperparameters),
            "TrainingStartTime": self.started,
            "TrainingEndTime": self.ended,
            "TrainingTimeInSeconds": int(round(self.seconds)),
            "BillableTimeInSeconds": 0,
            "ModelArtifacts": {"S3ModelArtifacts": self.model_uri or ""},
            "FinalMetricDataList": [{"MetricName": name, "Value": value, "Timestamp": self.ended}
                                    for name, value in self.metrics.items()],
        }
        if tuning_job:
            answer["TuningJobArn"] = context.arn(
                "sagemaker", f"hyper-parameter-tuning-job/{tuning_job.lower()}")
        if self.failure_reason:
            answer["FailureReason"] = self.failure_reason
        return answer

    def to_record(self) -> dict:
        """The job as JSON, for a resumed run's later states (``journal``)."""
        record = {f.name: getattr(self, f.name) for f in fields(self)}
        record["sandbox"] = str(self.sandbox)
        return record

    @classmethod
    def from_record(cls, record: dict) -> "TrainingJob":
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in record.items() if key in known}
        return cls(**dict(values, sandbox=Path(values["sandbox"])))


def read_metrics(log: str, definitions: list[dict]) -> dict[str, float]:
    """Final value of each metric: the last match of its regex's first group in the log."""
    metrics = {}
    for definition in definitions:
        matches = re.findall(definition["Regex"], log)
        for match in reversed(matches):
            text = match[0] if isinstance(match, tuple) else match
            try:
                metrics[definition["Name"]] = float(text)
                break
            except ValueError:
                continue
    return metrics


def prepare_sandbox(sandbox: Path, channels: dict[str, Path], hyperparameters: dict) -> None:
    if sandbox.exists():
        shutil.rmtree(sandbox)
    for channel, source in channels.items():
        shutil.copytree(source, sandbox / "input" / "data" / channel)
    (sandbox / "input" / "config").mkdir(parents=True)
    (sandbox / "input" / "config" / "hyperparameters.json").write_text(
        json.dumps(hyperparameters, indent=2, sort_keys=True) + "\n")
    (sandbox / "model").mkdir()
    (sandbox / "output").mkdir()


PER_JOB = ("OPT_ML", "TRAINING_JOB_NAME", "SM_MODEL_DIR")  # what differs between the jobs


def shared_environment(environment, base: dict, threads: int) -> dict:
    """What every training job of a tuning job sees, before its ``PER_JOB`` variables: the run's
    environment ``base`` with the programs' environment activated and ``OMP_NUM_THREADS``."""
    return environment.environ(dict(base, OMP_NUM_THREADS=str(threads)))


def fork_server(children, environment, base: dict, program_folder: Path, work: Path,
                threads: int):
    """The run's fork server for the ``train`` program (``image.fork_server``), started on first
    use: the runner starts it before anything else, so it loads while the run starts and the
    Glue job runs."""
    return image_fork_server(children, environment,
                             shared_environment(environment, base, threads), program_folder,
                             "train", work)


def _restore_checkpoints(job: TrainingJob, stores, definition: dict) -> str | None:
    """With managed spot training SageMaker syncs /opt/ml/checkpoints with CheckpointConfig's S3
    location: filled from it when the job starts, copied back while it runs. Locally the same,
    around the one run (no interruptions happen on this machine). Returns the location."""
    config = definition.get("CheckpointConfig")
    if not config:
        return None
    uri = config["S3Uri"].rstrip("/") + "/"
    folder = job.sandbox / "checkpoints"
    folder.mkdir(parents=True, exist_ok=True)
    stores.download_prefix(uri, folder)
    return uri


def run_training_job(job: TrainingJob, context, channels: dict[str, Path], definition: dict,
                     threads: int = 1) -> TrainingJob:
    """Run ``job`` (its name, hyperparameters and sandbox set) per the TrainingJobDefinition."""
    program, stores, children = context.program, context.stores, context.children
    prepare_sandbox(job.sandbox, channels, job.hyperparameters)
    env = dict(shared_environment(context.environment, context.env, threads),
               OPT_ML=str(job.sandbox),
               TRAINING_JOB_NAME=job.name, SM_MODEL_DIR=str(job.sandbox / "model"))
    limit = definition.get("StoppingCondition", {}).get("MaxRuntimeInSeconds")
    checkpoints = _restore_checkpoints(job, stores, definition)
    job.started, began = now(), time.monotonic()
    log_path = job.sandbox / "output" / "training.log"
    child = children.start(command_for(program / "train", context.environment.python),
                           log=log_path, env=env, cwd=job.sandbox, label=f"training job {job.name}",
                           server=fork_server(children, context.environment, context.env,
                                              program, context.work, threads))
    status = children.wait(child, timeout=limit)
    job.seconds, job.ended = time.monotonic() - began, now()
    if checkpoints is not None:
        bucket, prefix = split_uri(checkpoints)
        stores.upload_folder(job.sandbox / "checkpoints", bucket, prefix)
    text = log_path.read_text(encoding="utf-8", errors="replace")
    job.metrics = read_metrics(
        text, definition.get("AlgorithmSpecification", {}).get("MetricDefinitions", []))
    if status != 0:
        job.status = "Failed" if status is not None else "Stopped"
        failure = job.sandbox / "output" / "failure"
        reason = failure.read_text(errors="replace").strip() if failure.is_file() else ""
        if status is None:
            reason = f"MaxRuntimeExceeded: the job ran longer than {limit} seconds"
        elif not reason:
            reason = "\n".join(text.strip().splitlines()[-3:]) or f"exit status {status}"
        job.failure_reason = (f"AlgorithmError: {reason}")[:FAILURE_CHARS]
        return job
    job.status = "Completed"
    model_files = sorted(p for p in (job.sandbox / "model").rglob("*") if p.is_file())
    if not model_files:
        job.warnings.append("it wrote no model (its model/ folder is empty): its "
                            "model.tar.gz is empty, and serving it would fail")
    output = definition["OutputDataConfig"]["S3OutputPath"]
    bucket, prefix = split_uri(output.rstrip("/") + "/")
    archive = job.sandbox / "output" / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for path in sorted((job.sandbox / "model").iterdir()):
            tar.add(path, arcname=path.name)
    key = f"{prefix}{job.name}/output/model.tar.gz"
    stores.put_file(bucket, key, archive)
    job.model_uri = f"s3://{bucket}/{key}"
    return job

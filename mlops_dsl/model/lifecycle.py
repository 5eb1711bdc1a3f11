"""The resolved lifecycle parts: how long each job may run (and wait, with spot capacity), the
schedule, the drift check; and the run's compute at most, as ``plan`` states it before deploy."""
from __future__ import annotations

from dataclasses import dataclass

from .layout import MAX_TRAINING_RUNTIME_SECONDS
from .origin import Origin, Spec, origins_field
from .specs import Asset

DRIFT_TIMEOUT_MINUTES = 30  # the drift job reads two CSV extracts; longer means stuck
DRIFT_DPU = 0.0625  # a Python shell job's smallest capacity
CHECKPOINT_PATH = "/opt/ml/checkpoints"  # CheckpointConfig.LocalPath's default (SageMaker)


@dataclass(frozen=True, kw_only=True)
class LimitsSpec(Spec):
    """StoppingCondition of each training job; the transform's bound (a Task timeout)."""

    max_runtime_seconds: int
    spot: bool = False
    max_wait_seconds: int | None = None  # with spot: MaxWaitTimeInSeconds >= MaxRuntimeInSeconds
    transform_timeout_seconds: int | None = None  # max_runtime_minutes given: the transform's too
    origins: dict[str, Origin] = origins_field()


@dataclass(frozen=True, kw_only=True)
class DriftSpec(Spec):
    """The drift check: its bound, what a drift does, and the job script mlops_dsl ships
    (``glue/drift.py``, uploaded like the transform script, content-addressed)."""

    max_psi: float
    on_drift: str  # fail or warn
    script: Asset
    origins: dict[str, Origin] = origins_field()


def limits_of(max_runtime_minutes: int | None, spot_wait_minutes: int | None, origins) -> LimitsSpec:
    """A spot job's run time defaults to its wait (MaxWaitTimeInSeconds must be at least
    MaxRuntimeInSeconds, StoppingCondition API reference), else to the seed's 24 hours."""
    wait = None if spot_wait_minutes is None else spot_wait_minutes * 60
    if max_runtime_minutes is not None:
        runtime = max_runtime_minutes * 60
    elif wait is not None:
        runtime = min(wait, MAX_TRAINING_RUNTIME_SECONDS)
    else:
        runtime = MAX_TRAINING_RUNTIME_SECONDS
    return LimitsSpec(max_runtime_seconds=runtime, spot=wait is not None, max_wait_seconds=wait,
                      transform_timeout_seconds=None if max_runtime_minutes is None else runtime,
                      origins=origins)


def _hours(value: float) -> str:
    return f"{value:g} instance-hour{'' if value == 1 else 's'}"


def plan(pipeline) -> list[str]:
    """What one run may use at most, in instance-hours, before anything is deployed: every
    training job of the tuning job running to its bound, and the transform to its own."""
    tuning, training, limits = pipeline.tuning, pipeline.training, pipeline.limits
    hours = limits.max_runtime_seconds / 3600
    jobs = tuning.max_jobs * training.instance_count
    lines = [f"training: {tuning.max_jobs} job(s) x {training.instance_count} "
             f"{training.instance_type} x {hours:g} h = {_hours(jobs * hours)} at most"
             + (" (spot capacity: waits are not billed)" if limits.spot else "")]
    deployment = pipeline.deployment
    if pipeline.is_endpoint:
        lines.append(f"endpoint: {deployment.instance_count} {deployment.instance_type}, billed "
                     "for as long as it serves")
    elif limits.transform_timeout_seconds:
        transform = limits.transform_timeout_seconds / 3600
        lines.append(f"batch transform: {deployment.instance_count} {deployment.instance_type} x "
                     f"{transform:g} h = {_hours(deployment.instance_count * transform)} at most")
    else:
        lines.append(f"batch transform: {deployment.instance_count} {deployment.instance_type}, "
                     "no time bound (set max_runtime_minutes)")
    if pipeline.drift is not None:
        lines.append(f"drift check: 1 Glue Python shell job of {DRIFT_DPU:g} DPU x "
                     f"{DRIFT_TIMEOUT_MINUTES} min = {DRIFT_DPU * DRIFT_TIMEOUT_MINUTES / 60:g} "
                     "DPU-hours at most")
    return lines

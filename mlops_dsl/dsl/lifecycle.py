"""What keeps a pipeline alive after its first run, each optional: a training schedule, managed
spot training, run-time limits and a data-drift check before batch scoring. (JSON config:
``training_schedule``, ``spot_training``, ``max_runtime_minutes``, ``drift_check``; extensions.)
"""
from __future__ import annotations

from typing import Annotated, Literal

from ._fields import Allowed, Bounds, Pattern
from ._node import Node, node

MAX_RUNTIME_MINUTES = 28 * 24 * 60  # StoppingCondition.MaxRuntimeInSeconds: at most 28 days

# EventBridge Scheduler's cron(minutes hours day-of-month month day-of-week year) and
# rate(value unit) expressions ("Schedule types on EventBridge Scheduler"); the six fields and the
# one '?' among the day fields are checked in validate/lifecycle.py.
Schedule = Annotated[str, Pattern(
    "MLD160", r"^(cron\([^()]+\)|rate\([1-9][0-9]* (minute|minutes|hour|hours|day|days)\))$",
    "use cron(...) with six fields, e.g. 'cron(0 3 ? * MON *)', or rate(N unit), e.g. 'rate(7 days)'",
    "a schedule")]
RuntimeMinutes = Annotated[int, Bounds("MLD161", 1, MAX_RUNTIME_MINUTES)]


@node
class SpotTraining(Node):
    """Train on spare capacity at a discount: each job may wait for capacity and be interrupted
    (it resumes from its checkpoints), for at most ``max_wait_minutes`` in all."""

    max_wait_minutes: RuntimeMinutes = 120


@node
class DriftCheck(Node):
    """Before a batch transform, compare each feature of the scoring data with the training data
    (population stability index); above ``max_psi`` the run fails, or goes on with a warning."""

    max_psi: Annotated[float, Bounds("MLD162", 0, 100)] = 0.25
    on_drift: Annotated[Literal["fail", "warn"], Allowed("MLD162")] = "fail"

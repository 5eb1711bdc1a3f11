"""Rules over the lifecycle parts that need more than one field."""
from __future__ import annotations

from ..dsl import Blueprint, Endpoint
from ..errors import Problem
from ..model.names import DRIFT_JOB_SUFFIX


def _cron_problem(expression: str) -> str | None:
    """EventBridge Scheduler's cron has six fields, and one of day-of-month and day-of-week is
    '?' ("You can't use * in both the Day-of-month and Day-of-week fields"); a rate's unit is
    singular for 1 and plural above ("Schedule types on EventBridge Scheduler")."""
    if expression.startswith("rate("):
        value, unit = expression[len("rate("):-1].split()
        if (value == "1") != (not unit.endswith("s")):
            right = unit.rstrip("s") if value == "1" else unit + "s"
            return f"says {value} {unit}: write rate({value} {right})"
        return None
    if not expression.startswith("cron("):
        return None
    fields = expression[len("cron("):-1].split()
    if len(fields) != 6:
        return f"has {len(fields)} fields; cron takes six: minutes hours day-of-month month " \
               "day-of-week year, e.g. 'cron(0 3 ? * MON *)'"
    if (fields[2] == "?") == (fields[4] == "?"):
        return "needs '?' in exactly one of day-of-month (third) and day-of-week (fifth)"
    return None


def check_lifecycle(bp: Blueprint) -> list[Problem]:
    problems = []
    schedule = bp.training_schedule
    why = _cron_problem(schedule) if schedule else None
    if why:
        problems.append(Problem("MLD160", bp.field_name("training_schedule"),
                                f"{schedule[:80]!r} {why}", bp.where_of("training_schedule")))
    spot, runtime = bp.spot_training, bp.max_runtime_minutes
    if spot is not None and runtime is not None and spot.max_wait_minutes < runtime:
        problems.append(Problem(
            "MLD161", spot.field_name("max_wait_minutes"),
            f"{spot.max_wait_minutes} is shorter than max_runtime_minutes {runtime}; a spot job's "
            "wait includes its run time (MaxWaitTimeInSeconds >= MaxRuntimeInSeconds)",
            spot.where_of("max_wait_minutes")))
    if bp.drift_check is not None and isinstance(bp.deployment, Endpoint):
        problems.append(Problem(
            "MLD162", bp.field_name("drift_check"),
            "the drift check compares the scoring data with the training data before a batch "
            "transform; an endpoint has no scoring data: use BatchTransform or remove drift_check",
            bp.where_of("drift_check")))
    if bp.drift_check is not None and bp.transform.job_name == DRIFT_JOB_SUFFIX:
        problems.append(Problem(
            "MLD163", bp.transform.field_name("job_name"),
            f"{DRIFT_JOB_SUFFIX!r} names the drift check's Glue job ({bp.name_prefix.rstrip('-')}-"
            f"{DRIFT_JOB_SUFFIX}); give the transform job another name",
            bp.transform.where_of("job_name")))
    return problems

"""Rules over the production parts that need more than one field."""
from __future__ import annotations

from ..dsl import Blueprint, Endpoint
from ..errors import Problem

ROLLOUT_MIN_INSTANCES = 2  # a canary or a linear step is at most half of the fleet


def check_production(bp: Blueprint) -> list[Problem]:
    problems = []
    notifications = bp.notifications
    if notifications is not None and not notifications.emails:
        problems.append(Problem("MLD152", notifications.field_name("emails"),
                                "give at least one e-mail address to notify",
                                notifications.where_of("emails")))
    if notifications is not None and not notifications.events:
        problems.append(Problem("MLD152", notifications.field_name("events"),
                                "give at least one of FAILED, TIMED_OUT, ABORTED, SUCCEEDED",
                                notifications.where_of("events")))
    problems += _rollout_fleet(bp)
    return problems


def _rollout_fleet(bp: Blueprint) -> list[Problem]:
    """A canary, or a linear step, is a share of the new fleet of at most 50 %
    (TrafficRoutingConfig, SageMaker API reference): with one instance any share is the whole
    fleet, so the update cannot start. ``all_at_once`` still bakes and rolls back."""
    deployment = bp.deployment
    if not isinstance(deployment, Endpoint) or deployment.rollout is None:
        return []
    rollout = deployment.rollout
    if rollout.strategy not in ("canary", "linear") or \
            deployment.instance_count >= ROLLOUT_MIN_INSTANCES:
        return []
    return [Problem("MLD153", rollout.field_name("strategy"),
                    f"a {rollout.strategy} rollout moves a share of at most half the fleet, and "
                    f"the endpoint has {deployment.instance_count} instance: give it "
                    f"instance_count={ROLLOUT_MIN_INSTANCES} or more, or use "
                    "strategy='all_at_once' (it still bakes and rolls back on the alarms)",
                    rollout.where_of("strategy"))]

"""Rules over the production parts that need more than one field."""
from __future__ import annotations

from ..dsl import Blueprint
from ..errors import Problem


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
    return problems

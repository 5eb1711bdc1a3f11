"""Follow a stack's events until it settles, printing each as it arrives.

Output is plain lines (it works in a log file or CI as well as in a terminal): a running count of
resources done, the status, the type and the logical ID, and CloudFormation's reason for failures.
The first failure (not the cascade of "cancelled" ones behind it) is the one a user needs.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from .faults import translate
from .stack import describe, is_settled

CANCELLED = ("Resource creation cancelled", "Resource update cancelled")
HEARTBEAT_SECONDS = 60
POLL_SECONDS = 5.0  # between describe-stack-events polls


@dataclass
class Failure:
    logical_id: str
    resource_type: str
    status: str
    reason: str

    def __str__(self) -> str:
        return f"{self.logical_id} ({self.resource_type}) {self.status}: {self.reason}"


@dataclass
class Outcome:
    status: str
    failures: list[Failure] = field(default_factory=list)

    @property
    def root_cause(self) -> Failure | None:
        real = [f for f in self.failures if not f.reason.startswith(CANCELLED)]
        return (real or self.failures or [None])[0]


def seen_event_ids(cf, stack_name: str) -> set[str]:
    """The IDs of the events already there, so that following shows only new ones."""
    try:
        page = cf.describe_stack_events(StackName=stack_name)
    except Exception:  # noqa: BLE001 - a stack that does not exist yet has no events
        return set()
    return {e["EventId"] for e in page.get("StackEvents", ())}


def _new_events(cf, stack_name: str, seen: set[str]) -> list[dict]:
    """New events, oldest first; stops paging at the first event already seen."""
    fresh = []
    try:
        for page in cf.get_paginator("describe_stack_events").paginate(StackName=stack_name):
            for event in page.get("StackEvents", ()):  # newest first
                if event["EventId"] in seen:
                    return list(reversed(fresh))
                fresh.append(event)
    except Exception as error:  # noqa: BLE001
        raise translate(error, f"reading the events of stack {stack_name}") from None
    return list(reversed(fresh))


def follow(cf, stack_name: str, *, seen: set[str], expected: int = 0, out=print,
           poll_seconds: float | None = None, clock=time.monotonic, sleep=time.sleep) -> Outcome:
    """Print the stack's new events until its status settles; return the final status and every
    resource failure seen on the way."""
    seen = set(seen)
    done: set[str] = set()
    outcome = Outcome("")
    started = last_output = clock()
    while True:
        for event in _new_events(cf, stack_name, seen):
            seen.add(event["EventId"])
            _show(event, stack_name, done, expected, outcome, out)
            last_output = clock()
        stack = describe(cf, stack_name)
        outcome.status = stack.status or "DELETE_COMPLETE"
        if is_settled(outcome.status):
            for event in _new_events(cf, stack_name, seen):  # the events that settled it
                seen.add(event["EventId"])
                _show(event, stack_name, done, expected, outcome, out)
            return outcome
        if clock() - last_output >= HEARTBEAT_SECONDS:
            out(f"  ... {outcome.status}, {int(clock() - started)}s so far")
            last_output = clock()
        sleep(POLL_SECONDS if poll_seconds is None else poll_seconds)


def _show(event: dict, stack_name: str, done: set[str], expected: int, outcome: Outcome, out) -> None:
    logical_id = event.get("LogicalResourceId", "")
    status = event.get("ResourceStatus", "")
    kind = event.get("ResourceType", "")
    reason = event.get("ResourceStatusReason") or ""
    is_stack = kind == "AWS::CloudFormation::Stack" and logical_id == stack_name
    if not is_stack and status.endswith("_COMPLETE"):
        done.add(logical_id)
    if status.endswith("_FAILED") and not is_stack:
        outcome.failures.append(Failure(logical_id, kind, status, reason))
    stamp = event.get("Timestamp")
    clock_text = stamp.strftime("%H:%M:%S") if hasattr(stamp, "strftime") else ""
    progress = f"[{len(done):>2}/{expected}]" if expected else f"[{len(done):>2}]"
    line = f"  {clock_text} {progress} {status:<28} {kind:<38} {logical_id}"
    if reason and (status.endswith("FAILED") or is_stack and "ROLLBACK" in status):
        line += f"\n      reason: {reason}"
    out(line.rstrip())

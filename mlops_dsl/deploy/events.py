"""Follow a stack's events until it settles, printing each as it arrives.

Output is plain lines (it works in a log file or CI as well as in a terminal): a running count of
resources done, the status, the type and the logical ID, and CloudFormation's reason for failures.
The first failure (not the cascade of "cancelled" ones behind it) is the one a user needs.

Following has an overall deadline (``DEADLINE_SECONDS``, an hour by default: CloudFormation's
slowest resources here, an endpoint or a VPC-attached job, take minutes, not hours). After a
minute without news it says what it is waiting for ("still waiting for Endpoint
(AWS::SageMaker::Endpoint) to finish CREATE_IN_PROGRESS, 5 min so far"); at the deadline it stops
with the stack's state and what to do. The stack itself carries on either way.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from .faults import DeployError, translate
from .retries import duration
from .stack import describe, is_settled

CANCELLED = ("Resource creation cancelled", "Resource update cancelled")
HEARTBEAT_SECONDS = 60
POLL_SECONDS = 5.0  # between describe-stack-events polls
DEADLINE_SECONDS = 60 * 60.0


class StillRunning(DeployError):
    """The stack did not settle before the follower's deadline (it carries on without us)."""


@dataclass
class Failure:
    logical_id: str
    resource_type: str
    status: str
    reason: str

    def __str__(self) -> str:
        return f"{self.logical_id} ({self.resource_type}) {self.status}: {self.reason}"


@dataclass
class Waiting:
    """A resource whose latest event says it is in progress, since ``since`` (our clock)."""

    logical_id: str
    resource_type: str
    status: str
    since: float


@dataclass
class Outcome:
    status: str
    failures: list[Failure] = field(default_factory=list)
    waiting: dict[str, Waiting] = field(default_factory=dict)

    def longest_waiting(self) -> Waiting | None:
        return min(self.waiting.values(), key=lambda w: w.since, default=None)

    @property
    def root_cause(self) -> Failure | None:
        real = [f for f in self.failures if not f.reason.startswith(CANCELLED)]
        return (real or self.failures or [None])[0]


def seen_event_ids(cf, stack_name: str) -> set[str]:
    """The IDs of the events already there, so that following shows only new ones."""
    from botocore.exceptions import ClientError

    try:
        page = cf.describe_stack_events(StackName=stack_name)
    except ClientError as error:  # a stack that does not exist yet has no events
        if "does not exist" in error.response.get("Error", {}).get("Message", ""):
            return set()
        raise translate(error, f"reading the events of stack {stack_name}") from None
    except Exception as error:  # noqa: BLE001
        raise translate(error, f"reading the events of stack {stack_name}") from None
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
           poll_seconds: float | None = None, deadline_seconds: float | None = None,
           clock=time.monotonic, sleep=time.sleep) -> Outcome:
    """Print the stack's new events until its status settles; return the final status and every
    resource failure seen on the way. Raises ``StillRunning`` at the deadline."""
    seen = set(seen)
    done: set[str] = set()
    outcome = Outcome("")
    deadline = DEADLINE_SECONDS if deadline_seconds is None else deadline_seconds
    started = last_output = clock()

    def show_new() -> None:
        nonlocal last_output
        for event in _new_events(cf, stack_name, seen):
            seen.add(event["EventId"])
            _show(event, stack_name, done, expected, outcome, out)
            _track(event, stack_name, outcome, clock())
            last_output = clock()

    while True:
        show_new()
        stack = describe(cf, stack_name)
        outcome.status = stack.status or "DELETE_COMPLETE"
        if is_settled(outcome.status):
            show_new()  # the events that settled it
            return outcome
        now = clock()
        if now - started >= deadline:
            raise _still_running(stack_name, outcome, now - started, now)
        if now - last_output >= HEARTBEAT_SECONDS:
            out(f"  ... {waiting_line(stack_name, outcome, now - started, now)}")
            last_output = now
        sleep(POLL_SECONDS if poll_seconds is None else poll_seconds)


def _track(event: dict, stack_name: str, outcome: Outcome, now: float) -> None:
    logical_id = event.get("LogicalResourceId", "")
    if event.get("ResourceType") == "AWS::CloudFormation::Stack" and logical_id == stack_name:
        return
    status = event.get("ResourceStatus", "")
    if status.endswith("_IN_PROGRESS"):
        previous = outcome.waiting.get(logical_id)
        since = previous.since if previous and previous.status == status else now
        outcome.waiting[logical_id] = Waiting(logical_id, event.get("ResourceType", ""), status, since)
    else:
        outcome.waiting.pop(logical_id, None)


def waiting_line(stack_name: str, outcome: Outcome, elapsed: float, now: float) -> str:
    """``still waiting for X (AWS::...) to finish CREATE_IN_PROGRESS, 5 min so far``."""
    longest = outcome.longest_waiting()
    if longest is None:
        return f"stack {stack_name} is still {outcome.status}, {duration(elapsed)} so far"
    others = len(outcome.waiting) - 1
    return (f"still waiting for {longest.logical_id} ({longest.resource_type}) to finish "
            f"{longest.status}, {duration(now - longest.since)} so far"
            + (f" (and {others} other resource{'s' if others != 1 else ''})" if others else ""))


def _still_running(stack_name: str, outcome: Outcome, elapsed: float, now: float) -> StillRunning:
    longest = outcome.longest_waiting()
    waiting = (f"; it is waiting for {longest.logical_id} ({longest.resource_type}) to finish "
               f"{longest.status} ({duration(now - longest.since)} so far)") if longest else ""
    cancel = (f" To give up on the update: `aws cloudformation cancel-update-stack --stack-name "
              f"{stack_name}` (it rolls back).") if outcome.status == "UPDATE_IN_PROGRESS" else ""
    return StillRunning(
        f"stopped following stack {stack_name} after {duration(elapsed)}: it is still "
        f"{outcome.status}{waiting}",
        f"CloudFormation carries on without us. Follow it with `aws cloudformation "
        f"describe-stack-events --stack-name {stack_name}` (or in the console); once it is "
        f"*_COMPLETE, rerun deploy: it finds the stack up to date and uploads only what is "
        f"missing.{cancel}")


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

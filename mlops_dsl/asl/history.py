"""One follower of a Step Functions execution: its history read page by page, each new event handed
to a callback, and the outcome (status; failing state, error and cause) when it ends.

``run --follow`` (deploy/executions.py) prints the events it gets from AWS; the local runner
(local/progress.py) prints those of moto's interpreter. Both read them here, so both page.

``GetExecutionHistory`` has no "events after id N" parameter, but event ids count up from 1 in the
order events happen. The follower asks for the newest events first (``reverseOrder``) through
boto3's paginator and stops paging at the first event it has already delivered, so a poll reads
only the pages that are new, however long the history; a service that ignores ``reverseOrder``
still gives the right events, from one page more.
Reference: https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html
No AWS client is made here: the caller passes one (boto3's ``stepfunctions``).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# DescribeExecution statuses after which no event follows (PENDING_REDRIVE may still run again)
FINISHED = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})
FAILED_EVENTS = ("Failed", "TimedOut", "Aborted")  # suffixes of the event types that carry a failure
PAGE_SIZE = 100  # GetExecutionHistory maxResults: 100 is the service's default, 1000 its maximum


@dataclass(frozen=True)
class Event:
    """One history event. ``state`` is the state it belongs to: the state entered or exited, or for
    any other event the state entered last; ``details`` is its ``...EventDetails`` member."""

    id: int
    kind: str                 # TaskStateEntered, TaskFailed, ExecutionSucceeded, ...
    details: dict
    state: str | None
    timestamp: object = None  # a datetime from boto3

    @property
    def entered(self) -> bool:
        return self.kind.endswith("StateEntered")

    @property
    def exited(self) -> bool:
        return self.kind.endswith("StateExited")

    @property
    def failure(self) -> bool:
        """A failure that says why (``TaskFailed``, ``ExecutionTimedOut``, ...) with an error or a cause."""
        return self.kind.endswith(FAILED_EVENTS) and bool(self.details.get("error") or
                                                          self.details.get("cause"))

    @property
    def of_execution(self) -> bool:
        return self.kind.startswith("Execution")


@dataclass
class ExecutionOutcome:
    """How an execution ended. For one that did not succeed: the state it failed in (the first
    state with a failure event, else the state entered last), the error and the cause."""

    status: str
    failed_state: str | None = None
    error: str | None = None
    cause: str | None = None
    output: str | None = None  # the execution's output, JSON text, when it succeeded

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"


def event_details(event: dict) -> dict:
    """The ``...EventDetails`` member of a raw history event (empty when it has none)."""
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


class HistoryFollower:
    """Follows one execution. ``poll`` delivers the events not seen yet, oldest first, to
    ``on_event``; it may be called from any thread. ``translate(error, doing)``, when given, turns
    an API error into the exception raised (the deploy commands' friendly ``DeployError``)."""

    def __init__(self, sfn, execution_arn: str, on_event: Callable[[Event], None] | None = None, *,
                 translate: Callable[[Exception, str], Exception] | None = None,
                 page_size: int = PAGE_SIZE):
        self.sfn, self.arn = sfn, execution_arn
        self.on_event = on_event
        self.translate = translate
        self.page_size = page_size
        self.last_id = 0
        self.current_state: str | None = None
        self.failed_state: str | None = None
        self.error: str | None = None
        self.cause: str | None = None
        self._lock = threading.Lock()

    def poll(self) -> int:
        """Deliver every new event; returns how many there were."""
        with self._lock:
            fresh = self._new_events()
            for raw in fresh:
                event = self._track(raw)
                if self.on_event is not None:
                    self.on_event(event)
            return len(fresh)

    def follow(self, *, poll_seconds: float, history_seconds: float | None = None,
               sleep=time.sleep, clock=time.monotonic) -> ExecutionOutcome:
        """Poll until the execution has finished; every event is delivered before this returns.
        Its status is checked every ``poll_seconds``, its history read at most every
        ``history_seconds`` (``poll_seconds`` when None; ``poll`` reads it any time)."""
        history_seconds = poll_seconds if history_seconds is None else history_seconds
        read_at = None
        while True:
            if read_at is None or clock() - read_at >= history_seconds:
                self.poll()
                read_at = clock()
            described = self.describe()
            if described["status"] in FINISHED:
                self.poll()  # the events that ended it
                return self.outcome(described)
            sleep(poll_seconds)

    def describe(self) -> dict:
        return self._call("checking the execution", self.sfn.describe_execution, executionArn=self.arn)

    def outcome(self, described: dict) -> ExecutionOutcome:
        """The outcome, from the events seen and ``describe_execution``'s answer."""
        status = described["status"]
        if status == "SUCCEEDED":
            return ExecutionOutcome(status, output=described.get("output"))
        return ExecutionOutcome(status, self.failed_state or self.current_state,
                                self.error or described.get("error"),
                                self.cause or described.get("cause"), described.get("output"))

    def _new_events(self) -> list[dict]:
        def read() -> list[dict]:
            fresh: dict[int, dict] = {}  # by id: an event is delivered once, whatever the pages hold
            pages = self.sfn.get_paginator("get_execution_history").paginate(
                executionArn=self.arn, reverseOrder=True, PaginationConfig={"PageSize": self.page_size})
            for page in pages:
                events = page.get("events", ())
                fresh.update((e["id"], e) for e in events if e["id"] > self.last_id)
                if any(e["id"] <= self.last_id for e in events):
                    break  # the rest was delivered by an earlier poll
            return [fresh[key] for key in sorted(fresh)]

        return self._call("reading the execution history", read)

    def _track(self, raw: dict) -> Event:
        details = event_details(raw)
        kind = raw["type"]
        if kind.endswith("StateEntered"):
            self.current_state = details.get("name")
            self.failed_state = None  # an earlier failure was caught: the run went on
        state = details.get("name") if kind.endswith(("StateEntered", "StateExited")) else None
        event = Event(raw["id"], kind, details, state or self.current_state, raw.get("timestamp"))
        self.last_id = max(self.last_id, event.id)
        if event.failure:
            if not event.of_execution and self.failed_state is None:
                self.failed_state = self.current_state
            self.error = details.get("error") or self.error
            self.cause = details.get("cause") or self.cause
        return event

    def _call(self, doing: str, function, **arguments):
        try:
            return function(**arguments)
        except Exception as error:  # noqa: BLE001 - handed to translate, or raised as it is
            if self.translate is None:
                raise
            raise self.translate(error, doing) from None

"""Start a run of the pipeline and follow it state by state until it ends.

``follow`` reads the execution's history (``mlops_dsl.asl.history``: paged, oldest first) and
prints each state entered and exited; when the run fails it names the failing state with the error
and cause.
"""
from __future__ import annotations

import time

from ..asl.history import Event, ExecutionOutcome, HistoryFollower
from .faults import translate

POLL_SECONDS = 5.0  # between get_execution_history polls; each poll is one API call (or a few)


def execution_name() -> str:
    """A readable, unique execution name: ``mlops-dsl-20240102-030405-1a2b3c``."""
    import uuid

    return f"mlops-dsl-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:6]}"


def start(sfn, arn: str, *, name: str | None = None, payload: str = "{}") -> str:
    arguments = {"stateMachineArn": arn, "input": payload, "name": name or execution_name()}
    try:
        return sfn.start_execution(**arguments)["executionArn"]
    except Exception as error:  # noqa: BLE001
        raise translate(error, "starting an execution") from None


def line(event: Event) -> str | None:
    """How ``run --follow`` shows an event: ``  12:00:01 -> Tune model``, ``<-`` when it is left,
    ``!!`` with the error when a state fails; None for the events it does not show."""
    stamp = event.timestamp
    when = stamp.strftime("%H:%M:%S ") if hasattr(stamp, "strftime") else ""
    if event.entered:
        return f"  {when}-> {event.state}"
    if event.exited:
        return f"  {when}<- {event.state}"
    if event.failure and not event.of_execution:
        return f"  {when}!! {event.state}: {event.kind}: {event.details.get('error', '')}"
    return None


def read_past(sfn, execution_arn: str) -> HistoryFollower:
    """A follower that has read the execution's history so far without printing it: its
    ``failed_state``, ``error`` and ``cause`` are those of the attempt that ended. Hand it to
    ``follow(past=...)`` to follow a redrive from the first new event."""
    follower = HistoryFollower(sfn, execution_arn, None, translate=translate)
    follower.poll()
    return follower


def follow(sfn, execution_arn: str, *, out=print, poll_seconds: float | None = None,
           sleep=time.sleep, past: HistoryFollower | None = None) -> ExecutionOutcome:
    """Print states as they are entered and exited until the execution ends (with ``past``, a
    ``read_past`` follower of a redriven execution: only the events after those it read)."""
    def show(event: Event) -> None:
        text = line(event)
        if text is not None:
            out(text)

    if past is None:
        follower = HistoryFollower(sfn, execution_arn, show, translate=translate)
    else:  # the outcome is the new attempt's, not the failure that was redriven
        follower, past.on_event = past, show
        follower.failed_state = follower.error = follower.cause = None
    return follower.follow(poll_seconds=POLL_SECONDS if poll_seconds is None else poll_seconds,
                           sleep=sleep)

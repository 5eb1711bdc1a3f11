"""Start a run of the pipeline and follow it state by state until it ends.

``follow`` reads ``get_execution_history`` (paged, oldest first) and prints each state entered and
exited; when the run fails it names the failing state with the error and cause.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from .faults import translate

POLL_SECONDS = 5.0  # between get_execution_history polls; each poll is one API call
FINISHED = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}
FAILED_EVENTS = ("Failed", "TimedOut", "Aborted")


@dataclass
class RunResult:
    status: str
    failed_state: str | None = None
    error: str | None = None
    cause: str | None = None


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


def _history(sfn, execution_arn: str, after: int) -> list[dict]:
    events = []
    token = None
    while True:
        extra = {"nextToken": token} if token else {}
        try:
            page = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000, **extra)
        except Exception as error:  # noqa: BLE001
            raise translate(error, "reading the execution history") from None
        events += [e for e in page.get("events", ()) if e["id"] > after]
        token = page.get("nextToken")
        if not token:
            return sorted(events, key=lambda e: e["id"])


def _details(event: dict) -> dict:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


class _Printer:
    """Turns history events into lines and remembers the failure, if any."""

    def __init__(self, out):
        self.out = out
        self.last_id = 0
        self.current: str | None = None
        self.result = RunResult("RUNNING")

    def consume(self, events: list[dict]) -> None:
        for event in events:
            self.last_id = event["id"]
            kind, details = event["type"], _details(event)
            stamp = event.get("timestamp")
            when = stamp.strftime("%H:%M:%S ") if hasattr(stamp, "strftime") else ""
            if kind.endswith("StateEntered"):
                self.current = details.get("name")
                self.out(f"  {when}-> {self.current}")
            elif kind.endswith("StateExited"):
                self.out(f"  {when}<- {details.get('name')}")
            elif kind.endswith(FAILED_EVENTS) and (details.get("error") or details.get("cause")):
                if not kind.startswith("Execution"):
                    self.out(f"  {when}!! {self.current}: {kind}: {details.get('error', '')}")
                    if self.result.failed_state is None:
                        self.result.failed_state = self.current
                self.result.error = details.get("error") or self.result.error
                self.result.cause = details.get("cause") or self.result.cause


def follow(sfn, execution_arn: str, *, out=print, poll_seconds: float | None = None,
           sleep=time.sleep) -> RunResult:
    """Print states as they are entered and exited until the execution ends."""
    printer = _Printer(out)
    while True:
        printer.consume(_history(sfn, execution_arn, printer.last_id))
        try:
            described = sfn.describe_execution(executionArn=execution_arn)
        except Exception as error:  # noqa: BLE001
            raise translate(error, "checking the execution") from None
        if described["status"] in FINISHED:
            printer.consume(_history(sfn, execution_arn, printer.last_id))
            result = printer.result
            result.status = described["status"]
            if result.status != "SUCCEEDED":
                result.error = result.error or described.get("error")
                result.cause = result.cause or described.get("cause")
                result.failed_state = result.failed_state or printer.current
            return result
        sleep(POLL_SECONDS if poll_seconds is None else poll_seconds)

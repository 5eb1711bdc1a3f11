"""``run --redrive [EXECUTION]``: resume a failed cloud run from the state it failed in.

Step Functions' RedriveExecution restarts an unsuccessful execution of a Standard workflow from
its failed state, with the same input and the same execution ARN; the states that succeeded are
not run again. Only executions that ended FAILED, ABORTED or TIMED_OUT, and at most 14 days ago,
can be redriven; DescribeExecution's ``redriveStatus``/``redriveStatusReason`` say when one cannot
(RedriveExecution and DescribeExecution, AWS Step Functions API reference; "Redriving state
machines", developer guide). Its errors: ExecutionDoesNotExist, ExecutionNotRedrivable,
ExecutionLimitExceeded, InvalidArn, ValidationException (botocore's ``stepfunctions`` model).

What we check before calling it (each with a message that says what to do): the execution exists,
belongs to this stack's state machine, has ended unsuccessfully and is within the 14 days. The
service still decides (the redrive count and the history's 25,000-event limit, for instance): its
ExecutionNotRedrivable comes back with its own reason.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .faults import DeployError, translate

REDRIVABLE = ("FAILED", "ABORTED", "TIMED_OUT")
REDRIVABLE_DAYS = 14


@dataclass(frozen=True)
class Target:
    execution: str
    status: str
    stopped: object  # a datetime from boto3, or None
    redrive_count: int = 0


def latest_unsuccessful(sfn, state_machine: str) -> str:
    """The ARN of the execution of ``state_machine`` that ended unsuccessfully most recently."""
    found = []
    try:
        paginator = sfn.get_paginator("list_executions")
        for status in REDRIVABLE:
            for page in paginator.paginate(stateMachineArn=state_machine, statusFilter=status):
                found += page.get("executions", ())
    except Exception as error:  # noqa: BLE001
        raise translate(error, "looking for the latest failed run") from None
    if not found:
        name = state_machine.rsplit(":", 1)[-1]
        raise DeployError(f"no failed, aborted or timed-out run of {name} to redrive",
                          "start a run with `python -m mlops_dsl run BLUEPRINT --stack-name NAME "
                          "--follow`; --redrive resumes one that did not succeed")
    latest = max(found, key=lambda e: e.get("stopDate") or e.get("startDate"))
    return latest["executionArn"]


def target(sfn, execution: str, state_machine: str) -> Target:
    """The execution, checked: it is of ``state_machine`` and it can be redriven."""
    try:
        described = sfn.describe_execution(executionArn=execution)
    except Exception as error:  # noqa: BLE001
        code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
        if code in ("ExecutionDoesNotExist", "InvalidArn"):
            raise DeployError(f"there is no execution {execution}",
                              "give the ARN of one of this pipeline's runs (the Step Functions "
                              "console lists them), or leave it out to redrive the latest failed "
                              "one") from None
        raise translate(error, f"describing the execution {execution}") from None
    owner = described.get("stateMachineArn", "")
    if owner != state_machine:
        raise DeployError(f"the execution {execution} is a run of the state machine {owner}, not "
                          f"of this stack's {state_machine}",
                          "redrive it with the blueprint and --stack-name of its own stack, or "
                          "leave the execution out to redrive this stack's latest failed run")
    found = Target(execution, described.get("status", ""), described.get("stopDate"),
                   described.get("redriveCount") or 0)
    reason = why_not_redrivable(described)
    if reason:
        raise DeployError(f"the execution {execution} cannot be redriven: {reason}",
                          "start a new run instead: `python -m mlops_dsl run BLUEPRINT "
                          "--stack-name NAME --follow`")
    return found


def why_not_redrivable(described: dict, now: dt.datetime | None = None) -> str | None:
    """Why DescribeExecution's answer rules a redrive out, or None when it does not."""
    status = described.get("status", "")
    if status not in REDRIVABLE:
        return f"it is {status}; only a run that ended FAILED, ABORTED or TIMED_OUT can be redriven"
    if described.get("redriveStatus") == "NOT_REDRIVABLE":
        return described.get("redriveStatusReason") or "Step Functions reports it NOT_REDRIVABLE"
    stopped = described.get("stopDate")
    if isinstance(stopped, dt.datetime):
        now = now or dt.datetime.now(dt.timezone.utc)
        if stopped.tzinfo is None:
            stopped = stopped.replace(tzinfo=dt.timezone.utc)
        if now - stopped > dt.timedelta(days=REDRIVABLE_DAYS):
            return (f"it ended on {stopped:%Y-%m-%d}, more than {REDRIVABLE_DAYS} days ago "
                    "(Step Functions keeps a run redrivable for 14 days)")
    return None


def redrive(sfn, execution: str) -> object:
    """Call RedriveExecution; the redrive's date. Its refusals come back as a DeployError."""
    try:
        return sfn.redrive_execution(executionArn=execution).get("redriveDate")
    except Exception as error:  # noqa: BLE001
        code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
        message = getattr(error, "response", {}).get("Error", {}).get("Message", "") or str(error)
        if code == "ExecutionNotRedrivable":
            raise DeployError(f"Step Functions refuses to redrive {execution}: {message}",
                              "start a new run instead: `python -m mlops_dsl run BLUEPRINT "
                              "--stack-name NAME --follow`") from None
        if code == "ExecutionLimitExceeded":
            raise DeployError(f"Step Functions refuses to redrive {execution}: too many runs are "
                              f"open in this account ({message})",
                              "wait for some to end (or stop them), then redrive again") from None
        raise translate(error, f"redriving the execution {execution}") from None


def wait_started(sfn, execution: str, count_before: int, *, attempts: int = 20,
                 sleep=None) -> None:
    """Until DescribeExecution shows the redrive (its count went up, or the run is RUNNING), so
    that following does not take the attempt that ended for the new one's end."""
    import time

    sleep = sleep or time.sleep
    for _ in range(attempts):
        try:
            described = sfn.describe_execution(executionArn=execution)
        except Exception as error:  # noqa: BLE001
            raise translate(error, f"describing the execution {execution}") from None
        if described.get("status") == "RUNNING" or (described.get("redriveCount") or 0) > count_before:
            return
        sleep(1.0)

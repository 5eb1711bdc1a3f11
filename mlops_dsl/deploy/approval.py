"""The decision on a model that waits for approval: find the waiting run, record the decision on
the model package, and answer the run's task token.

The approval state publishes its task token in the message's attributes (emit/production.py);
the execution history keeps the evaluated parameters of every scheduled task, so the token is read
back from there: nobody has to copy it out of an e-mail. A decision is two calls: the package's
ModelApprovalStatus (UpdateModelPackage) and the run's SendTaskSuccess or SendTaskFailure ("Wait
for a Callback with the Task Token", Step Functions developer guide).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from ..emit.approval_message import APPROVAL as APPROVAL_STATE
from ..emit.approval_message import PACKAGE_ATTRIBUTE, REJECTION, TOKEN_ATTRIBUTE
from .faults import DeployError, translate


@dataclass(frozen=True)
class Waiting:
    execution: str
    token: str
    model_package: str


def waiting_runs(sfn, state_machine: str) -> list[Waiting]:
    """The running executions of ``state_machine`` that wait at the approval state."""
    found = []
    try:
        pages = sfn.get_paginator("list_executions").paginate(stateMachineArn=state_machine,
                                                                statusFilter="RUNNING")
        for page in pages:
            for execution in page.get("executions", ()):
                waiting = _waiting(sfn, execution["executionArn"])
                if waiting is not None:
                    found.append(waiting)
    except DeployError:
        raise
    except Exception as error:  # noqa: BLE001
        raise translate(error, "looking for runs that wait for approval") from None
    return found


def _waiting(sfn, execution: str) -> Waiting | None:
    """The approval an execution waits for: the last approval task scheduled and not answered."""
    events = []
    for page in sfn.get_paginator("get_execution_history").paginate(
            executionArn=execution, reverseOrder=True):
        events += page.get("events", ())
    for event in events:  # newest first
        kind = event["type"]
        if kind in ("TaskSucceeded", "TaskFailed", "TaskTimedOut") or kind.endswith("StateExited"):
            return None  # the latest task has an answer: the run does not wait
        if kind == "TaskScheduled":
            details = event.get("taskScheduledEventDetails", {})
            if details.get("resource") != "publish.waitForTaskToken":
                return None
            attributes = json.loads(details.get("parameters") or "{}").get("MessageAttributes", {})
            token = attributes.get(TOKEN_ATTRIBUTE, {}).get("StringValue")
            package = attributes.get(PACKAGE_ATTRIBUTE, {}).get("StringValue")
            return Waiting(execution, token, package) if token else None
    return None


def decide(sagemaker, sfn, waiting: Waiting, *, approve: bool, reason: str) -> None:
    """Answer the run, then record the decision on the package. In this order a token that no
    longer works (the approval timed out, the run was stopped: TaskTimedOut, TaskDoesNotExist)
    leaves the package as it was, instead of Approved with nothing deployed."""
    try:
        if approve:
            sfn.send_task_success(taskToken=waiting.token, output=json.dumps(
                {"decision": "approved", "reason": reason}))
        else:
            sfn.send_task_failure(taskToken=waiting.token, error=REJECTION, cause=reason[:32768])
    except Exception as error:  # noqa: BLE001
        raise translate(error, f"answering the run waiting for {waiting.model_package} (the "
                               "package was left as it was)") from None
    try:
        sagemaker.update_model_package(
            ModelPackageArn=waiting.model_package,
            ModelApprovalStatus="Approved" if approve else "Rejected",
            ApprovalDescription=reason[:1024])
    except Exception as error:  # noqa: BLE001
        raise translate(error, f"recording the decision on {waiting.model_package} (the run was "
                               "answered; set the package's status by hand)") from None

"""``sns:publish.waitForTaskToken`` of the approval state locally: publish, ask, answer.

The approval message is recorded like every notification (``notifications``). The decision comes
from ``run --local --approve`` / ``--reject [--reason TEXT]`` (``Decision``), else from a question
on the terminal. It is recorded with the cloud's own decision code (``deploy.approval.decide``):
the package's status in the workspace registry becomes Approved or Rejected, and the task token
the interpreter handed the route is answered with SendTaskSuccess, or SendTaskFailure with the
error ``Rejected`` and the reason as the cause, against moto's Step Functions; the workflow then
goes on, or ends at "Model rejected" naming the reason.

A run that would have to ask with no terminal to ask on is refused before it starts (MLD506,
``check_decision``), never left waiting.
"""
from __future__ import annotations

import select
import sys
from dataclasses import dataclass

from ..emit.approval_message import PACKAGE_ATTRIBUTE
from ..emit.tasks import sns as tasks
from ..errors import BlueprintError, Problem
from .context import Fake, RunContext
from .notifications import Notifier

NEEDS_DECISION = "MLD506"
NOTHING_TO_DECIDE = "MLD507"
ASK_POLL_SECONDS = 0.2  # how often the question checks whether the run was stopped


@dataclass(frozen=True)
class Decision:
    approve: bool
    reason: str = ""


def check_decision(pipeline, decision: Decision | None, interactive: bool) -> None:
    """Refuse a decision flag without a manual approval, and a manual approval with neither a
    flag nor a terminal."""
    registry = pipeline.registry
    manual = registry is not None and registry.manual
    origin = registry.origin("approval") if registry is not None else None
    where = origin.location if origin else pipeline.where
    if decision is not None and not manual:
        raise BlueprintError([Problem(
            NOTHING_TO_DECIDE, "model_registry.approval",
            f"--approve/--reject answer a manual approval, and {pipeline.name} has none "
            "(ModelRegistry(approval='manual')); drop the flag", where)])
    if manual and decision is None and not interactive:
        raise BlueprintError([Problem(
            NEEDS_DECISION, "model_registry.approval",
            f"{pipeline.name} waits for a person's approval of each model and there is no "
            "terminal to ask on: pass --approve, or --reject [--reason TEXT], to answer it", where)])


def ask(question: str, context: RunContext, stream_in=None, stream_out=None) -> str:
    """One line from the terminal; raises the Interrupted failure when the run is stopped."""
    stream_in = stream_in or sys.stdin
    stream_out = stream_out or sys.stdout
    stream_out.write(question)
    stream_out.flush()
    while True:
        context.children.check()
        ready, _, _ = select.select([stream_in], [], [], ASK_POLL_SECONDS)
        if ready:
            return stream_in.readline().strip()


def ask_decision(package: str, context: RunContext, stream_in=None, stream_out=None) -> Decision:
    while True:
        answer = ask(f"Approve model package {package}? [y/n] ", context, stream_in,
                     stream_out).lower()
        if answer in ("y", "yes", "n", "no"):
            break
    reason = ask("Reason (optional): ", context, stream_in, stream_out)
    return Decision(approve=answer.startswith("y"), reason=reason)


class LocalApproval(Fake):
    ROUTES = {tasks.PublishWaitForToken.API: "wait_for_decision"}

    def __init__(self, context: RunContext):
        self.context = context
        self.notifier = Notifier(context)

    def wait_for_decision(self, parameters: dict, state: str, token: str) -> dict:
        import boto3

        from ..deploy.approval import Waiting, decide
        from .registry import Registry

        attributes = parameters.get("MessageAttributes", {})
        package = attributes.get(PACKAGE_ATTRIBUTE, {}).get("StringValue", "")
        self.notifier.send(state=state, topic=parameters.get("TopicArn"),
                           subject=parameters.get("Subject"), message=parameters.get("Message", ""),
                           attributes=attributes)
        decision = self.context.decision
        if decision is None:
            decision = ask_decision(package, self.context)
            how = "answered on the terminal"
        else:
            how = "--approve" if decision.approve else "--reject"
        self.context.reporter.say(f"{'approved' if decision.approve else 'rejected'} ({how})"
                                  + (f": {decision.reason}" if decision.reason else ""), indent=1)
        sfn = boto3.client("stepfunctions", region_name=self.context.region)
        decide(Registry(self.context), sfn, Waiting(self.context.run_id, token, package),
               approve=decision.approve, reason=decision.reason or
               ("approved locally" if decision.approve else "rejected locally"))
        return {"MessageId": f"local-{len(self.context.notices)}"}

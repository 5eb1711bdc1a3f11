"""``sns:publish`` locally, and the run-status message of the template's EventBridge rule.

Nothing is e-mailed: each message the run would send is printed, appended to the run folder's
``notifications.jsonl`` and to the workspace's ``notifications.log`` (one JSON object a line: run,
state, topic, recipients, subject, message). The recipients are the topic's e-mail subscriptions
in the compiled template.

The run-status message is rendered from the compiled template's rule (``RunStatusRule``): its
event pattern decides whether this run's end is sent at all, and its input transformer
(``InputPathsMap`` + ``InputTemplate``) makes the text, so the local message is the cloud one.
The transformer follows the rules of "Amazon EventBridge input transformation" (EventBridge user
guide): each ``<name>`` is replaced by the value at its path; a string placed inside a quoted
part of the template is inserted with its quotes and backslashes escaped, any other value as JSON.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from ..asl.fn_sub import fn_sub
from ..emit import names as n
from ..emit.tasks import sns as tasks
from .context import Fake, RunContext
from .fake import now

RUN_LOG = "notifications.jsonl"  # in the run folder
WORKSPACE_LOG = "notifications.log"  # in the workspace, every run's messages
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")


class Notifier:
    """Records (prints and writes) the messages of one run."""

    def __init__(self, context: RunContext):
        self.context = context

    def recipients(self) -> list[str]:
        """The e-mail subscriptions of the topic in the compiled template."""
        found = []
        for resource in self.context.template.get("Resources", {}).values():
            props = resource.get("Properties", {})
            if resource.get("Type") == "AWS::SNS::Subscription" and \
                    props.get("TopicArn") == {"Ref": n.TOPIC} and props.get("Protocol") == "email":
                found.append(props.get("Endpoint"))
        return found

    def send(self, *, state: str, topic: str, subject: str | None, message: str,
             attributes: dict | None = None) -> dict:
        context = self.context
        notice = {"time": now(), "run": context.run_id, "state": state, "topic": topic,
                  "recipients": self.recipients(), "subject": subject, "message": message}
        if attributes:
            notice["attributes"] = attributes
        context.notices.append(notice)
        line = json.dumps(notice, sort_keys=True) + "\n"
        for path in (context.work.parent / RUN_LOG, context.shared() / WORKSPACE_LOG):
            with open(path, "a", encoding="utf-8") as log:
                log.write(line)
        to = ", ".join(notice["recipients"]) or "(no e-mail subscription)"
        context.reporter.say(f"notification to {to}: {subject or '(no subject)'}", indent=1)
        context.reporter.say(message, indent=2)
        return notice


class LocalSNS(Fake):
    """``sns:publish``: the message is recorded, not sent."""

    ROUTES = {tasks.Publish.API: "publish"}

    def __init__(self, context: RunContext):
        self.notifier = Notifier(context)

    def publish(self, parameters: dict, state: str) -> dict:
        notice = self.notifier.send(state=state, topic=parameters.get("TopicArn"),
                                    subject=parameters.get("Subject"),
                                    message=parameters.get("Message", ""),
                                    attributes=parameters.get("MessageAttributes"))
        return {"MessageId": f"local-{len(self.notifier.context.notices)}-{notice['run']}",
                "SdkHttpMetadata": {"HttpStatusCode": 200}}


# -- the run's end, as the template's EventBridge rule tells it ---------------------------------
def status_rule(template: dict) -> dict | None:
    """The rule whose target is the notification topic, or None."""
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") != "AWS::Events::Rule":
            continue
        for target in resource.get("Properties", {}).get("Targets", ()):
            if target.get("Arn") == {"Ref": n.TOPIC}:
                return resource["Properties"]
    return None


def resolve(value, names):
    """A template value with ``Ref`` and ``Fn::Sub`` of the local stand-ins resolved."""
    if isinstance(value, dict):
        if set(value) == {"Ref"}:
            return names.value(value["Ref"])
        if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
            return fn_sub(value["Fn::Sub"], names.value)
        return {key: resolve(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, names) for item in value]
    return value


def matches(pattern, event) -> bool:
    """EventBridge matching of the pattern forms the template uses: exact values in lists,
    nested objects."""
    if isinstance(pattern, dict):
        return isinstance(event, dict) and all(
            key in event and matches(value, event[key]) for key, value in pattern.items())
    if isinstance(pattern, list):
        return event in pattern
    return pattern == event


def _value_at(event, path: str):
    value = event
    for part in path.removeprefix("$").strip(".").split(".") if path != "$" else ():
        if not isinstance(value, dict) or part not in value:
            return None, False
        value = value[part]
    return value, True


def transform(transformer: dict, event: dict) -> str:
    """The text EventBridge sends for ``event`` through ``transformer`` (see the module doc)."""
    template = transformer["InputTemplate"]
    paths = transformer.get("InputPathsMap", {})
    out, in_string, index = [], False, 0
    while index < len(template):
        char = template[index]
        found = _PLACEHOLDER.match(template, index) if char == "<" else None
        if found and found.group(1) in paths:
            value, present = _value_at(event, paths[found.group(1)])
            if not present:
                text = ""  # a path the event does not have
            elif in_string and isinstance(value, str):
                text = json.dumps(value)[1:-1]  # inside quotes: the text, escaped
            else:
                text = json.dumps(value)  # a value of its own: JSON (null, numbers, "text")
            out.append(text)
            index = found.end()
            continue
        if char == '"' and (index == 0 or template[index - 1] != "\\"):
            in_string = not in_string
        out.append(char)
        index += 1
    return "".join(out)


def status_event(*, region: str, machine_arn: str, execution: dict, error, cause) -> dict:
    """A "Step Functions Execution Status Change" event of the run's end (Step Functions
    developer guide, "Automating Step Functions event delivery with EventBridge")."""
    def millis(value):
        return int(value.timestamp() * 1000) if hasattr(value, "timestamp") else None

    return {"version": "0", "source": "aws.states", "region": region,
            "detail-type": "Step Functions Execution Status Change",
            "resources": [execution["executionArn"]],
            "detail": {"executionArn": execution["executionArn"], "stateMachineArn": machine_arn,
                       "name": execution.get("name"), "status": execution["status"],
                       "startDate": millis(execution.get("startDate")),
                       "stopDate": millis(execution.get("stopDate")),
                       "input": execution.get("input"), "output": execution.get("output"),
                       "error": error, "cause": cause}}


def notify_run_status(context: RunContext, event: dict) -> dict | None:
    """Send the run's end as the template's rule would; None when the rule does not match."""
    rule = status_rule(context.template)
    if rule is None or rule.get("State", "ENABLED") != "ENABLED":
        return None
    rule = resolve(rule, context.names)
    if not matches(rule.get("EventPattern", {}), event):
        return None
    target = next(t for t in rule["Targets"] if "InputTransformer" in t)
    return Notifier(context).send(state="(run status rule)", topic=target["Arn"], subject=None,
                                  message=transform(target["InputTransformer"], event))


__all__ = ["LocalSNS", "Notifier", "notify_run_status", "status_event", "transform"]

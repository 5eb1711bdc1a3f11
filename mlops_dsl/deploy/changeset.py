"""Change sets: create one, describe it as a reviewable plan, execute it.

A plan lists resources added, modified (and whether CloudFormation replaces them) and removed. When
CloudFormation finds nothing to change, the empty change set is deleted and the plan says so.
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field

from .faults import DeployError, translate
from .stack import Stack

MAX_INLINE_TEMPLATE_BYTES = 51_200  # CloudFormation: TemplateBody at most 51,200 bytes
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
NAMED_IAM = {"AWS::IAM::Role": "RoleName", "AWS::IAM::User": "UserName", "AWS::IAM::Group": "GroupName",
             "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
             "AWS::IAM::InstanceProfile": "InstanceProfileName"}


@dataclass(frozen=True)
class Change:
    action: str          # Add, Modify, Remove, Import, Dynamic
    logical_id: str
    resource_type: str
    replacement: str = ""  # True, False or Conditional (Modify only)
    scopes: tuple[str, ...] = ()

    @property
    def replaces(self) -> bool:
        return self.replacement in ("True", "Conditional")


@dataclass
class Plan:
    stack_name: str
    kind: str                      # CREATE or UPDATE
    name: str = ""
    arn: str = ""
    changes: list[Change] = field(default_factory=list)
    empty: bool = False

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)


def capabilities(template: dict) -> list[str]:
    """The IAM capability the template needs: NAMED_IAM only when an IAM resource has a name."""
    needed = set()
    for resource in template.get("Resources", {}).values():
        kind = resource.get("Type", "")
        if kind.startswith("AWS::IAM::"):
            named = NAMED_IAM.get(kind)
            needed.add("CAPABILITY_NAMED_IAM" if named and named in resource.get("Properties", {})
                       else "CAPABILITY_IAM")
    if "CAPABILITY_NAMED_IAM" in needed:
        needed.discard("CAPABILITY_IAM")
    if template.get("Transform"):
        needed.add("CAPABILITY_AUTO_EXPAND")
    return sorted(needed)


def _template_argument(body: bytes, template_url: str | None) -> dict:
    if len(body) <= MAX_INLINE_TEMPLATE_BYTES:
        return {"TemplateBody": body.decode("utf-8")}
    if template_url:
        return {"TemplateURL": template_url}
    raise DeployError(
        f"the template is {len(body):,} bytes, more than the {MAX_INLINE_TEMPLATE_BYTES:,} bytes "
        f"CloudFormation accepts inline, and no S3 URL of it was given",
        "deploy stages such a template in S3 itself (--template-bucket NAME); with the AWS CLI: "
        "`aws cloudformation deploy --s3-bucket BUCKET` (see docs/deploy.md)")


def create(cf, stack: Stack, body: bytes, template: dict, *, template_url: str | None = None,
           out=print, on_created=None) -> Plan:
    """Create a change set for ``stack`` and wait until CloudFormation has computed it;
    ``on_created(plan)`` is told as soon as it exists (so that an interruption can delete it)."""
    kind = "UPDATE" if stack.exists else "CREATE"
    name = f"mlops-dsl-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:6]}"
    plan = Plan(stack.name, kind, name)
    arguments = dict(StackName=stack.name, ChangeSetName=name, ChangeSetType=kind,
                     Capabilities=capabilities(template),
                     Description="created by python -m mlops_dsl",
                     **_template_argument(body, template_url))
    out(f"creating change set {name} ({kind.lower()} of stack {stack.name})...")
    try:
        plan.arn = cf.create_change_set(**arguments)["Id"]
    except Exception as error:  # noqa: BLE001
        raise translate(error, f"creating a change set for stack {stack.name}") from None
    if on_created is not None:
        on_created(plan)
    _wait_until_computed(cf, plan)
    return plan


def _wait_until_computed(cf, plan: Plan) -> None:
    from botocore.exceptions import WaiterError

    try:
        cf.get_waiter("change_set_create_complete").wait(
            ChangeSetName=plan.arn, StackName=plan.stack_name,
            WaiterConfig={"Delay": 3, "MaxAttempts": 200})
    except WaiterError:
        pass  # FAILED: the description below says why
    except Exception as error:  # noqa: BLE001
        raise translate(error, "waiting for the change set") from None
    description = _describe_all(cf, plan)
    status, reason = description.get("Status"), description.get("StatusReason") or ""
    if status == "FAILED":
        if any(marker in reason for marker in NO_CHANGES):
            plan.empty = True
            delete(cf, plan)
            return
        delete(cf, plan)
        raise DeployError(f"CloudFormation could not compute the change set: {reason}",
                          "fix the cause above and rerun; the stack was not changed")
    if not plan.changes:
        plan.empty = True


def _describe_all(cf, plan: Plan) -> dict:
    """The change set's description (its first page) with every change of every page in ``plan``."""
    first: dict = {}
    try:
        pages = cf.get_paginator("describe_change_set").paginate(ChangeSetName=plan.arn,
                                                                 StackName=plan.stack_name)
        for page in pages:
            first = first or page
            for item in page.get("Changes", ()):
                change = item.get("ResourceChange", {})
                plan.changes.append(Change(
                    change.get("Action", ""), change.get("LogicalResourceId", ""),
                    change.get("ResourceType", ""), change.get("Replacement", "") or "",
                    tuple(change.get("Scope", ()) or ())))
    except Exception as error:  # noqa: BLE001
        raise translate(error, "describing the change set") from None
    return first


def delete(cf, plan: Plan) -> bool:
    """Delete a change set that will not be executed; True when it was. Best effort: a change
    set left behind changes nothing (it is listed until the stack's next update or deletion)."""
    try:
        cf.delete_change_set(ChangeSetName=plan.arn, StackName=plan.stack_name)
    except Exception:  # noqa: BLE001 - the messages then say how to delete it by hand
        return False
    return True


SYMBOL = {"Add": "+", "Modify": "~", "Remove": "-", "Import": ">", "Dynamic": "?"}


def render(plan: Plan) -> list[str]:
    """The plan as lines: one per resource, then totals."""
    if plan.empty:
        return [f"no changes: stack {plan.stack_name} already matches the blueprint"]
    width = max(len(c.logical_id) for c in plan.changes)
    lines = [f"change set for stack {plan.stack_name} ({plan.kind.lower()}):"]
    order = {"Remove": 0, "Modify": 1, "Add": 2}
    for change in sorted(plan.changes, key=lambda c: (order.get(c.action, 3), c.logical_id)):
        note = ""
        if change.action == "Modify":
            note = {"True": "  REPLACED (new physical resource)",
                    "Conditional": "  MAY BE REPLACED"}.get(change.replacement, "")
            if change.resource_type == "AWS::S3::Bucket" and change.replaces:
                note += " - the old bucket is retained (DeletionPolicy Retain), not emptied"
        lines.append(f"  {SYMBOL.get(change.action, '?')} {change.logical_id:<{width}}  "
                     f"{change.resource_type}{note}")
    replaced = sum(1 for c in plan.changes if c.action == "Modify" and c.replaces)
    lines.append(f"  {plan.count('Add')} to add, {plan.count('Modify')} to modify"
                 f"{f' ({replaced} replaced)' if replaced else ''}, {plan.count('Remove')} to remove")
    return lines


def execute(cf, plan: Plan) -> None:
    try:
        cf.execute_change_set(ChangeSetName=plan.arn, StackName=plan.stack_name)
    except Exception as error:  # noqa: BLE001
        raise translate(error, f"executing the change set on stack {plan.stack_name}") from None


def same_template(deployed: dict | None, template: dict) -> bool:
    """True when the deployed template is the compiled one (compared as data, not bytes)."""
    return deployed is not None and json.dumps(deployed, sort_keys=True) == json.dumps(template, sort_keys=True)

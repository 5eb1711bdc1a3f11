"""What is deployed: a stack's status, outputs, resources and the template it runs."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from .faults import DeployError, stuck_in_rollback_failed, translate

SETTLED_OK = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"}


def is_settled(status: str) -> bool:
    return not status.endswith("_IN_PROGRESS")


@dataclass
class Stack:
    """A deployed stack as describe-stacks reports it (``status`` is None when it does not exist)."""

    name: str
    status: str | None = None
    stack_id: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    reason: str | None = None

    @property
    def exists(self) -> bool:
        return self.status is not None and self.status != "REVIEW_IN_PROGRESS"


def describe(cf, name: str) -> Stack:
    """The stack called ``name``, or a Stack with no status when there is none."""
    from botocore.exceptions import ClientError

    try:
        found = cf.describe_stacks(StackName=name)["Stacks"]
    except ClientError as error:
        if "does not exist" in error.response.get("Error", {}).get("Message", ""):
            return Stack(name)
        raise translate(error, f"looking up stack {name}") from None
    except Exception as error:  # noqa: BLE001
        raise translate(error, f"looking up stack {name}") from None
    if not found:
        return Stack(name)
    data = found[0]
    outputs = {o["OutputKey"]: o.get("OutputValue", "") for o in data.get("Outputs") or ()}
    return Stack(name, data["StackStatus"], data.get("StackId"), outputs,
                 data.get("StackStatusReason"))


def require_deployed(cf, name: str) -> Stack:
    """The stack, which must exist and be usable; otherwise a message saying what to do."""
    stack = describe(cf, name)
    if not stack.exists:
        raise DeployError(f"stack {name} does not exist in this account and region",
                          f"deploy it first: python -m mlops_dsl deploy BLUEPRINT --stack-name {name}")
    return stack


def check_updatable(stack: Stack) -> None:
    """Refuse, with the way out, to change a stack CloudFormation will not accept changes for."""
    status = stack.status or ""
    if status == "UPDATE_ROLLBACK_FAILED":
        raise stuck_in_rollback_failed(stack.name, stack.reason or "")
    if status == "ROLLBACK_COMPLETE" or status == "ROLLBACK_FAILED":
        raise DeployError(
            f"stack {stack.name} is in {status}: its first deploy failed and was rolled back, and "
            f"CloudFormation cannot update such a stack",
            f"look at the failure above (or `aws cloudformation describe-stack-events --stack-name "
            f"{stack.name}`), fix it, delete the empty stack with `aws cloudformation delete-stack "
            f"--stack-name {stack.name}` (its buckets are retained) and deploy again")
    if status.endswith("_IN_PROGRESS") and status != "REVIEW_IN_PROGRESS":
        raise DeployError(f"stack {stack.name} is busy ({status})",
                          "wait until it settles (`aws cloudformation wait stack-update-complete` "
                          "or watch the console) and rerun")
    if status == "DELETE_FAILED":
        raise DeployError(f"stack {stack.name} is in DELETE_FAILED",
                          "finish deleting it (`aws cloudformation delete-stack`) or deploy under "
                          "another --stack-name")


def resources(cf, name: str, types=()) -> list[tuple[str, str]]:
    """(logical ID, physical ID) of the stack's resources, optionally of some types only."""
    found = []
    try:
        for page in cf.get_paginator("list_stack_resources").paginate(StackName=name):
            for resource in page.get("StackResourceSummaries", ()):
                if resource.get("LogicalResourceId") and resource.get("PhysicalResourceId") and \
                        (not types or resource.get("ResourceType") in types):
                    found.append((resource["LogicalResourceId"], resource["PhysicalResourceId"]))
    except Exception as error:  # noqa: BLE001
        raise translate(error, f"listing the resources of stack {name}") from None
    return sorted(found)


def physical_id(cf, name: str, logical_id: str, *, output: str | None = None,
                stack: Stack | None = None) -> str:
    """The physical ID of one resource: from the Output that names it when the stack reports one,
    else from the stack's resource list."""
    if stack is not None and output and stack.outputs.get(output):
        return stack.outputs[output]
    for found, physical in resources(cf, name):
        if found == logical_id:
            return physical
    raise DeployError(f"stack {name} has no resource {logical_id}",
                      "was it deployed from this blueprint? Check --stack-name, or deploy again")


def deployed_template(cf, name: str) -> dict | None:
    """The template the stack runs now (as submitted, before any Fn::Sub is resolved); None when
    it cannot be read as data (YAML with short-form tags, e.g. written by hand)."""
    try:
        body = cf.get_template(StackName=name, TemplateStage="Original")["TemplateBody"]
    except Exception as error:  # noqa: BLE001
        raise translate(error, f"reading the template of stack {name}") from None
    if not isinstance(body, str):
        return json.loads(json.dumps(body))
    try:
        return json.loads(body)
    except ValueError:
        pass
    try:  # `aws cloudformation package` writes YAML (long-form intrinsic functions)
        import yaml

        loaded = yaml.safe_load(body)
    except Exception:  # noqa: BLE001 - PyYAML absent, or tags it cannot read
        return None
    return loaded if isinstance(loaded, dict) else None


def deployed_definition(template: dict | None, logical_id: str) -> dict | None:
    """The workflow definition embedded in a template's state machine, placeholders unresolved."""
    machine = (template or {}).get("Resources", {}).get(logical_id)
    if not machine:
        return None
    definition = machine.get("Properties", {}).get("DefinitionString")
    if isinstance(definition, dict) and "Fn::Sub" in definition:
        definition = definition["Fn::Sub"]
        if isinstance(definition, list):
            definition = definition[0]
    if isinstance(definition, str):
        return json.loads(definition)
    return machine.get("Properties", {}).get("Definition")

"""Named resources a deploy would replace, found by comparing the templates. Pure.

A resource whose explicit name changes is replaced: CloudFormation creates the new one and deletes
the old ("Update requires: Replacement" for each of these name properties). What goes with the
old one is worth a warning before the change set runs.
"""
from __future__ import annotations

from dataclasses import dataclass

# resource type -> (name property path, what is lost with the old resource)
NAMED = {
    "AWS::ECR::Repository": (("RepositoryName",),
                             "its images are deleted with it (EmptyOnDelete): push the image again"),
    "AWS::Glue::Job": (("Name",), "its run history goes with it"),
    "AWS::Glue::Crawler": (("Name",), "its run history goes with it"),
    "AWS::Glue::Database": (("DatabaseInput", "Name"), "its tables are no longer in the new database; "
                                                       "the crawler catalogues the output again"),
    "AWS::Glue::SecurityConfiguration": (("Name",), "nothing is lost"),
    "AWS::StepFunctions::StateMachine": (("StateMachineName",),
                                         "its execution history goes with it, and running "
                                         "executions stop"),
    "AWS::Logs::LogGroup": (("LogGroupName",), "its logs are deleted with it"),
    "AWS::Lambda::Function": (("FunctionName",), "nothing is lost"),
}


@dataclass(frozen=True)
class Replacement:
    logical_id: str
    resource_type: str
    old: str
    new: str
    loses: str

    def line(self) -> str:
        return (f"warning: {self.logical_id} ({self.resource_type}) will be replaced: its name "
                f"changes from {self.old} to {self.new}; {self.loses}")


def _name(resource: dict, path: tuple[str, ...]):
    value = resource.get("Properties", {})
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def replaced_names(deployed: dict | None, proposed: dict) -> list[Replacement]:
    """The named resources of ``deployed`` whose name ``proposed`` changes."""
    found = []
    old_resources = (deployed or {}).get("Resources", {})
    for logical_id, resource in sorted(proposed.get("Resources", {}).items()):
        kind = resource.get("Type")
        old = old_resources.get(logical_id)
        if kind not in NAMED or not old or old.get("Type") != kind:
            continue
        path, loses = NAMED[kind]
        before, after = _name(old, path), _name(resource, path)
        if before is not None and before != after:
            found.append(Replacement(logical_id, kind, _shown(before), _shown(after), loses))
    return found


def _shown(value) -> str:
    return value if isinstance(value, str) else str(value)

"""What each state of a compiled pipeline depends on, so a resume can tell whether the states it
reuses would still produce what they produced (``run --local --resume``, ``resume``).

A state's fingerprint has three parts, all derived from the compiled output, never listed by hand:

- ``definition``: the compiled state itself, verbatim (so a refusal names the changed field, e.g.
  ``Parameters/HyperParameterTuningJobConfig/ResourceLimits/MaxNumberOfTrainingJobs``);
- ``resources``: a digest of each template resource the state refers to, by ``${Logical...}`` or by
  the physical name its Parameters call (``JobName: attrition-data-transformation`` -> the Glue
  job, whose ScriptLocation carries the script's content hash). ``IGNORED_TYPES`` are left out;
- ``inputs``: a digest of each local file the run uploads (training and scoring data, the Glue
  script and wheels) whose key the state or its resources mention, or that a path the state reads
  its input with (``"--TRAIN_KEY.$": "$.run.train_key"``) finds in the input it ran on. Only what
  the state reads counts: the key riding along in the data of every later state does not.

The image's programs (``train``, ``serve``) are not part of it: they are the resuming command's,
which is how a user fixes a failed batch transform and resumes (docs/local.md).
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from ..asl.paths import value_at

# Resource types whose properties do not change what a state produces locally: permissions (not
# enforced locally, and they follow every change of the workflow), the buckets' settings (their
# names are in the state already), network and notification resources.
IGNORED_TYPES = ("AWS::IAM::", "AWS::S3::", "AWS::EC2::", "AWS::SNS::", "AWS::CloudWatch::")
READING = ("InputPath", "Parameters", "ItemsPath", "ItemSelector", "Choices", "Arguments", "Items")
_PATH = re.compile(r"(?<!\$)\$(?:\.[A-Za-z_][A-Za-z0-9_-]*|\[\d+\]|\['[^']+'\])+")
_REFERENCE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


def digest(value) -> str:
    """sha256 of a JSON value, keys sorted (the same value gives the same digest)."""
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _strings(value) -> set[str]:
    """Every string leaf of a JSON value."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return set()


def _named(properties: dict) -> set[str]:
    """The physical names a resource declares (``Name``, ``JobName``, ``FunctionName``, ...)."""
    return {value for key, value in properties.items()
            if key.endswith("Name") and isinstance(value, str)}


def referenced_resources(state: dict, template: dict) -> list[str]:
    """The logical ids of the template resources ``state`` refers to, sorted."""
    text = json.dumps(state)
    leaves = _strings(state)
    found = set(_REFERENCE.findall(text))
    for logical, resource in (template.get("Resources") or {}).items():
        if _named(resource.get("Properties") or {}) & leaves:
            found.add(logical)
    resources = template.get("Resources") or {}
    return sorted(logical for logical in found if logical in resources
                  and not str(resources[logical].get("Type", "")).startswith(IGNORED_TYPES))


def read_values(state: dict, state_input) -> list:
    """The values of ``state_input`` that the fields of ``state`` which read the input select
    (its Parameters' ``.$`` paths and intrinsic functions' arguments, InputPath, Choice variables)."""
    text = json.dumps([state.get(key) for key in READING])
    return [value_at(state_input, path) for path in sorted(set(_PATH.findall(text)))]


def uploaded_inputs(pipeline) -> dict[str, Path]:
    """key -> local file, for every file a local run uploads before it starts."""
    data = pipeline.data
    found = {asset.key: Path(asset.source) for asset in pipeline.assets}
    if data.train is not None:
        found[data.train_key] = Path(data.train)
    if data.score is not None:
        found[data.score_key] = Path(data.score)
    return found


def state_fingerprint(name: str, compiled, state_input=None) -> dict:
    """The fingerprint of the top-level state ``name`` of ``compiled`` (see the module docstring);
    ``state_input`` is the input the state ran on, whose keys count as what it reads."""
    state = compiled.definition["States"][name]
    template = compiled.template
    resources = referenced_resources(state, template)
    mentioned = json.dumps([state, read_values(state, state_input)]
                           + [template["Resources"][r] for r in resources])
    inputs = {key: file_digest(path) for key, path in sorted(uploaded_inputs(compiled.pipeline).items())
              if key in mentioned and Path(path).is_file()}
    return {"definition": state,
            "resources": {r: digest(template["Resources"][r]) for r in resources},
            "inputs": inputs}


def _leaf_changes(old, new, path: str) -> list[str]:
    """The JSON-pointer-like paths where ``old`` and ``new`` differ (the first few)."""
    if isinstance(old, dict) and isinstance(new, dict):
        changes = []
        for key in sorted(set(old) | set(new)):
            if key not in new:
                changes.append(f"{path}/{key} removed")
            elif key not in old:
                changes.append(f"{path}/{key} added")
            else:
                changes += _leaf_changes(old[key], new[key], f"{path}/{key}")
        return changes
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [c for i, (a, b) in enumerate(zip(old, new)) for c in _leaf_changes(a, b, f"{path}/{i}")]
    if old == new:
        return []
    return [f"{path}: {json.dumps(old)[:60]} -> {json.dumps(new)[:60]}"]


def changes(recorded: dict, current: dict) -> list[str]:
    """What differs between two fingerprints of one state, as short readable phrases."""
    found = [f"definition {c}" for c in _leaf_changes(recorded.get("definition"),
                                                       current.get("definition"), "")]
    for kind, what in (("resources", "template resource"), ("inputs", "input file")):
        old, new = recorded.get(kind) or {}, current.get(kind) or {}
        for key in sorted(set(old) | set(new)):
            if key not in new:
                found.append(f"{what} {key} no longer used")
            elif key not in old:
                found.append(f"{what} {key} newly used")
            elif old[key] != new[key]:
                found.append(f"{what} {key} changed")
    return found

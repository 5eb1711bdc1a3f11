"""Check each Task's static ``Parameters`` against the botocore model of the API it calls.

The Resource ARN names the API: ``arn:${AWS::Partition}:states:::sagemaker:createModel`` is SageMaker
``CreateModel``; ``...:aws-sdk:s3:copyObject`` is S3 ``CopyObject``; a ``.sync`` or
``.waitForTaskToken`` suffix does not change the request. Every literal member is checked for its
name, type, enum, numeric range, length and pattern, and required members must be present.
``"Key.$"`` members are supplied at run time: they count as present and are not type-checked (the
data-flow check verifies their paths). Strings holding ``${...}`` are resolved by CloudFormation's
``Fn::Sub`` at deploy time, so only their type is checked.

Models come from the installed botocore's data folder, read as ``botocore.loaders.Loader`` reads
them but without importing botocore (see ``service_model``): offline, no session, no credentials.
Parsed models are cached per process.
"""
from __future__ import annotations

import difflib
import gzip
import importlib.util
import json
import os
import re
from functools import lru_cache

from ..errors import Location, Problem

INTEGRATION = re.compile(r"^arn:(?:\$\{AWS::Partition\}|[^:]+):states:::(?P<api>.+)$")
PLACEHOLDER = re.compile(r"\$\{[^}]*\}")
# Step Functions' service names in aws-sdk integrations that botocore spells differently.
SERVICE_ALIASES = {"sfn": "stepfunctions", "states": "stepfunctions"}
# Optimized integrations whose request is not exactly the API's (Lambda's Payload is JSON, not bytes).
JSON_MEMBERS = {("lambda", "Invoke"): {"Payload"}}
SERVICE_LABEL = {"sagemaker": "SageMaker", "s3": "S3", "glue": "Glue", "lambda": "Lambda",
                 "stepfunctions": "Step Functions"}
MAX_ENUM_LISTED = 8  # beyond this many allowed values, a message lists the closest ones only


@lru_cache(maxsize=1)
def _data_dir() -> str | None:
    """botocore's ``data`` folder, located without importing botocore (see below)."""
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.join(list(spec.submodule_search_locations)[0], "data")


@lru_cache(maxsize=None)
def service_model(service: str) -> dict | None:
    """The botocore ``service-2`` model of ``service`` (botocore's name), or None if unknown.

    Read the way ``botocore.loaders.Loader.load_service_model`` finds it (the newest API version
    folder of botocore's own data; ``~/.aws/models`` is not searched, so a user's local models
    cannot change what compiles), but without importing botocore: compiling must not import it
    (tests/test_sdk_shim.py), and its import costs 0.1 s. tests/test_service_params.py checks that
    this gives exactly what the Loader gives.
    """
    root = _data_dir()
    folder = os.path.join(root, service) if root else None
    if not folder or not re.fullmatch(r"[a-z0-9-]+", service) or not os.path.isdir(folder):
        return None
    for version in sorted(os.listdir(folder), reverse=True):
        model = _json(os.path.join(folder, version, "service-2"))
        if model is not None:
            extras = _json(os.path.join(folder, version, "service-2.sdk-extras"))
            if extras and "merge" in extras:  # as Loader does: botocore's own corrections
                _merge(model, extras["merge"])
            return model
    return None


def _json(base: str):
    for suffix, opener in ((".json", open), (".json.gz", gzip.open)):
        if os.path.isfile(base + suffix):
            with opener(base + suffix, "rb") as handle:
                return json.loads(handle.read())
    return None


def _merge(target: dict, extra: dict) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value


def parse_resource(resource) -> tuple[str, str, str] | None:
    """``(botocore service, Step Functions API name, suffix)`` of an integration ARN, else None.

    ``sagemaker:createModel`` -> ('sagemaker', 'createModel', ''); ``aws-sdk:s3:copyObject`` ->
    ('s3', 'copyObject', ''); ``glue:startJobRun.sync`` -> ('glue', 'startJobRun', 'sync').
    """
    if not isinstance(resource, str):
        return None
    match = INTEGRATION.match(resource)
    if not match:
        return None
    parts = match.group("api").split(":")
    if parts[0] == "aws-sdk":
        parts = parts[1:]
    if len(parts) != 2:
        return None
    service, api = parts
    api, _, suffix = api.partition(".")
    return SERVICE_ALIASES.get(service, service), api, suffix


def operation_name(model: dict, api: str) -> str | None:
    """The botocore operation for a camelCase API name (``copyObject`` -> ``CopyObject``)."""
    wanted = api[:1].upper() + api[1:]
    if wanted in model["operations"]:
        return wanted
    folded = {name.lower(): name for name in model["operations"]}
    return folded.get(api.lower())


def _label(service: str) -> str:
    return SERVICE_LABEL.get(service, service)


def _allowed_enum(value: str, allowed: list[str]) -> str:
    if len(allowed) <= MAX_ENUM_LISTED:
        return "use one of " + ", ".join(repr(a) for a in allowed)
    close = difflib.get_close_matches(value, allowed, n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    return f"{hint}({len(allowed)} values are allowed, e.g. {', '.join(repr(a) for a in allowed[:3])})"


@lru_cache(maxsize=None)
def _pattern(text: str):
    try:
        return re.compile(text)
    except re.error:  # a Java-only construct (e.g. \p{...}): AWS checks it, we cannot
        return None


_TYPE_NAMES = {"structure": "an object", "map": "an object", "list": "a list", "string": "a string",
               "integer": "an integer", "long": "an integer", "float": "a number",
               "double": "a number", "boolean": "true or false", "timestamp": "a timestamp",
               "blob": "a string or JSON value"}


def _type_ok(kind: str, value) -> bool:
    if kind in ("structure", "map"):
        return isinstance(value, dict)
    if kind == "list":
        return isinstance(value, list)
    if kind == "string":
        return isinstance(value, str)
    if kind in ("integer", "long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if kind in ("float", "double"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "timestamp":
        return isinstance(value, (str, int, float)) and not isinstance(value, bool)
    return True  # blob: Step Functions serialises strings and JSON values alike


class _Checker:
    """Walks one state's Parameters against one operation's input shape."""

    def __init__(self, model, service, operation, state, pointer, report):
        self.shapes = model["shapes"]
        self.service, self.operation, self.state = service, operation, state
        self.pointer, self.report = pointer, report
        self.json_members = JSON_MEMBERS.get((service, operation), set())

    def where(self, path: list[str]) -> str:
        return ".".join(path) or "Parameters"

    def add(self, code, path, message):
        self.report(code, path, f"{self.where(path)}: {message} "
                                f"({_label(self.service)} {self.operation})")

    def check(self, value, shape_name: str, path: list[str]) -> None:
        shape = self.shapes[shape_name]
        kind = shape["type"]
        if path and path[-1] in self.json_members and len(path) == 1:
            return
        if not _type_ok(kind, value):
            self.add("MLD312", path, f"{value!r} is not {_TYPE_NAMES.get(kind, kind)}")
            return
        if kind == "structure":
            self._structure(value, shape, path)
        elif kind == "list":
            self._length(len(value), shape, path, "items")
            for index, item in enumerate(value):
                self.check(item, shape["member"]["shape"], [*path, str(index)])
        elif kind == "map":
            self._length(len(value), shape, path, "entries")
            for key, item in value.items():
                if key.endswith(".$"):
                    continue
                self.check(key, shape["key"]["shape"], [*path, f"({key!r} key)"])
                self.check(item, shape["value"]["shape"], [*path, key])
        elif kind == "string":
            self._string(value, shape, path)
        elif kind in ("integer", "long", "float", "double"):
            low, high = shape.get("min"), shape.get("max")
            if (low is not None and value < low) or (high is not None and value > high):
                self.add("MLD314", path, f"{value!r} is out of range; use "
                         f"{_bounds(low, high)}")

    def _structure(self, value: dict, shape: dict, path: list[str]) -> None:
        members = shape.get("members", {})
        present = set()
        for key, item in value.items():
            name = key[:-2] if key.endswith(".$") else key
            present.add(name)
            if name not in members:
                close = difflib.get_close_matches(name, list(members), n=1)
                hint = f"did you mean {close[0]!r}?" if close else \
                    f"members are: {', '.join(sorted(members))}"
                self.add("MLD311", [*path, key], f"unknown member {name!r}; {hint}")
                continue
            if key.endswith(".$"):
                continue
            self.check(item, members[name]["shape"], [*path, key])
        for name in shape.get("required", []):
            if name not in present:
                self.add("MLD317", [*path, name], f"required member {name!r} is missing")

    def _length(self, size: int, shape: dict, path, unit: str) -> bool:
        low, high = shape.get("min"), shape.get("max")
        if high is not None and size > high:
            self.add("MLD315", path, f"{size} {unit}; the limit is {high}")
        elif low is not None and size < low:
            self.add("MLD315", path, f"{size} {unit}; use at least {low}")
        else:
            return True
        return False

    def _string(self, value: str, shape: dict, path) -> None:
        if PLACEHOLDER.search(value):
            return  # resolved by Fn::Sub at deploy time
        enum = shape.get("enum")
        if enum and value not in enum:
            self.add("MLD313", path, f"{value!r} is not allowed; {_allowed_enum(value, enum)}")
            return
        if not self._length(len(value), shape, path, "characters"):
            return
        pattern = shape.get("pattern")
        compiled = _pattern(pattern) if pattern else None
        if compiled is not None and not compiled.fullmatch(value):  # AWS matches whole values
            self.add("MLD316", path, f"{value!r} does not match the pattern {pattern}")


def _bounds(low, high) -> str:
    if low is not None and high is not None:
        return f"{low:g} to {high:g}"
    return f"at least {low:g}" if low is not None else f"at most {high:g}"


def check_service_parameters(definition: dict, file: str = "statemachine.asl.json",
                             origins: dict | None = None) -> list[Problem]:
    """Every Task whose literal Parameters the called API would reject.

    ``origins`` (``emit.workflow.Workflow.origins``: ``(state, *parameter path) -> Origin``)
    locates a problem in a value that came from a blueprint field at that field (file:line or
    JSON pointer); other problems are located at the state's JSON pointer in ``file``.
    """
    problems: list[Problem] = []
    origins = origins or {}
    for name, state in (definition.get("States") or {}).items():
        if not isinstance(state, dict) or state.get("Type") != "Task":
            continue
        parsed = parse_resource(state.get("Resource"))
        if parsed is None:
            continue  # a plain Lambda or activity ARN: no request model to check against
        service, api, _ = parsed
        base = f"/States/{name}"
        model = service_model(service)
        operation = operation_name(model, api) if model else None
        if operation is None:
            what = f"service {service!r}" if model is None else f"{_label(service)} has no API {api!r}"
            problems.append(Problem("MLD310", name, f"state {name!r} Resource "
                                    f"{state['Resource']!r}: unknown integration ({what})",
                                    Location(file, pointer=f"{base}/Resource")))
            continue
        parameters = state.get("Parameters")
        if parameters is None:
            parameters = {}

        def report(code, path, message, operation=operation, base=base, name=name):
            pointer = f"{base}/Parameters" + "".join(f"/{p}" for p in path)
            origin = _origin(origins, name, path)
            if origin is not None:
                problems.append(Problem(code, origin.field, f"state {name!r} {message}; in "
                                        f"{file}#{pointer}", origin.location))
            else:
                problems.append(Problem(code, name, message, Location(file, pointer=pointer)))

        input_shape = model["operations"][operation].get("input", {}).get("shape")
        if input_shape is None:
            continue
        _Checker(model, service, operation, name, base, report).check(parameters, input_shape, [])
    return problems


def _origin(origins: dict, state: str, path: list[str]):
    """The blueprint field behind a parameter path: the longest traced prefix of the path."""
    keys = tuple(str(part) for part in path)
    traced = {(key[0], *map(str, key[1:])): origin for key, origin in origins.items()
              if key and key[0] == state}
    for end in range(len(keys), 0, -1):
        found = traced.get((state, *keys[:end]))
        if found is not None:
            return found
    return None

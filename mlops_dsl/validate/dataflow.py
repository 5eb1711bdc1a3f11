"""Data flow: every ``$.x`` a state reads is produced by what runs before it.

The checker walks the states in execution order and keeps the JSON shape each state receives. It
starts from the execution input, which this pipeline's states do not read (EventBridge's event or
an operator's ``{}``): everything a state reads must have been added by an earlier state through its
``ResultPath``. A Task's result has the known shape of its integration: the botocore output of an
``aws-sdk`` call or of a non-``.sync`` optimized call, the Describe* response a ``.sync`` SageMaker
task returns, the ``JobRun`` of a ``.sync`` Glue run, and for ``lambda:invoke`` the documented
output of the handler (``HANDLER_OUTPUTS``). ``ResultSelector`` reads that result;
``InputPath``/``ResultPath``/``OutputPath`` reshape what flows on; a ``Catch`` adds
``{Error, Cause}``. Where several paths join, only what every path produces counts. ``$$.`` paths are
checked against the context object. Map and Parallel states are not looked into: their output is
treated as unknown (reads from it are not checked).
"""
from __future__ import annotations

import re

from ..asl.intrinsics import RESULTS, call, is_expression
from ..asl.paths import is_context, parse_path
from ..asl.transitions import transitions
from ..emit import names as n
from ..errors import Location, Problem
from .service_params import _label, operation_name, parse_resource, service_model

# What each Lambda handler in lambdas/ returns (their docstrings; tests/security checks they do).
HANDLER_OUTPUTS = {
    n.JOB_NAME_FUNCTION: {"JobName": "string"},
    n.ENDPOINT_CHECK_FUNCTION: {"EndpointName": "string", "EndpointExists": "boolean",
                                "EndpointStatus": "string"},
}
# What a .sync integration returns: the response of the API it polls (and the member returned).
SYNC_RESULTS = {
    ("sagemaker", "CreateHyperParameterTuningJob"): ("DescribeHyperParameterTuningJob", None),
    ("sagemaker", "CreateTrainingJob"): ("DescribeTrainingJob", None),
    ("sagemaker", "CreateTransformJob"): ("DescribeTransformJob", None),
    ("sagemaker", "CreateProcessingJob"): ("DescribeProcessingJob", None),
    ("glue", "StartJobRun"): ("GetJobRun", "JobRun"),
    ("stepfunctions", "StartExecution"): ("DescribeExecution", None),
}
CONTEXT = {
    "Execution": {"Id": "string", "Input": None, "Name": "string", "RoleArn": "string",
                  "StartTime": "string", "RedriveCount": "number", "RedriveTime": "string"},
    "State": {"EnteredTime": "string", "Name": "string", "RetryCount": "number"},
    "StateMachine": {"Id": "string", "Name": "string"},
    "Task": {"Token": "string"},
    "Map": {"Item": {"Index": "number", "Value": None}},
}


class Shape:
    """What is known of a JSON value. ``child`` is None where the value has no such member."""

    label = "the value"

    def child(self, segment):
        return None

    def names(self) -> list[str]:
        return []


class Unknown(Shape):
    """A value whose content is not modelled: every read from it is accepted."""

    def child(self, segment):
        return self


UNKNOWN = Unknown()


class Leaf(Shape):
    def __init__(self, kind: str):
        self.kind = kind


class Obj(Shape):
    def __init__(self, fields: dict, label: str = "the value"):
        self.fields, self.label = fields, label

    def child(self, segment):
        return self.fields.get(segment) if isinstance(segment, str) else None

    def names(self):
        return sorted(self.fields)


class Lst(Shape):
    def __init__(self, item: Shape):
        self.item = item

    def child(self, segment):
        return self.item if isinstance(segment, int) or segment == "*" else None


class Boto(Shape):
    """A botocore shape, expanded lazily (models are recursive)."""

    def __init__(self, model: dict, name: str, label: str):
        self.model, self.name, self.label = model, name, label
        self.spec = model["shapes"][name]

    def child(self, segment):
        kind = self.spec["type"]
        if kind == "structure" and isinstance(segment, str):
            member = self.spec.get("members", {}).get(segment)
            return None if member is None else Boto(self.model, member["shape"], self.label)
        if kind == "list" and (isinstance(segment, int) or segment == "*"):
            return Boto(self.model, self.spec["member"]["shape"], self.label)
        if kind == "map" and isinstance(segment, str):
            return Boto(self.model, self.spec["value"]["shape"], self.label)
        if kind == "document":
            return UNKNOWN
        return None

    def names(self):
        return sorted(self.spec.get("members", {})) if self.spec["type"] == "structure" else []


def _literal(value) -> Shape:
    if isinstance(value, dict):
        return Obj({k: _literal(v) for k, v in value.items()})
    if isinstance(value, list):
        return Lst(UNKNOWN)
    return Leaf("string" if isinstance(value, str) else "number" if isinstance(value, (int, float))
                and not isinstance(value, bool) else "boolean" if isinstance(value, bool) else "null")


def _from_spec(spec) -> Shape:
    if spec is None:
        return UNKNOWN
    if isinstance(spec, dict):
        return Obj({k: _from_spec(v) for k, v in spec.items()})
    return Leaf(spec)


CONTEXT_SHAPE = Obj({k: _from_spec(v) for k, v in CONTEXT.items()}, "the context object")


def _show(segments) -> str:
    return "$" + "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in segments)


def _merge(a: Shape | None, b: Shape) -> Shape:
    """What is surely present when a state is entered from two paths."""
    if a is None or isinstance(a, Unknown):
        return b
    if isinstance(b, Unknown):
        return a
    if isinstance(a, Obj) and isinstance(b, Obj):
        return Obj({k: _merge(a.fields[k], b.fields[k]) for k in a.fields if k in b.fields}, a.label)
    return a


def _set(shape: Shape, segments: list, value: Shape) -> Shape:
    if not segments:
        return value
    head, rest = segments[0], segments[1:]
    if isinstance(shape, Obj):
        fields = dict(shape.fields)
    elif isinstance(shape, Boto) and shape.spec["type"] == "structure":
        fields = {name: shape.child(name) for name in shape.names()}
    else:
        fields = {}
    fields[head] = _set(fields.get(head) or Obj({}), rest, value)
    return Obj(fields, getattr(shape, "label", "the value"))


class _Flow:
    def __init__(self, file: str, problems: list[Problem]):
        self.file, self.problems = file, problems

    def read(self, shape: Shape, path: str, state: str, pointer: str, where: str,
             result_of: str | None = None) -> Shape:
        """The shape at ``path`` in ``shape``; reports a problem when it is not there."""
        if not isinstance(path, str):
            return UNKNOWN
        intrinsic = call(path)
        if intrinsic:
            return self.intrinsic(shape, intrinsic, state, pointer, where, result_of)
        segments = parse_path(path)
        if segments is None:
            return UNKNOWN  # syntax is check_workflow's MLD303
        context = is_context(path)
        current = CONTEXT_SHAPE if context else shape
        for depth, segment in enumerate(segments):
            found = current.child(segment)
            if found is None:
                self.missing(current, segments, depth, path, state, pointer, where, context, result_of)
                return UNKNOWN
            current = found
        return current

    def missing(self, current, segments, depth, path, state, pointer, where, context, result_of):
        have = current.names()
        listed = f" (it has: {', '.join(have)})" if have else ""
        name = segments[depth]
        if context:
            code, message = "MLD322", (f"{where} reads {path!r}: the context object has no "
                                       f"{_show(segments[:depth + 1])[2:]!r}{listed}")
        elif result_of:
            code, message = "MLD321", (f"{where} reads {path!r} from the {result_of}, which has no "
                                       f"{name!r}{listed}")
        elif depth == 0:
            produced = f"its input has: {', '.join('$.' + h for h in have)}" if have else \
                "its input is the execution input, which this workflow does not read"
            code, message = "MLD320", (f"{where} reads {path!r}, but no earlier state produces "
                                       f"{_show(segments[:1])!r} ({produced})")
        else:
            code, message = "MLD320", (f"{where} reads {path!r}, but {_show(segments[:depth])!r} "
                                       f"({current.label}) has no {name!r}{listed}")
        self.problems.append(Problem(code, state, message, Location(self.file, pointer=pointer)))

    def intrinsic(self, shape, intrinsic, state, pointer, where, result_of) -> Shape:
        function, arguments = intrinsic
        for argument in arguments:
            if is_expression(argument):
                self.read(shape, argument, state, pointer, where, result_of)
        kind = RESULTS.get(function)
        if kind == "array":
            return Lst(UNKNOWN)
        return Leaf(kind) if kind else UNKNOWN

    def template(self, value, shape: Shape, state: str, pointer: str, field: str,
                 result_of: str | None = None) -> Shape:
        """The shape a Parameters/ResultSelector template builds, checking each ``.$`` read."""
        if isinstance(value, dict):
            fields = {}
            for key, item in value.items():
                child = f"{pointer}/{key}"
                label = f"{field}.{key}"
                if key.endswith(".$"):
                    fields[key[:-2]] = self.read(shape, item, state, child, label, result_of)
                else:
                    fields[key] = self.template(item, shape, state, child, label, result_of)
            return Obj(fields)
        if isinstance(value, list):
            for index, item in enumerate(value):
                self.template(item, shape, state, f"{pointer}/{index}", f"{field}.{index}", result_of)
            return Lst(UNKNOWN)
        return _literal(value)


def task_result(state: dict) -> tuple[Shape, str | None]:
    """The shape of a Task's result, and how messages name it."""
    parsed = parse_resource(state.get("Resource"))
    if parsed is None:
        return UNKNOWN, None
    service, api, suffix = parsed
    model = service_model(service)
    operation = operation_name(model, api) if model else None
    if operation is None or suffix == "waitForTaskToken":
        return UNKNOWN, None
    if (service, operation) == ("lambda", "Invoke"):
        function = (state.get("Parameters") or {}).get("FunctionName")
        match = re.match(r"^\$\{(\w+)\.Arn\}$", function) if isinstance(function, str) else None
        payload = _from_spec(HANDLER_OUTPUTS.get(match.group(1))) if match else UNKNOWN
        label = f"Lambda {match.group(1) if match else 'function'} result"
        return Obj({"ExecutedVersion": Leaf("string"), "Payload": payload, "StatusCode": Leaf("number"),
                    "SdkHttpMetadata": UNKNOWN, "SdkResponseMetadata": UNKNOWN}, label), label
    if suffix == "sync":
        if (service, operation) not in SYNC_RESULTS:
            return UNKNOWN, None
        operation, member = SYNC_RESULTS[(service, operation)]
    else:
        member = None
    label = f"{_label(service)} {operation} result"
    output = model["operations"][operation].get("output")
    if output is None:
        return Obj({}, label), label
    shape = Boto(model, output["shape"], label)
    return (shape.child(member) if member else shape), label


def _order(states: dict, start) -> tuple[list[str], dict[str, list[tuple[str, dict]]]]:
    """States in execution order (back edges of loops ignored) and each state's entries."""
    edges: dict[str, list[tuple[str, dict | None, dict | None]]] = {}
    for name, state in states.items():
        edges[name] = [(t.target, t.catch, t.rule) for t in transitions(state)
                       if t.target in states]
    order, seen, active, back = [], set(), set(), set()

    def visit(name):
        seen.add(name)
        active.add(name)
        for target, _, _ in edges[name]:
            if target in active:
                back.add((name, target))
            elif target not in seen:
                visit(target)
        active.discard(name)
        order.append(name)

    if start in states:
        visit(start)
    order.reverse()
    entries: dict[str, list] = {name: [] for name in states}
    for name in order:
        for target, catch, rule in edges[name]:
            if (name, target) not in back:
                entries[target].append((name, catch, rule))
    return order, entries


def check_dataflow(definition: dict, file: str = "statemachine.asl.json") -> list[Problem]:
    """Every read of state data that no earlier state produces."""
    problems: list[Problem] = []
    flow = _Flow(file, problems)
    states = definition.get("States") or {}
    start = definition.get("StartAt")
    order, entries = _order(states, start)
    outputs: dict[str, Shape] = {}
    failures: dict[str, Shape] = {}
    for name in order:
        state = states[name]
        incoming = None
        if name == start:
            incoming = Obj({}, "the execution input")
        for source, catch, rule in entries[name]:
            if catch is None and source in outputs:
                incoming = _merge(incoming, _refine(outputs[source], rule))
            elif catch is not None and source in failures:
                error = Obj({"Error": Leaf("string"), "Cause": Leaf("string")}, "the error output")
                incoming = _merge(incoming, _place(flow, failures[source], catch.get("ResultPath", "$"),
                                                   error, name))
        outputs[name], failures[name] = _run(flow, name, state, incoming or UNKNOWN)
    return problems


def _present(rule: dict | None) -> list[list]:
    """The paths a Choice rule proves present: its ``IsPresent: true`` tests, alone or in And."""
    if not rule:
        return []
    if "And" in rule:
        return [path for inner in rule["And"] for path in _present(inner)]
    variable = rule.get("Variable")
    if rule.get("IsPresent") is True and isinstance(variable, str) and not is_context(variable):
        segments = parse_path(variable)
        return [segments] if segments else []
    return []


def _refine(shape: Shape, rule: dict | None) -> Shape:
    """What is known on a Choice rule's branch: the paths it tested present are there."""
    for segments in _present(rule):
        shape = _set(shape, segments, UNKNOWN)
    return shape


def _place(flow, raw: Shape, result_path, result: Shape, state: str) -> Shape:
    if result_path is None:
        return raw
    segments = parse_path(result_path) if isinstance(result_path, str) else None
    if segments is None or is_context(result_path):
        return UNKNOWN
    return _set(raw, segments, result)


def _select(flow, shape, path, state, field) -> Shape:
    if path is None:
        return Obj({})
    return flow.read(shape, path, state, f"/States/{state}/{field}", field)


def _run(flow: _Flow, name: str, state: dict, raw: Shape) -> tuple[Shape, Shape]:
    """(output on success, raw input kept for Catch) of one state."""
    base = f"/States/{name}"
    kind = state.get("Type")
    effective = _select(flow, raw, state.get("InputPath", "$"), name, "InputPath")
    if kind in ("Fail",):
        for field in ("ErrorPath", "CausePath"):
            if field in state:
                flow.read(effective, state[field], name, f"{base}/{field}", field)
        return UNKNOWN, raw
    if kind == "Choice":
        for index, rule in enumerate(state.get("Choices", [])):
            _choice_reads(flow, rule, effective, name, f"{base}/Choices/{index}", f"Choices.{index}")
        output = effective
    elif kind == "Wait":
        for field in ("SecondsPath", "TimestampPath"):
            if field in state:
                flow.read(effective, state[field], name, f"{base}/{field}", field)
        output = effective
    elif kind in ("Succeed",):
        output = effective
    elif kind in ("Task", "Pass"):
        if "Parameters" in state:
            effective = flow.template(state["Parameters"], effective, name, f"{base}/Parameters",
                                      "Parameters")
        if kind == "Task":
            result, label = task_result(state)
        else:
            result, label = (_literal(state["Result"]), None) if "Result" in state else (effective, None)
        if "ResultSelector" in state:
            result = flow.template(state["ResultSelector"], result, name, f"{base}/ResultSelector",
                                   "ResultSelector", label or "task result")
        if isinstance(result, Obj) and result.label == "the value":
            result.label = f"the result of {name!r}"
        output = _place(flow, raw, state.get("ResultPath", "$"), result, name)
    else:  # Map, Parallel: not modelled
        output = _place(flow, raw, state.get("ResultPath", "$"), UNKNOWN, name)
    if "OutputPath" in state:
        output = _select(flow, output, state["OutputPath"], name, "OutputPath")
    return output, raw


def _choice_reads(flow, rule: dict, shape, state: str, pointer: str, where: str) -> None:
    for key in ("And", "Or"):
        for index, inner in enumerate(rule.get(key, [])):
            _choice_reads(flow, inner, shape, state, f"{pointer}/{key}/{index}", f"{where}.{key}.{index}")
    if "Not" in rule:
        _choice_reads(flow, rule["Not"], shape, state, f"{pointer}/Not", f"{where}.Not")
    if "Variable" in rule and "IsPresent" not in rule:  # testing presence reads nothing
        flow.read(shape, rule["Variable"], state, f"{pointer}/Variable", f"{where}.Variable")
    for key, value in rule.items():
        if key.endswith("Path") and isinstance(value, str):
            flow.read(shape, value, state, f"{pointer}/{key}", f"{where}.{key}")

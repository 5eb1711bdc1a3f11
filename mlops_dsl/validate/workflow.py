"""Structural checks of a compiled workflow that neither cfn-lint nor the SDK make.

Every ``Next``/``Default``/``Catch`` target exists, every state is reachable from ``StartAt``, every
non-terminal state has a way out, JSONPaths and intrinsic functions parse, and Choice comparisons
against numbers use numbers (not strings). Problems carry a JSON pointer into the definition.
"""
from __future__ import annotations

from ..asl.intrinsics import expression_problem
from ..asl.operators import NUMERIC
from ..asl.paths import is_path
from ..asl.transitions import TERMINAL, transitions
from ..errors import Location, Problem

MAX_STATE_NAME = 80  # Step Functions state-name limit


def _parameter_paths(value, pointer: str):
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{pointer}/{key}"
            if key.endswith(".$"):
                yield child, item
            else:
                yield from _parameter_paths(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _parameter_paths(item, f"{pointer}/{index}")


def check_workflow(definition: dict, file: str = "statemachine.asl.json") -> list[Problem]:
    """Every structural problem of an ASL definition."""
    problems: list[Problem] = []

    def add(code, pointer, field, message):
        problems.append(Problem(code, field, message, Location(file, pointer=pointer)))

    states = definition.get("States", {})
    start = definition.get("StartAt")
    if start not in states:
        add("MLD305", "/StartAt", "StartAt", f"{start!r} is not a state; states are: "
            f"{', '.join(sorted(states))}")
    edges: dict[str, list[str]] = {}
    for name, state in states.items():
        base = f"/States/{name}"
        if len(name) > MAX_STATE_NAME:
            add("MLD307", base, name, f"state name has {len(name)} characters; the limit is "
                f"{MAX_STATE_NAME}")
        for index, choice in enumerate(state.get("Choices", [])):
            _check_choice(choice, f"{base}/Choices/{index}", name, add)
        targets = [(t.field, t.target) for t in transitions(state)]
        for field, target in targets:
            if target not in states:
                add("MLD301", f"{base}/{field}", name, f"{field.split('/')[-1]} target {target!r} "
                    f"does not exist; states are: {', '.join(sorted(states))}")
        edges[name] = [t for _, t in targets if t in states]
        kind = state.get("Type")
        if kind not in TERMINAL and kind != "Choice" and not state.get("End") and "Next" not in state:
            add("MLD306", base, name, f"{kind} state has neither Next nor End")
        for field in ("InputPath", "OutputPath", "ResultPath"):
            value = state.get(field)
            if isinstance(value, str) and not is_path(value):
                add("MLD303", f"{base}/{field}", name, f"{field} {value!r} is not a valid JSONPath")
        for field in ("Parameters", "ResultSelector"):
            for pointer, expression in _parameter_paths(state.get(field), f"{base}/{field}"):
                problem = (f"{expression!r} is not a string" if not isinstance(expression, str)
                           else expression_problem(expression))
                if problem:
                    add("MLD303", pointer, name, problem)
    reachable, frontier = set(), [start] if start in states else []
    while frontier:
        current = frontier.pop()
        if current in reachable:
            continue
        reachable.add(current)
        frontier.extend(edges.get(current, []))
    for name in states:
        if name not in reachable:
            add("MLD302", f"/States/{name}", name, f"state is unreachable from StartAt {start!r}")
    return problems


def _check_choice(rule: dict, pointer: str, state: str, add) -> None:
    for key in ("And", "Or"):
        for index, inner in enumerate(rule.get(key, [])):
            _check_choice(inner, f"{pointer}/{key}/{index}", state, add)
    if "Not" in rule:
        _check_choice(rule["Not"], f"{pointer}/Not", state, add)
    variable = rule.get("Variable")
    if variable is not None and not is_path(variable):
        add("MLD303", f"{pointer}/Variable", state, f"Variable {variable!r} is not a valid JSONPath")
    for operator in (key for key in rule if key in NUMERIC):
        value = rule[operator]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            add("MLD304", f"{pointer}/{operator}", state, f"{operator} compares with "
                f"{value!r}, which is not a number")

"""The intrinsic functions (``States.Format(...)`` in a ``.$`` value): which exist, what each
returns, and how a call parses. The structural checks ask ``expression_problem``; the data-flow
analysis reads ``RESULTS`` and ``call``.
Reference: https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html
"""
from __future__ import annotations

import re

from .paths import is_path

INTRINSIC = re.compile(r"^(States\.[A-Za-z0-9]+)\((.*)\)$", re.S)
# Each intrinsic and the kind of JSON value it returns (None: any, or not modelled).
RESULTS: dict[str, str | None] = {
    "States.Format": "string", "States.StringToJson": None, "States.JsonToString": "string",
    "States.Array": "array", "States.ArrayPartition": None, "States.ArrayContains": None,
    "States.ArrayRange": None, "States.ArrayGetItem": None, "States.ArrayLength": "number",
    "States.ArrayUnique": None, "States.Base64Encode": "string", "States.Base64Decode": "string",
    "States.Hash": "string", "States.JsonMerge": None, "States.MathRandom": "number",
    "States.MathAdd": "number", "States.StringSplit": None, "States.UUID": "string",
}
INTRINSICS = frozenset(RESULTS)


def call(expression: str) -> tuple[str, list[str]] | None:
    """``(function, arguments)`` of an intrinsic call, or None when ``expression`` is not one."""
    match = INTRINSIC.match(expression)
    if not match:
        return None
    function, arguments = match.groups()
    return function, split_arguments(arguments)


def split_arguments(text: str) -> list[str]:
    """Split intrinsic arguments on top-level commas, honouring quotes and parentheses."""
    parts, depth, quoted, current = [], 0, False, ""
    for index, char in enumerate(text):
        if char == "'" and (index == 0 or text[index - 1] != "\\"):
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        if char == "," and depth == 0 and not quoted:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current.strip())
    return parts


def is_expression(argument: str) -> bool:
    """True for an argument that is itself read (a path or a nested call), not a literal."""
    return argument.startswith("$") or argument.startswith("States.")


def expression_problem(expression: str) -> str | None:
    """Why a ``.$`` value is not a valid path or intrinsic call, or None when it is."""
    match = INTRINSIC.match(expression)
    if not match:
        return None if is_path(expression) else f"{expression!r} is not a valid JSONPath"
    function, arguments = match.groups()
    if function not in INTRINSICS:
        return f"{function} is not an intrinsic function"
    if arguments.count("'") % 2:
        return f"unbalanced quotes in {expression!r}"
    for argument in split_arguments(arguments):
        if is_expression(argument):
            problem = expression_problem(argument)
            if problem:
                return problem
    return None

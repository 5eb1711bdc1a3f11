"""A faithful, offline ``Fn::Sub``: replace ``${Name}`` and ``${Name.Attr}`` in a string; and the
escape that keeps user text literal inside one.

Used where the compiled workflow must run or be checked outside CloudFormation (the local runner,
the tests). As in CloudFormation, ``${!`` stands for a literal ``${`` (``${!Literal}`` stays
``${Literal}``); an unknown name is an error, never silently left in place.
Reference: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-sub.html
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping

# "${!" (a literal "${"), or a variable "${Name}" / "${Logical.Attr}" / "${AWS::Region}"
TOKEN = re.compile(r"\$\{(?:(!)|([A-Za-z0-9_:.]+)\})")


def fn_sub(text: str, variables: Mapping[str, str] | Callable[[str], str]) -> str:
    """Resolve every placeholder of ``text`` from a mapping (KeyError naming a missing one) or a
    function of the placeholder's name."""
    def replace(match: re.Match) -> str:
        literal, name = match.groups()
        if literal:
            return "${"
        if callable(variables):
            return variables(name)
        if name not in variables:
            raise KeyError(f"no value for ${{{name}}}")
        return variables[name]

    return TOKEN.sub(replace, text)


def placeholders(text: str) -> set[str]:
    """Every ``${Name}`` that ``text`` refers to (literals ``${!X}`` excluded)."""
    return {name for literal, name in TOKEN.findall(text) if not literal}


def escape(text: str) -> str:
    """``text`` made literal inside an ``Fn::Sub`` string: every ``${`` becomes ``${!``, so
    CloudFormation substitutes nothing in it (``fn_sub(escape(text), {}) == text``)."""
    return text.replace("${", "${!")

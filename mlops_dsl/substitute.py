"""A faithful, offline ``Fn::Sub``: replace ``${Name}`` and ``${Name.Attr}`` in a string.

Used where the compiled workflow must run or be checked outside CloudFormation (the local runner,
the tests). ``${!Literal}`` stays ``${Literal}`` as in CloudFormation; an unknown name is an error,
never silently left in place.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping

PLACEHOLDER = re.compile(r"\$\{(!?)([A-Za-z0-9_:.]+)\}")


def fn_sub(text: str, variables: Mapping[str, str] | Callable[[str], str]) -> str:
    """Resolve every placeholder of ``text`` from a mapping (KeyError naming a missing one) or a
    function of the placeholder's name."""
    def replace(match: re.Match) -> str:
        literal, name = match.groups()
        if literal:
            return "${" + name + "}"
        if callable(variables):
            return variables(name)
        if name not in variables:
            raise KeyError(f"no value for ${{{name}}}")
        return variables[name]

    return PLACEHOLDER.sub(replace, text)


def placeholders(text: str) -> set[str]:
    """Every ``${Name}`` that ``text`` refers to (literals ``${!X}`` excluded)."""
    return {name for literal, name in PLACEHOLDER.findall(text) if not literal}

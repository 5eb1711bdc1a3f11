"""The two forms migrate writes: our JSON config, or a Python blueprint module using the public DSL.

The JSON form is the config as migrated, in the one canonical JSON of every artifact. The Python
form is rendered from the Blueprint our loader builds from that config, generically: every DSL
value is a frozen dataclass, so the renderer walks its fields and writes only those that differ
from what the class would hold by default. Nothing in it knows a particular field, so a field
added to the DSL is migrated without a change here. Output is deterministic: fields in declaration
order, mappings in key order, strings as escaped literals (user text never becomes code).
"""
from __future__ import annotations

import dataclasses
import json
import keyword
import math
import re
from collections.abc import Mapping

WIDTH = 100  # the line length of the repository's own code
INDENT = "    "


def render_json(config: dict) -> bytes:
    """The config file: canonical JSON (sorted keys, 2-space indent, trailing newline)."""
    from ..artifacts import canonical_json

    return canonical_json(config)


def variable_for(name: str) -> str:
    """A module-level Python name for a blueprint name (``attrition-dev`` -> ``attrition_dev``)."""
    variable = re.sub(r"\W", "_", name, flags=re.ASCII) or "blueprint"
    if variable[0].isdigit() or variable.startswith("_"):
        variable = "bp_" + variable.lstrip("_")  # the loader ignores names starting with "_"
    return variable + "_" if keyword.iskeyword(variable) else variable


def render_python(blueprint, *, name: str, docstring: str) -> bytes:
    """A blueprint module that builds ``blueprint`` (named ``name``) with the public DSL."""
    variable = variable_for(name)
    value = blueprint.with_(name=None if variable == name else name)
    if value.gate.metric == value.tuning.objective.metric:
        # A config's gate compares the objective metric, which is what Gate's default means.
        value = value.with_(gate=value.gate.with_(metric=None))
    used: set[str] = set()
    body = _value(value, INDENT, used, len(f"{variable} = "))
    lines = [_string(docstring), _imports(used), "", f"{variable} = {body}", ""]
    return "\n".join(lines).encode("utf-8")


def _imports(used: set[str]) -> str:
    import mlops_dsl

    for name in used:  # the module must build with the public DSL only
        if not hasattr(mlops_dsl, name):
            raise TypeError(f"{name} is not part of mlops_dsl's public API")
    names = sorted(used)
    line = f"from mlops_dsl import {', '.join(names)}"
    if len(line) <= WIDTH:
        return line
    wrapped, current = [], "from mlops_dsl import ("
    for index, item in enumerate(names):
        piece = item + (", " if index < len(names) - 1 else ")")
        if len(current) + len(piece.rstrip()) > WIDTH:
            wrapped.append(current.rstrip())
            current = " " * len("from mlops_dsl import (")
        current += piece
    return "\n".join(wrapped + [current])


def _value(value, indent: str, used: set[str], offset: int) -> str:
    """A Python expression for ``value``: on one line when it fits, else one item per line."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        used.add(cls.__name__)
        items = [(f"{f.name}=", getattr(value, f.name)) for f in _changed_fields(value)]
        return _sequence(f"{cls.__name__}(", ")", items, indent, used, offset)
    if isinstance(value, Mapping):
        items = [(f"{_string(str(k))}: ", v) for k, v in sorted(value.items())]
        return _sequence("{", "}", items, indent, used, offset)
    if isinstance(value, (tuple, list)):
        items = [("", v) for v in value]
        return _sequence("(", ",)" if len(items) == 1 else ")", items, indent, used, offset)
    return _scalar(value)


def _sequence(opening: str, closing: str, items, indent: str, used: set[str], offset: int) -> str:
    flat = [prefix + _value(item, indent + INDENT, used, 0) for prefix, item in items]
    inline = opening + ", ".join(flat) + closing
    if "\n" not in inline and offset + len(indent) - len(INDENT) + len(inline) <= WIDTH:
        return inline
    inner = indent
    rendered = [inner + prefix + _value(item, inner + INDENT, used, len(prefix)) + ","
                for prefix, item in items]
    outer = indent[:-len(INDENT)]
    return opening.rstrip(",") + "\n" + "\n".join(rendered) + "\n" + outer + closing.lstrip(",")


def _changed_fields(value) -> list:
    """The fields of a DSL value that differ from a value of its class built from its required fields."""
    fields = [f for f in dataclasses.fields(value) if not f.name.startswith("_")]
    required = {f.name: getattr(value, f.name) for f in fields
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
    reference = type(value)(**required)
    return [f for f in fields if f.name in required or getattr(value, f.name) != getattr(reference, f.name)]


def _scalar(value) -> str:
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} cannot be written as a literal")
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    raise TypeError(f"cannot render {type(value).__name__} in a blueprint module")


def _string(text: str) -> str:
    """A double-quoted Python literal of ``text``: JSON's escaping is also Python's."""
    return json.dumps(text, ensure_ascii=False)

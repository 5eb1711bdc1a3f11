"""Facts about one field, declared on the field: ``Annotated[int, Bounds("MLD106", 1, 750)]``.

pydantic's habit: a field's type, bounds, enumeration (``Literal``) and pattern are written once, on
the field. ``Node`` checks them when a value is built; ``mlops_dsl.config`` turns the same
declarations into the JSON schema of the config form. Each constraint carries the error code of the
rule it states, so a Python blueprint and a JSON config report the same code for the same mistake.

A constraint whose code is ``MLD001`` is part of the field's type (an empty string where a path is
required): it fails the construction at once, like a wrong type. Every other constraint is recorded
on the value and reported by ``validate.blueprint`` together with the cross-field rules, so one run
lists every problem of a blueprint, and of every blueprint of a module.
"""
from __future__ import annotations

import math
import re
import types
import typing
from collections.abc import Mapping

from ..errors import shorten  # noqa: F401 - re-exported: the one message helper is in errors

TYPE_CODE = "MLD001"  # a constraint that belongs to the type: fails the construction at once


class Constraint:
    """One rule about the value of one field. Subclasses say how it reads and how JSON Schema says it.

    Plain classes rather than dataclasses: they are made while ``import mlops_dsl`` runs."""

    code: str

    def violation(self, value, base) -> str | None:
        """The message when ``value`` breaks the rule (``base`` is the field's plain type), else None."""
        raise NotImplementedError

    def schema(self, base) -> dict:
        """The JSON Schema keywords that state the same rule."""
        return {}

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({fields})"


class Allowed(Constraint):
    """The error code of a ``Literal`` enumeration: ``Annotated[Literal["A", "B"], Allowed("MLD109")]``."""

    def __init__(self, code: str):
        self.code = code

    def violation(self, value, base) -> str | None:
        values = typing.get_args(base)
        if value in values:
            return None
        return f"{shorten(value)} is not allowed; use one of {', '.join(map(str, values))}"

    def schema(self, base) -> dict:
        return {"enum": list(typing.get_args(base))}


class Bounds(Constraint):
    """Inclusive bounds of a number, ``high`` optional; ``unit`` (``"GB"``) follows them in messages."""

    def __init__(self, code: str, low: float, high: float | None = None, unit: str = ""):
        self.code, self.low, self.high, self.unit = code, low, high, unit

    def violation(self, value, base) -> str | None:
        if value >= self.low and (self.high is None or value <= self.high):
            return None
        if self.high is None:
            return f"{shorten(value)} must be at least {self.low}"
        unit = f" {self.unit}" if self.unit else ""
        return f"{shorten(value)} is out of range; use {self.low} to {self.high}{unit}"

    def schema(self, base) -> dict:
        return {"minimum": self.low, **({"maximum": self.high} if self.high is not None else {})}


class Length(Constraint):
    """How many characters a string, or how many items a list, may have; ``why`` explains a limit."""

    def __init__(self, code: str, low: int, high: int, why: str = ""):
        self.code, self.low, self.high, self.why = code, low, high, why

    def violation(self, value, base) -> str | None:
        size = len(value)
        if self.low <= size <= self.high:
            return None
        why = f" ({self.why})" if self.why else ""
        if isinstance(value, str):
            return f"{shorten(value)} has {size} characters; use {self.low} to {self.high}{why}"
        return f"{size} values; use {self.low} to {self.high}{why}"

    def schema(self, base) -> dict:
        if base is str:
            return {"minLength": self.low, "maxLength": self.high}
        return {"minItems": self.low, "maxItems": self.high}


class Pattern(Constraint):
    """A regular expression the whole string must match (searched, as JSON Schema does: anchor it).

    The message reads ``'x' is not <what>; <allowed>``."""

    def __init__(self, code: str, regex: str, allowed: str, what: str = "valid"):
        self.code, self.regex, self.allowed, self.what = code, regex, allowed, what
        self._compiled: re.Pattern | None = None

    def violation(self, value, base) -> str | None:
        if self._compiled is None:  # compiled on first use, not while mlops_dsl is imported
            self._compiled = re.compile(self.regex)
        if self._compiled.search(value):
            return None
        return f"{shorten(value)} is not {self.what}; {self.allowed}"

    def schema(self, base) -> dict:
        return {"pattern": self.regex}


class Finite(Constraint):
    """A number that is neither infinite nor NaN (JSON cannot say so; Python's json reads NaN)."""

    def __init__(self, code: str):
        self.code = code

    def violation(self, value, base) -> str | None:
        return None if math.isfinite(value) else f"{shorten(value)} must be a finite number"


class NonEmpty(Constraint):
    """Text that must not be empty (a path, a name): part of the type, so it fails at once."""

    code = TYPE_CODE

    def violation(self, value, base) -> str | None:
        return None if value else f"{value!r} is not a non-empty string"

    def schema(self, base) -> dict:
        return {"minLength": 1}


def split(annotation) -> tuple[object, tuple[Constraint, ...]]:
    """``Annotated[T, c1, c2]`` -> ``(T, (c1, c2))``; any other annotation -> ``(annotation, ())``."""
    if typing.get_origin(annotation) is typing.Annotated:
        constraints = tuple(m for m in annotation.__metadata__ if isinstance(m, Constraint))
        return annotation.__origin__, constraints
    return annotation, ()


def options(annotation) -> tuple:
    """The members of a union (``X | None`` -> ``(X, NoneType)``), or the annotation alone."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)


def is_mapping(annotation) -> bool:
    return typing.get_origin(annotation) in (Mapping, dict)

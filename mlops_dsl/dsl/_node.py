"""The base of every DSL value: frozen, keyword-only, type-checked, and aware of where it was made.

Type checks run the moment a value is constructed, so a mistake is reported at the user's own line
(troposphere's habit). The facts declared on each field (``Literal`` enumerations, bounds, patterns:
see ``_fields``) are checked at the same moment and recorded on the value as ``field_problems``;
``validate.blueprint`` reports them with the cross-field rules, so every problem of a blueprint
(and of every blueprint of a module) is listed in one run. Each node remembers the ``file:line`` of
the user code that created it, so all of these errors point at the user's own line.
"""
from __future__ import annotations

import dataclasses
import sys
import types
import typing
from collections.abc import Mapping
from functools import lru_cache

from ..errors import BlueprintError, Location, Problem
from ._fields import TYPE_CODE, Allowed, options, shorten, split


def caller_location() -> Location:
    """The first frame outside the mlops_dsl package: the user's file and line.

    Frames are recognised by their module name, which also covers the ``__init__`` methods that
    dataclasses generate (they run with the defining module's globals), and so the default
    factories they call: a default part is located where its Blueprint was made.
    """
    frame = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__") or ""
        if module != "mlops_dsl" and not module.startswith("mlops_dsl.") and module != "dataclasses":
            return Location(frame.f_code.co_filename, frame.f_lineno)
        frame = frame.f_back
    return Location("<unknown>")


class FieldProblem(tuple):
    """``(field, code, message)``: a declared fact that one field of a value breaks, located later
    by ``Node.where_of`` (a plain tuple class: NamedTuple costs import time)."""

    __slots__ = ()

    def __new__(cls, field: str, code: str, message: str):
        return super().__new__(cls, (field, code, message))

    field = property(lambda self: self[0])
    code = property(lambda self: self[1])
    message = property(lambda self: self[2])

    def __repr__(self) -> str:
        return f"FieldProblem(field={self[0]!r}, code={self[1]!r}, message={self[2]!r})"


def _describe(annotation) -> str:
    annotation, _ = split(annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(annotation))
    if origin is typing.Literal:
        return _describe(type(typing.get_args(annotation)[0]))
    if origin is tuple:
        return f"a list of {_describe(typing.get_args(annotation)[0])}"
    if origin in (Mapping, dict):
        return "a mapping of string to string"
    if annotation is type(None):
        return "None"
    if annotation is float:
        return "a number"
    if annotation is int:
        return "an integer"
    if annotation is str:
        return "a string"
    if annotation is bool:
        return "true or false"
    return getattr(annotation, "__name__", str(annotation))


def _coerce(value, annotation):
    """Return (ok, value) with lists turned into tuples and mappings frozen."""
    annotation, _ = split(annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(annotation):
            ok, converted = _coerce(value, option)
            if ok:
                return True, converted
        return False, value
    if origin is typing.Literal:
        return _coerce(value, type(typing.get_args(annotation)[0]))
    if annotation is typing.Any:
        return True, value
    if annotation is type(None):
        return value is None, value
    if annotation is bool:
        return isinstance(value, bool), value
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool), value
    if annotation is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return ok, value
    if annotation is str:
        return isinstance(value, str), value
    if origin is tuple:
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
            return False, value
        item_type = typing.get_args(annotation)[0]
        items = []
        for item in value:
            ok, converted = _coerce(item, item_type)
            if not ok:
                return False, value
            items.append(converted)
        return True, tuple(items)
    if origin in (Mapping, dict):
        if not isinstance(value, Mapping):
            return False, value
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            return False, value
        return True, types.MappingProxyType(dict(sorted(value.items())))
    if isinstance(annotation, type):
        return isinstance(value, annotation), value
    return True, value


def violation(value, annotation) -> tuple[str, str] | None:
    """``(code, message)`` of the first declared fact that a well-typed ``value`` breaks, else None."""
    base, constraints = split(annotation)
    members = options(base)
    if len(members) > 1:
        option = next((o for o in members if _coerce(value, o)[0]), None)
        return None if option is None else violation(value, option)
    if typing.get_origin(base) is tuple:
        item_type = typing.get_args(base)[0]
        for item in value:
            found = violation(item, item_type)
            if found:
                return found
    if typing.get_origin(base) is typing.Literal and not any(isinstance(c, Allowed) for c in constraints):
        constraints = (Allowed(TYPE_CODE), *constraints)
    for constraint in constraints:
        message = constraint.violation(value, base)
        if message is not None:
            return constraint.code, message
    return None


@lru_cache(maxsize=None)
def hints(cls) -> dict:
    """Each field's declared annotation, ``Annotated`` facts included."""
    return typing.get_type_hints(cls, include_extras=True)


class Node:
    """Mixin for frozen DSL dataclasses: construction-time checks and a source location."""

    def __post_init__(self) -> None:
        where = caller_location()
        object.__setattr__(self, "_where", where)
        failed, recorded = [], []
        declared = hints(type(self))
        for field in dataclasses.fields(self):
            if field.name.startswith("_"):
                continue
            value = getattr(self, field.name)
            ok, converted = _coerce(value, declared[field.name])
            if not ok:
                failed.append(FieldProblem(field.name, TYPE_CODE,
                                           f"{shorten(value)} is not {_describe(declared[field.name])}"))
                continue
            object.__setattr__(self, field.name, converted)
            found = violation(converted, declared[field.name])
            if found:
                (failed if found[0] == TYPE_CODE else recorded).append(FieldProblem(field.name, *found))
        object.__setattr__(self, "_field_problems", tuple(recorded))
        if failed:
            raise BlueprintError([Problem(p.code, f"{type(self).__name__}.{p.field}", p.message,
                                          where.at(f"/{p.field}")) for p in (*failed, *recorded)])

    @property
    def where(self) -> Location:
        """The file and line (or JSON pointer) that created this value."""
        return self._where  # type: ignore[attr-defined]

    def where_of(self, field: str) -> Location:
        """Where one field was given: a JSON config knows each key's pointer, Python its line."""
        return getattr(self, "_field_where", {}).get(field, self.where)

    def field_name(self, field: str) -> str:
        """How a field is named in messages: the config key for a JSON config (``script_path``),
        the class and field for Python (``GlueTransform.script``)."""
        where = self.where_of(field)
        if where.pointer:
            return where.pointer.lstrip("/").replace("/", ".")
        return f"{type(self).__name__}.{field}"

    @property
    def field_problems(self) -> tuple[FieldProblem, ...]:
        """The declared facts (bounds, enumerations, patterns) that this value's fields break."""
        return self._field_problems  # type: ignore[attr-defined]

    def with_(self, **overrides):
        """A copy with some fields replaced: how dev/prod variants are derived from one blueprint."""
        try:
            return dataclasses.replace(self, **overrides)
        except TypeError as exc:
            names = ", ".join(f.name for f in dataclasses.fields(self) if not f.name.startswith("_"))
            raise BlueprintError([Problem("MLD002", type(self).__name__,
                                          f"{exc}; fields are: {names}", caller_location())]) from None


def relocate(node: Node, where: Location, field_where: dict[str, Location] | None = None) -> Node:
    """Say where a value came from when it was not the caller's line: a JSON config key, a default.

    Used by the config loader right after it builds each value, so nothing global is set while
    values are built."""
    object.__setattr__(node, "_where", where)
    if field_where is not None:
        object.__setattr__(node, "_field_where", dict(field_where))
    return node


def node(cls):
    """Decorator: a frozen, keyword-only dataclass with the Node behaviour."""
    return dataclasses.dataclass(frozen=True, kw_only=True)(cls)


def declared_problem(cls, field: str, value) -> str | None:
    """What the declaration of ``cls.field`` says is wrong with ``value`` (its bounds,
    enumeration, pattern), or None: for inputs outside a blueprint held to the same rule."""
    annotation = hints(cls)[field]
    if typing.get_origin(annotation) is not typing.Annotated:
        return None
    base, *constraints = typing.get_args(annotation)
    for constraint in constraints:
        message = constraint.violation(value, base)
        if message:
            return message
    return None

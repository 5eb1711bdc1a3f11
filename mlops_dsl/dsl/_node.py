"""The base of every DSL value: frozen, keyword-only, type-checked, and aware of where it was made.

Type checks run the moment a value is constructed, so a mistake is reported at the user's own line
(troposphere's habit). Each node remembers the ``file:line`` of the user code that created it; the
resolver and validators use it to point later, cross-field errors at the same place.
"""
from __future__ import annotations

import dataclasses
import sys
import types
import typing
from collections.abc import Mapping
from functools import lru_cache

from ..errors import BlueprintError, Location, Problem



def caller_location() -> Location:
    """The first frame outside the mlops_dsl package: the user's file and line.

    Frames are recognised by their module name, which also covers the ``__init__`` methods that
    dataclasses generate (they run with the defining module's globals).
    """
    frame = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__") or ""
        if module != "mlops_dsl" and not module.startswith("mlops_dsl.") and module != "dataclasses":
            return Location(frame.f_code.co_filename, frame.f_lineno)
        frame = frame.f_back
    return Location("<unknown>")


# Location to use for the next node built, set by the JSON config loader so that errors point at a
# JSON pointer instead of the loader's own source line. Never set while user code runs.
_forced_location: list[Location] = []


def _describe(annotation) -> str:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(annotation))
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
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(annotation):
            ok, converted = _coerce(value, option)
            if ok:
                return True, converted
        return False, value
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


@lru_cache(maxsize=None)
def _hints(cls) -> dict:
    return typing.get_type_hints(cls)


class Node:
    """Mixin for frozen DSL dataclasses: construction-time type checks and a source location."""

    def __post_init__(self) -> None:
        where = _forced_location[-1] if _forced_location else caller_location()
        object.__setattr__(self, "_where", where)
        problems = []
        hints = _hints(type(self))
        for field in dataclasses.fields(self):
            if field.name.startswith("_"):
                continue
            value = getattr(self, field.name)
            ok, converted = _coerce(value, hints[field.name])
            if ok:
                object.__setattr__(self, field.name, converted)
            else:
                problems.append(Problem(
                    "MLD001", f"{type(self).__name__}.{field.name}",
                    f"{value!r} is not {_describe(hints[field.name])}", where.at(f"/{field.name}")))
        if problems:
            raise BlueprintError(problems)

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

    def with_(self, **overrides):
        """A copy with some fields replaced: how dev/prod variants are derived from one blueprint."""
        try:
            return dataclasses.replace(self, **overrides)
        except TypeError as exc:
            names = ", ".join(f.name for f in dataclasses.fields(self) if not f.name.startswith("_"))
            raise BlueprintError([Problem("MLD002", type(self).__name__,
                                          f"{exc}; fields are: {names}", caller_location())]) from None


def node(cls):
    """Decorator: a frozen, keyword-only dataclass with the Node behaviour."""
    return dataclasses.dataclass(frozen=True, kw_only=True)(cls)

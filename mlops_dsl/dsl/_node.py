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
from functools import lru_cache, wraps

from ..errors import BlueprintError, Location, Problem
from ._fields import TYPE_CODE, Allowed, options, shorten, split

FLOAT_MAX = sys.float_info.max


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
    """``(field, code, message, item)``: a declared fact that one field of a value breaks, located
    later by ``Node.where_of``; ``item`` is the index of the offending entry of a list field (its
    config pointer ends in it), else None (a plain tuple class: NamedTuple costs import time)."""

    __slots__ = ()

    def __new__(cls, field: str, code: str, message: str, item: int | None = None):
        return super().__new__(cls, (field, code, message, item))

    field = property(lambda self: self[0])
    code = property(lambda self: self[1])
    message = property(lambda self: self[2])
    item = property(lambda self: self[3])

    def __repr__(self) -> str:
        item = f", item={self[3]!r}" if self[3] is not None else ""
        return f"FieldProblem(field={self[0]!r}, code={self[1]!r}, message={self[2]!r}{item})"


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
    if annotation is float:  # an int beyond a float's range would overflow every later use
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and (
            not isinstance(value, int) or -FLOAT_MAX <= value <= FLOAT_MAX)
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


def violation(value, annotation) -> tuple | None:
    """``(code, message)`` of the first declared fact that a well-typed ``value`` breaks, else None;
    ``(code, message, index)`` when it is an entry of a list that breaks it."""
    base, constraints = split(annotation)
    members = options(base)
    if len(members) > 1:
        option = next((o for o in members if _coerce(value, o)[0]), None)
        return None if option is None else violation(value, option)
    if typing.get_origin(base) is tuple:
        item_type = typing.get_args(base)[0]
        for index, item in enumerate(value):
            found = violation(item, item_type)
            if found:
                return found[0], found[1], index
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
                failed.append(FieldProblem(field.name, TYPE_CODE, _type_message(value,
                                                                               declared[field.name])))
                continue
            object.__setattr__(self, field.name, converted)
            found = violation(converted, declared[field.name])
            if found:
                (failed if found[0] == TYPE_CODE else recorded).append(FieldProblem(field.name, *found))
        object.__setattr__(self, "_field_problems", tuple(recorded))
        if failed:
            raise BlueprintError([Problem(p.code, f"{type(self).__name__}.{p.field}", p.message,
                                          where) for p in (*failed, *recorded)])

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
        """A copy with some fields replaced: how dev/prod variants are derived from one blueprint.

        A field left unchanged keeps the location it was given at, so a relative path still
        resolves against the folder of the file that wrote it, wherever the variant is made."""
        problems = call_problems(type(self), (), overrides, code="MLD002", need_required=False)
        if problems:
            raise BlueprintError(problems)
        made = dataclasses.replace(self, **overrides)
        where = made.where
        object.__setattr__(made, "_field_where", {
            f.name: where if f.name in overrides else self.where_of(f.name)
            for f in dataclasses.fields(self) if not f.name.startswith("_")})
        return made


def _type_message(value, annotation) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > FLOAT_MAX:
        return f"{shorten(value)} is beyond the range of a number (about 1.8e308)"
    return f"{shorten(value)} is not {_describe(annotation)}"


@lru_cache(maxsize=None)
def _signature(cls) -> tuple[tuple[str, ...], frozenset[str]]:
    """A DSL class's field names, and the ones that have no default."""
    names = tuple(f.name for f in dataclasses.fields(cls) if not f.name.startswith("_"))
    required = frozenset(f.name for f in dataclasses.fields(cls) if not f.name.startswith("_")
                         and f.default is dataclasses.MISSING
                         and f.default_factory is dataclasses.MISSING)
    return names, required


def call_problems(cls, args: tuple, kwargs: dict, *, code: str = "MLD003",
                  need_required: bool = True) -> list[Problem]:
    """What is wrong with calling ``cls(*args, **kwargs)``: positional arguments, unknown
    keywords (with the closest field), missing required fields; located at the user's line."""
    names, required = _signature(cls)
    unknown = [k for k in kwargs if k not in names or k.startswith("_")]
    missing = sorted(required - kwargs.keys()) if need_required else []
    if not (args or unknown or missing):
        return []
    import difflib

    where, owner = caller_location(), cls.__name__
    problems = []
    if args:
        problems.append(Problem(code, owner, f"takes keyword arguments only, as in "
                                f"{owner}({names[0]}=...); got {len(args)} positional", where))
    for key in unknown:
        close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"the fields are: {', '.join(names)}"
        problems.append(Problem(code, owner, f"unknown field {shorten(key, 40)}; {hint}", where))
    for key in missing:
        problems.append(Problem(code, owner, f"{key!r} is required", where))
    return problems


def stand_in(annotation):
    """A value of the type ``annotation`` declares (its rules aside): what stands in for a required
    input that was missing or wrong, so the other fields can still be checked."""
    base, _ = split(annotation)
    members = [m for m in options(base) if m is not type(None)]
    base = members[0] if members else base
    if typing.get_origin(base) is typing.Literal:
        return typing.get_args(base)[0]
    if typing.get_origin(base) is tuple:
        return ()
    if typing.get_origin(base) in (Mapping, dict):
        return {}
    return {str: "x", int: 1, float: 0.0, bool: False}.get(base)


REPORTED = "reported"  # the code of a FieldProblem already reported elsewhere (a config's schema)


def mark_reported(node: Node, fields) -> Node:
    """Record that ``fields`` of ``node`` hold a stand-in for a value already reported as wrong
    (the config loader's schema check): their own rules are not reported again, and the rules
    that read them are skipped (``validate.blueprint``'s ``broken``)."""
    marked = tuple(FieldProblem(field, REPORTED, "already reported") for field in fields)
    kept = tuple(p for p in node.field_problems if p.field not in set(fields))
    object.__setattr__(node, "_field_problems", (*kept, *marked))
    return node


def relocate(node: Node, where: Location, field_where: dict[str, Location] | None = None) -> Node:
    """Say where a value came from when it was not the caller's line: a JSON config key, a default.

    Used by the config loader right after it builds each value, so nothing global is set while
    values are built."""
    object.__setattr__(node, "_where", where)
    if field_where is not None:
        object.__setattr__(node, "_field_where", dict(field_where))
    return node


def node(cls):
    """Decorator: a frozen, keyword-only dataclass with the Node behaviour.

    Its ``__init__`` answers a misspelt keyword with the closest field, at the user's line
    (``Tuning(max_job=3)``: did you mean 'max_jobs'?), instead of Python's TypeError."""
    made = dataclasses.dataclass(frozen=True, kw_only=True)(cls)
    generated = made.__init__
    names = frozenset(f.name for f in dataclasses.fields(made) if not f.name.startswith("_"))

    @wraps(generated)
    def __init__(self, *args, **kwargs):
        if args or not names.issuperset(kwargs) or not _signature(made)[1] <= kwargs.keys():
            raise BlueprintError(call_problems(made, args, kwargs))
        generated(self, **kwargs)

    made.__init__ = __init__
    return made


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

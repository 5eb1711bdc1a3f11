"""JSON config <-> Blueprint, both ways driven by ``CONFIG_FIELDS``.

``blueprint_from_config`` checks a config against the generated schema first (every problem at
once, a misspelt key answered with the closest valid name), then builds DSL values whose fields
remember the JSON pointer of the key they came from, so later errors name the key. A missing key
is the DSL field's default. ``config_from_blueprint`` is the inverse; the two are tested to
round-trip without loss.
"""
from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path

from ..dsl import Blueprint
from ..dsl._fields import TYPE_CODE, options, split
from ..dsl._node import Node, hints, relocate
from ..errors import BlueprintError, Location, Problem, raise_if_any
from .dsl_schema import terraform_scalar
from .fields import (CONFIG_FIELDS, LEAVES, Input, Step, annotation_of, default_of, owner_of, read,
                     step_class, steps)
from .forms import ABSENT, Choice, Chooses
from .schema import schema_problems


def load_config(path: str | Path) -> Blueprint:
    """Read, validate and convert a JSON config file. Raises BlueprintError with every problem."""
    path = Path(path)
    file = str(path)
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BlueprintError([Problem("MLD013", "(config)", f"not valid JSON: {exc.msg}",
                                      Location(file, line=exc.lineno))]) from None
    return blueprint_from_config(config, file=file, name=config_name(path))


def config_name(path: Path) -> str:
    """A config's blueprint name: its file name without the suffix, made a safe folder name
    (other characters become '-'; Blueprint.name's rule, MLD140)."""
    import re

    name = re.sub(r"[^A-Za-z0-9_-]+", "-", path.stem).strip("-_")[:63]
    return name or "config"


def blueprint_from_config(config, *, file: str, name: str | None = None) -> Blueprint:
    """Build a Blueprint from a config mapping (already parsed JSON)."""
    raise_if_any(schema_problems(config, file, live=lambda row: _live(config, row)))
    return _Builder(config, file).blueprint(name)


def config_from_blueprint(blueprint: Blueprint) -> dict:
    """The JSON config equivalent of a blueprint (the inverse of ``blueprint_from_config``)."""
    config: dict = {}
    for row in LEAVES:
        value = read(blueprint, row.path)
        if value is ABSENT and not isinstance(row.form, Chooses):
            continue  # an input of the variant the blueprint does not use
        *outer, last = row.parts
        target = config
        for part in outer:
            target = target.setdefault(part, {})
        target[last] = row.form.dump(value)
    return config


def _given(config, row: Input):
    value = config
    for part in row.parts:
        if not isinstance(value, dict) or part not in value:
            return ABSENT
        value = value[part]
    return value


def _node_classes(cls: type, field: str) -> tuple[type, ...]:
    members = options(split(hints(cls)[field])[0])
    return tuple(m for m in members if isinstance(m, type) and typing.get_origin(m) is None
                 and issubclass(m, Node))


def _chosen(config, path: str) -> type:
    """The class the union field at ``path`` holds for this config: a Choice input names it, a
    non-null Chooses input picks its own variant, else it is the class of the DSL default."""
    for row in CONFIG_FIELDS:
        given = _given(config, row)
        if row.path == path and isinstance(row.form, Choice):
            return row.default() if given is ABSENT else row.form.choices.get(given, row.default())
        if row.path.startswith(path + "[") and isinstance(row.form, Chooses) and given not in (None, ABSENT):
            variant = steps(row.path)[len(steps(path)) - 1].variant
            return step_class(owner_of(path), Step(steps(path)[-1].field, variant))
    return type(default_of(path))


def _live(config, row: Input) -> bool:
    """Whether the DSL will build the value of ``row`` (its variants are the ones chosen)."""
    prefix = []
    for step in steps(row.path):
        here = ".".join([*prefix, step.field])
        if step.variant is not None and _chosen(config, here).__name__ != step.variant:
            return False
        prefix.append(f"{step.field}[{step.variant}]" if step.variant else step.field)
    return True


class _Builder:
    """Builds the located DSL values of one schema-valid config."""

    def __init__(self, config, file: str):
        self.config, self.file = config, file
        self.values: dict[str, object] = {}
        self.pointers: dict[str, str] = {}
        for row in CONFIG_FIELDS:
            for path in (row.path, *row.also):
                self.pointers[path] = row.pointer
            if row.is_object or isinstance(row.form, Choice):
                continue
            given = _given(config, row)
            if given is not ABSENT and not row.is_object:
                given = terraform_scalar(given, annotation_of(row.path))
            value = row.default() if given is ABSENT else row.form.load(given, row.pointer, self.build)
            for path in (row.path, *row.also):
                self.values[path] = value

    def blueprint(self, name: str | None) -> Blueprint:
        return self.node(Blueprint, "", name=name)

    def node(self, cls: type, prefix: str, **extra):
        fields, pointers = dict(extra), {}
        for item in dataclasses.fields(cls):
            path = prefix + item.name
            if path in self.pointers:
                pointers[item.name] = self.pointers[path]
            if path in self.values:
                fields[item.name] = self.values[path]
                continue
            members = _node_classes(cls, item.name)
            if not members or not any(p.startswith((path + ".", path + "[")) for p in self.values):
                continue  # not a config input: the DSL default
            if len(members) == 1:
                fields[item.name] = self.node(members[0], path + ".")
            else:
                variant = _chosen(self.config, path)
                fields[item.name] = self.node(variant, f"{path}[{variant.__name__}].")
        return self.build(cls, fields, pointers)

    def build(self, cls: type, fields: dict, pointers: dict[str, str]):
        """``cls(**fields)`` located at the config: the file, and each field's JSON pointer."""
        try:
            made = cls(**fields)
        except BlueprintError as error:  # a type the schema cannot rule out (1.0 as an integer)
            raise BlueprintError([self._located(p, pointers) for p in error.problems]) from None
        return relocate(made, Location(self.file, pointer=""),
                        {f: Location(self.file, pointer=p) for f, p in pointers.items()})

    def _located(self, problem: Problem, pointers: dict[str, str]) -> Problem:
        """A construction error of a config value, named and located by its key (MLD012)."""
        pointer = pointers.get(problem.field.rpartition(".")[2], "")
        return Problem(problem.code if problem.code != TYPE_CODE else "MLD012",
                       pointer.lstrip("/").replace("/", ".") or problem.field, problem.message,
                       Location(self.file, pointer=pointer))

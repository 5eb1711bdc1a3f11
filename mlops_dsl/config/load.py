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
import re
import typing
from pathlib import Path

from ..dsl import Blueprint
from ..dsl._fields import TYPE_CODE, options, split
from ..dsl._node import Node, hints, mark_reported, relocate, stand_in
from ..errors import NOT_EMITTED, BlueprintError, Location, Problem, clip, json_pointer, shorten
from .dsl_schema import terraform_scalar
from .fields import (CONFIG_FIELDS, LEAVES, NO_DEFAULT, Input, Step, annotation_of, default_of,
                     owner_of, read, step_class, steps)
from .forms import ABSENT, Choice, Chooses
from .schema import schema_problems


MAX_DEPTH = 32  # objects and lists inside each other; a valid config goes 4 deep
LATER = f"the files the config names, and {NOT_EMITTED}"
UNREAD = "anything else (the config could not be read)"
BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
        (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


def load_config(path: str | Path) -> Blueprint:
    """Read, validate and convert a JSON config file. Raises BlueprintError with every problem."""
    path = Path(path)
    file = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        from ..files import path_problem

        reason = path_problem(path) or f"cannot be read ({error.strerror or error})"
        raise BlueprintError([Problem("MLD026", "BLUEPRINT", f"{path} {reason}", Location(file))]) \
            from None
    return blueprint_from_config(parse_config(data, file), file=file, name=config_name(path))


def parse_config(data: bytes, file: str):
    """The JSON value of a config file's bytes: UTF-8 (a byte order mark is skipped), no key
    given twice, at most ``MAX_DEPTH`` deep. Raises BlueprintError (MLD013-MLD016)."""
    text = _decode(data, file)
    objects: list[tuple[dict, list[str]]] = []

    def pairs(items):
        made, twice = {}, []
        for key, value in items:
            if key in made:
                twice.append(key)
            made[key] = value
        if twice:
            objects.append((made, twice))
        return made

    def refuse(problem: Problem):
        raise BlueprintError([problem], unchecked=UNREAD)

    try:
        config = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        refuse(Problem("MLD013", "(config)", f"not valid JSON: {exc.msg} (column {exc.colno})",
                       Location(file, line=exc.lineno)))
    except RecursionError:
        refuse(Problem("MLD015", "(config)", f"objects and lists are nested more than "
                       f"{MAX_DEPTH} levels deep; a config needs at most 4",
                       Location(file, line=_too_deep_line(text))))
    except ValueError as exc:  # an integer of more digits than Python converts (4,300)
        long_number = re.search(r"[0-9]{1000,}", text)
        line = text.count("\n", 0, long_number.start()) + 1 if long_number else None
        refuse(Problem("MLD013", "(config)", f"not valid JSON: a number of "
                       f"{len(long_number[0]) if long_number else 'too many'} digits ({clip(str(exc), 60)})",
                       Location(file, line=line)))
    problems = _shape_problems(config, file, {id(made): twice for made, twice in objects})
    if problems:
        raise BlueprintError(problems, unchecked=UNREAD)
    return config


def _too_deep_line(text: str) -> int | None:
    """The line of the first ``[`` or ``{`` nested deeper than ``MAX_DEPTH`` (outside strings)."""
    depth, line, quoted, escaped = 0, 1, False, False
    for char in text:
        if char == "\n":
            line += 1
        elif quoted:
            escaped, quoted = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            quoted = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line
        elif char in "]}":
            depth -= 1
    return None


def _decode(data: bytes, file: str) -> str:
    for bom, encoding in BOMS:
        if data.startswith(bom):
            raise BlueprintError([Problem(
                "MLD014", "(config)", f"the file is {encoding} (it starts with a byte order mark); "
                "a JSON config must be UTF-8: save it as UTF-8", Location(file, line=1))],
                unchecked=UNREAD)
    if data[:4].count(0):
        raise BlueprintError([Problem(
            "MLD014", "(config)", "the file has NUL bytes at its start, as UTF-16 or UTF-32 text "
            "has; a JSON config must be UTF-8: save it as UTF-8", Location(file, line=1))],
            unchecked=UNREAD)
    try:
        return data.decode("utf-8-sig")  # a UTF-8 byte order mark (Windows editors) is skipped
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise BlueprintError([Problem(
            "MLD014", "(config)", f"not UTF-8: byte 0x{data[exc.start]:02x} at column {column} "
            "(a Latin-1 or Windows-1252 file?); a JSON config must be UTF-8: save it as UTF-8",
            Location(file, line=line))], unchecked=UNREAD) from None


def _shape_problems(config, file: str, twice: dict[int, list[str]]) -> list[Problem]:
    """Keys given twice (JSON keeps the last, silently) and nesting beyond ``MAX_DEPTH``, walked
    without recursion so that no depth can overflow the stack."""
    problems: list[Problem] = []
    stack = [(config, (), 0)]
    while stack:
        value, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            problems.append(Problem("MLD015", _field(path), f"nested more than {MAX_DEPTH} levels "
                                    "deep; a config needs at most 4",
                                    Location(file, pointer=json_pointer(*path))))
            continue
        if isinstance(value, dict):
            for key in twice.get(id(value), ()):
                problems.append(Problem("MLD016", _field((*path, key)), f"the key {shorten(key, 40)} "
                                        "is given more than once (JSON would keep only the last); "
                                        "give it once",
                                        Location(file, pointer=json_pointer(*path, key))))
            stack.extend((item, (*path, key), depth + 1) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((item, (*path, index), depth + 1) for index, item in enumerate(value))
    return sorted(problems, key=lambda p: p.location.pointer)


def _field(path) -> str:
    return ".".join(map(str, path)) or "(config)"


def config_name(path: Path) -> str:
    """A config's blueprint name: its file name without the suffix, made a safe folder name
    (other characters become '-'; Blueprint.name's rule, MLD140)."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", path.stem).strip("-_")[:63]
    return name or "config"


def blueprint_from_config(config, *, file: str, name: str | None = None) -> Blueprint:
    """Build a Blueprint from a config mapping (already parsed JSON).

    Every problem of the config is reported at once: those of the schema, those the DSL finds
    while building values (a type JSON Schema cannot tell apart, such as ``2.0`` for an integer),
    and those of the blueprint's own rules, checked on a stand-in built from every valid input (a
    wrong or missing one replaced by its default and left out of the rules that read it)."""
    problems = schema_problems(config, file, live=lambda row: _live(config, row))
    if problems and not isinstance(config, dict):
        raise BlueprintError(problems, unchecked=LATER)
    builder = _Builder(config, file, _broken_rows(config, problems) if problems else frozenset())
    built = builder.blueprint(name)
    problems += sorted(builder.problems, key=lambda p: p.location.pointer or "")
    if not problems:
        return built
    from ..validate.blueprint import check_blueprint
    from ..validate.image import check_image

    raise BlueprintError([*problems, *check_blueprint(built), *check_image(built)], unchecked=LATER)


def _broken_rows(config, problems: list[Problem]) -> frozenset[str]:
    """The pointers of the inputs the schema problems are about: wrong, inside a wrong object,
    or required and missing."""
    pointers = [p.location.pointer for p in problems if p.code != "MLD010" and p.location]
    broken = set()
    for row in CONFIG_FIELDS:
        if row.required and _given(config, row) is ABSENT:
            broken.add(row.pointer)
        for pointer in pointers:
            if pointer and (pointer == row.pointer or pointer.startswith(row.pointer + "/")
                            or row.pointer.startswith(pointer + "/")):
                broken.add(row.pointer)
    return frozenset(broken)


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
            return row.form.choices.get(given, row.default()) if isinstance(given, str) else row.default()
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


def _required(cls, field: str) -> bool:
    item = next(f for f in dataclasses.fields(cls) if f.name == field)
    return item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING


class _Builder:
    """Builds the located DSL values of one schema-valid config."""

    def __init__(self, config, file: str, broken: frozenset[str] = frozenset()):
        self.config, self.file, self.broken = config, file, broken
        self.problems: list[Problem] = []
        self.values: dict[str, object] = {}
        self.pointers: dict[str, str] = {}
        for row in CONFIG_FIELDS:
            for path in (row.path, *row.also):
                self.pointers[path] = row.pointer
            if row.is_object or isinstance(row.form, Choice):
                continue
            given = ABSENT if row.pointer in broken else _given(config, row)
            if given is not ABSENT and not row.is_object:
                given = terraform_scalar(given, annotation_of(row.path))
            if given is ABSENT:
                value = row.default()
                if value is NO_DEFAULT:  # required and missing or wrong: a stand-in, never checked
                    value = stand_in(annotation_of(row.path))
            else:
                value = row.form.load(given, row.pointer, self.build)
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
        """``cls(**fields)`` located at the config: the file, and each field's JSON pointer.

        A field the DSL refuses (a type the schema cannot rule out, 1.0 as an integer) is
        reported (``self.problems``) and replaced by a stand-in, so building goes on."""
        stand_ins = [f for f, p in pointers.items() if p in self.broken]
        try:
            made = cls(**fields)
        except BlueprintError as error:
            located = [self._located(p, pointers) for p in error.problems]
            self.problems.extend(located)
            refused = {p.field.rpartition(".")[2] for p in error.problems}
            kept = {f: v for f, v in fields.items() if f not in refused}  # the rest: defaults
            kept.update({f: stand_in(hints(cls)[f]) for f in refused if _required(cls, f)})
            made = cls(**kept)
            stand_ins += sorted(refused)
        relocate(made, Location(self.file, pointer=""),
                 {f: Location(self.file, pointer=p) for f, p in pointers.items()})
        return mark_reported(made, stand_ins) if stand_ins else made

    def _located(self, problem: Problem, pointers: dict[str, str]) -> Problem:
        """A construction error of a config value, named and located by its key (MLD012)."""
        pointer = pointers.get(problem.field.rpartition(".")[2], "")
        return Problem(problem.code if problem.code != TYPE_CODE else "MLD012",
                       pointer.lstrip("/").replace("/", ".") or problem.field, problem.message,
                       Location(self.file, pointer=pointer))

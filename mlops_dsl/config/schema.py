"""The config's JSON schema, generated from ``CONFIG_FIELDS`` and the DSL field declarations.

``mlops_dsl/schemas/blueprint-config.schema.json`` is this module's output, committed for editors
and other tools; a test keeps the two equal. Regenerate it (and the README's config table) with::

    python -m mlops_dsl.config --write

``schema_problems`` checks a config against the generated schema and reports every violation with
its JSON pointer. A violation of a rule the DSL declares with its own code (bounds, enumerations,
patterns) is left to the DSL, which reports it at compile time with that code, exactly as for a
Python blueprint; the schema itself answers for types, unknown keys and missing inputs.
"""
from __future__ import annotations

import difflib
from functools import lru_cache
from pathlib import Path

from ..errors import Location, Problem, clip, json_pointer, shorten
from .fields import CONFIG_FIELDS, NO_DEFAULT, Input, children, owner_of, step_class, steps
from .forms import Choice

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schemas" / "blueprint-config.schema.json"
README = Path(__file__).resolve().parents[2] / "README.md"
SCHEMA_ID = "https://mlops-dsl.invalid/schemas/blueprint-config.schema.json"


def _row_schema(row: Input, path: tuple, deferred: set) -> dict:
    if row.is_object:
        nested = children(row)
        schema = {"type": "object", "additionalProperties": False,
                  "properties": {r.parts[-1]: _row_schema(r, (*path, "properties", r.parts[-1]), deferred)
                                 for r in nested},
                  "required": sorted(r.parts[-1] for r in nested if r.required)}
    else:
        schema = row.form.schema(row.annotation, path, deferred)
        default = row.default()
        if not row.required and default is not NO_DEFAULT:
            schema["default"] = row.form.dump(default)
    schema["description"] = row.text()
    return schema


@lru_cache(maxsize=1)
def _generated() -> tuple[dict, frozenset]:
    deferred: set = set()
    top = children(None)
    schema = {
        "$id": SCHEMA_ID,
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "mlops_dsl blueprint config (the reference module's input names)",
        "type": "object",
        "additionalProperties": False,
        "properties": {r.key: _row_schema(r, ("properties", r.key), deferred) for r in top},
        "required": sorted(r.key for r in top if r.required),
    }
    return schema, frozenset(deferred)


def config_schema() -> dict:
    """The JSON schema of the config form (generated; equal to the file in mlops_dsl/schemas/)."""
    return _generated()[0]


def schema_text() -> str:
    from ..artifacts import canonical_json

    return canonical_json(config_schema()).decode("utf-8")


def _pointer(path) -> str:
    return json_pointer(*path)


def _row_at(path) -> Input | None:
    keys = [str(p) for p in path]
    return next((r for r in CONFIG_FIELDS if not r.is_object and list(r.parts) == keys[:len(r.parts)]),
                None)


def schema_problems(config, file: str, live=lambda row: True) -> list[Problem]:
    """Every schema violation of ``config``, each with its JSON pointer and what is allowed.

    ``live(row)`` says whether the DSL will see a row's value (an endpoint input is not built into
    a batch-transform blueprint); the rules the DSL reports are left to it only for live rows."""
    from jsonschema import Draft202012Validator

    schema, deferred = _generated()
    problems = []
    validator = Draft202012Validator(schema)
    for error in sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.path))):
        pointer = _pointer(error.path)
        field = ".".join(str(p) for p in error.path) or "(config)"
        if tuple(error.absolute_schema_path) in deferred:
            row = _row_at(error.path)
            if row is None or live(row):
                continue
        if error.validator == "additionalProperties":
            allowed = sorted(error.schema.get("properties", {}))
            instance = error.instance if isinstance(error.instance, dict) else {}
            for key in sorted(set(instance) - set(allowed)):
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; allowed keys: {', '.join(allowed)}"
                name = clip(key, 60)
                problems.append(Problem("MLD010", f"{field}.{name}" if error.path else name,
                                        f"unknown key {shorten(key)}{hint}",
                                        Location(file, pointer=pointer + json_pointer(key))))
            continue
        if error.validator == "required":
            message = error.message.replace("is a required property", "is required")
            problems.append(Problem("MLD011", field, message, Location(file, pointer=pointer)))
            continue
        value = shorten(error.instance)
        if error.validator in ("enum", "pattern", "type") and _number_text(error.schema):
            message = f"{value} is not {_expected(error.schema)}"
        elif error.validator == "enum":
            allowed = ", ".join(repr(v) for v in error.validator_value)
            message = f"{value} is not allowed; use one of {allowed}"
        elif error.validator in ("type", "oneOf") or (
                error.validator == "pattern" and _number_text(error.schema)):
            message = f"{value} is not {_expected(error.schema)}"
        else:  # jsonschema's own words, with the value shortened
            message = error.message.replace(repr(error.instance), value)
        problems.append(Problem("MLD012", field, message, Location(file, pointer=pointer)))
    return problems


def _number_text(schema: dict) -> bool:
    """Whether the schema is a number, integer or bool that may also be written as text."""
    kinds = schema.get("type")
    return isinstance(kinds, list) and "string" in kinds and len(set(kinds) - {"null"}) == 2 \
        and ("pattern" in schema or "enum" in schema)


def _expected(schema: dict) -> str:
    if "oneOf" in schema:
        return " or ".join(_expected(option) for option in schema["oneOf"])
    kinds = schema.get("type", "a value")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    if _number_text(schema):  # "2" or "true" is the same value written as Terraform allows
        return " or ".join(
            {"integer": "an integer", "number": "a number", "boolean": "true or false",
             "null": "null"}[k] + (" (digits in a string are accepted)" if k in ("integer", "number")
                                   else "" if k == "null" else " (or \"true\"/\"false\")")
            for k in kinds if k != "string")
    names = {"string": "a string", "number": "a number", "integer": "an integer",
             "boolean": "true or false", "null": "null", "array": "a list", "object": "an object"}
    return " or ".join(names.get(k, k) for k in kinds)


# The README's table of inputs -------------------------------------------------------------------

README_BEGIN = "<!-- config inputs: generated by python -m mlops_dsl.config --write -->"
README_END = "<!-- end of config inputs -->"


def _dsl_name(row: Input) -> str:
    parts = steps(row.path)
    if isinstance(row.form, Choice):
        return " or ".join(f"`{row.path}={cls.__name__}()`" for cls in row.form.choices.values())
    owner = owner_of(row.path)
    last = parts[-1]
    if row.is_object:
        return f"`{step_class(owner, last).__name__}`"
    names = [f"`{owner.__name__}.{last.field}`"]
    names += [f"`{owner_of(p).__name__}.{steps(p)[-1].field}`" for p in row.also]
    return ", ".join(names)


def readme_table() -> str:
    """The README's config table: one line per input, from the same rows as the schema."""
    lines = [README_BEGIN, "| input | default | in the DSL | meaning |", "|---|---|---|---|"]
    for row in CONFIG_FIELDS:
        if row.required:
            default = "(required)"
        elif row.is_object or row.default() is NO_DEFAULT:
            default = ""
        else:
            default = row.form.shown(row.default())
        key = f"`{row.key}`" + (" (extension)" if row.extension else "")
        lines.append(f"| {key} | {default} | {_dsl_name(row)} | {row.description} |")
    return "\n".join([*lines, README_END]) + "\n"


def readme_with_table(text: str) -> str:
    start, end = text.index(README_BEGIN), text.index(README_END) + len(README_END) + 1
    return text[:start] + readme_table() + text[end:]


def main(argv=None) -> int:
    """Print the schema, or with --write rewrite the committed schema and the README's table."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m mlops_dsl.config", description=main.__doc__)
    parser.add_argument("--write", action="store_true", help="update schemas/ and README.md in place")
    args = parser.parse_args(argv)
    if not args.write:
        print(schema_text(), end="")
        return 0
    SCHEMA_FILE.write_text(schema_text(), encoding="utf-8")
    if README.is_file():
        README.write_text(readme_with_table(README.read_text(encoding="utf-8")), encoding="utf-8")
    return 0

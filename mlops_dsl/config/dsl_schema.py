"""A DSL field's declaration as JSON Schema: its type, enumeration, bounds and pattern.

The schema says what the field declares in ``mlops_dsl.dsl`` and nothing else. The keywords that
come from a coded constraint (``Bounds("MLD106", ...)``) are collected in ``deferred``: the config
loader leaves those to the DSL, which reports them with the rule's own code and message, the same as
for a Python blueprint. Keywords of the type itself (``"type"``, a non-empty text's ``minLength``)
stay with the schema (MLD012).
"""
from __future__ import annotations

import re
import typing

from ..dsl._fields import TYPE_CODE, Allowed, is_mapping, options, split

JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean"}
# Terraform converts a string to the number or bool a module input declares ("Type
# Constraints", Terraform language docs), so configs written for the module give "2" or "true".
# The config form accepts them too, as these patterns say; ``terraform_scalar`` converts them.
INTEGER_TEXT = r"^[+-]?[0-9]+$"
NUMBER_TEXT = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
BOOLEAN_TEXT = ("true", "false")

SchemaPath = tuple  # keys from the schema's root to one keyword, as jsonschema's absolute_schema_path


def annotation_schema(annotation, path: SchemaPath, deferred: set) -> dict:
    """The JSON Schema of one DSL annotation, found at ``path`` in the whole schema."""
    base, constraints = split(annotation)
    members = options(base)
    if len(members) > 1:
        present = [m for m in members if m is not type(None)]
        if len(present) != 1:
            raise TypeError(f"no JSON form for {annotation!r}: give the config row a form")
        schema = annotation_schema(present[0], path, deferred)
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        schema["type"] = [*kinds, "null"]
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
        return schema
    origin = typing.get_origin(base)
    if origin is typing.Literal:
        schema = {"type": JSON_TYPES[type(typing.get_args(base)[0])]}
        if not any(isinstance(c, Allowed) for c in constraints):
            constraints = (Allowed(TYPE_CODE), *constraints)
    elif origin is tuple:
        item = typing.get_args(base)[0]
        schema = {"type": "array", "items": annotation_schema(item, (*path, "items"), deferred)}
    elif is_mapping(base):
        schema = {"type": "object", "additionalProperties": {"type": "string"}}
    elif base is bool:
        schema = {"type": ["boolean", "string"], "enum": [True, False, *BOOLEAN_TEXT]}
    elif base in (int, float):
        schema = {"type": [JSON_TYPES[base], "string"],
                  "pattern": INTEGER_TEXT if base is int else NUMBER_TEXT}
    elif base in JSON_TYPES:
        schema = {"type": JSON_TYPES[base]}
    else:
        raise TypeError(f"no JSON form for {annotation!r}: give the config row a form")
    for constraint in constraints:
        keywords = constraint.schema(base)
        schema.update(keywords)
        if constraint.code != TYPE_CODE:
            deferred.update((*path, keyword) for keyword in keywords)
    return schema


def terraform_scalar(value, annotation):
    """A number or bool the config gives as text (``"2"``, ``"0.75"``, ``"true"``), converted to
    the DSL field's type; integers exactly, never through a float. Other values are unchanged."""
    if not isinstance(value, str):
        return value
    base, _ = split(annotation)
    members = [m for m in options(base) if m is not type(None)]
    if len(members) != 1:
        return value
    kind = members[0]
    if kind is bool and value in BOOLEAN_TEXT:
        return value == "true"
    try:
        # digits are an exact int, for a number field too ("9007199254740993" is not rounded)
        if kind in (int, float) and re.match(INTEGER_TEXT, value):
            return int(value)
        if kind is float and re.match(NUMBER_TEXT, value):
            return float(value)
    except ValueError:  # more digits than Python converts: left as text, refused as not a number
        return value
    return value


def to_json(value):
    """A DSL value in its JSON form: tuples as lists, frozen mappings as plain (sorted) objects."""
    if isinstance(value, tuple):
        return [to_json(v) for v in value]
    if isinstance(value, typing.Mapping):
        return {k: to_json(v) for k, v in value.items()}
    return value

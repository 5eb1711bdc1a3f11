"""Where a config input's JSON form differs from its DSL field, and how to convert both ways.

Most inputs are the DSL value as JSON (``to_json``) and need no form. The others are the reference
module's own shapes: a wheel path that may be one string or a list, a string that chooses the kind
of deployment, an image URI whose presence chooses a built-in image, and the SageMaker-shaped
``parameter_ranges`` whose numbers may be written as strings; and two of ours: the gate's further
bounds (a list of ``{operator, threshold}``) and the extra metrics (a list of names, or an object
of name to regex).
"""
from __future__ import annotations

import json
import typing

from ..dsl import Bound, Categorical, Continuous, Integer
from ..dsl._fields import split
from ..dsl._node import hints
from .dsl_schema import annotation_schema, terraform_scalar, to_json


class Form:
    """How one input's JSON value maps onto its DSL field (the default: it is the DSL value)."""

    def load(self, value, pointer: str, build):
        """The DSL value of a JSON value found at ``pointer``; ``build(cls, fields, pointers)``
        makes a located DSL node."""
        return value

    def dump(self, value):
        """The JSON value of a DSL value (``None`` when a chosen variant is not the blueprint's)."""
        return to_json(value)

    def schema(self, annotation, path: tuple, deferred: set) -> dict:
        return annotation_schema(annotation, path, deferred)

    def default(self, dsl_default):
        """What a missing key means, given the DSL field's default."""
        return dsl_default

    def shown(self, value) -> str:
        """How a default reads in the README's table."""
        return f"`{json.dumps(self.dump(value), sort_keys=True)}`"


class OneOrMany(Form):
    """A list that may also be written as one string, or null for none (``whl_path``)."""

    def load(self, value, pointer, build):
        return () if value is None else (value,) if isinstance(value, str) else tuple(value)

    def dump(self, value):
        return None if not value else value[0] if len(value) == 1 else list(value)

    def schema(self, annotation, path, deferred):
        item = typing.get_args(annotation)[0]
        one = annotation_schema(item, (*path, "oneOf", 1), deferred)
        many = annotation_schema(annotation, (*path, "oneOf", 2), deferred)
        return {"oneOf": [{"type": "null"}, one, many]}


class Choice(Form):
    """A string that chooses which class a field holds (``endpoint_or_batch_transform``)."""

    def __init__(self, **choices: type):
        self.choices = choices

    def load(self, value, pointer, build):
        return self.choices[value]

    def dump(self, value):
        kind = value if isinstance(value, type) else type(value)
        return next(key for key, cls in self.choices.items() if issubclass(kind, cls))

    def schema(self, annotation, path, deferred):
        return {"enum": sorted(self.choices)}

    def default(self, dsl_default):
        return type(dsl_default)


class Chooses(Form):
    """A field of one variant whose non-null value chooses that variant (``built_in_model_image``);
    null, the default, keeps the field's default variant."""

    def dump(self, value):
        return None if value is ABSENT else to_json(value)

    def schema(self, annotation, path, deferred):
        return annotation_schema(annotation | None, path, deferred)

    def default(self, dsl_default):
        return None


class OptionalNode(Form):
    """An optional DSL value written as an object of its own fields, or null for none
    (``endpoint_rollout``, ``model_registry``, ``notifications``): the keys are the DSL's field
    names, and each value is held to its field's declaration."""

    def __init__(self, cls: type):
        self.cls = cls

    def load(self, value, pointer, build):
        if value is None:
            return None
        declared = hints(self.cls)
        fields = {key: terraform_scalar(item, declared[key]) for key, item in value.items()}
        return build(self.cls, fields, {key: f"{pointer}/{key}" for key in value})

    def dump(self, value):
        import dataclasses

        if value is None or value is ABSENT:
            return None
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)
                if not f.name.startswith("_")}

    def schema(self, annotation, path, deferred):
        import dataclasses

        declared = hints(self.cls)
        properties, required = {}, []
        for item in dataclasses.fields(self.cls):
            if item.name.startswith("_"):
                continue
            properties[item.name] = annotation_schema(declared[item.name],
                                                      (*path, "properties", item.name), deferred)
            if item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING:
                required.append(item.name)
        schema = {"type": ["object", "null"], "properties": properties, "additionalProperties": False}
        if required:
            schema["required"] = required
        return schema

    def default(self, dsl_default):
        return None

    def shown(self, value) -> str:
        return "`null`"


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()  # what a blueprint holds at a path through a variant it does not use


class Ranges(Form):
    """SageMaker's ParameterRanges shape (``parameter_ranges``): one list per kind of range, each
    item keyed like the API (``Name``, ``MinValue``...); the reference module wrote bounds as strings."""

    kinds = (("ContinuousParameterRanges", Continuous), ("IntegerParameterRanges", Integer),
             ("CategoricalParameterRanges", Categorical))
    keys = (("Name", "name"), ("MinValue", "min"), ("MaxValue", "max"), ("ScalingType", "scaling"),
            ("Values", "values"))

    def _keys(self, cls):
        declared = hints(cls)
        return [(key, field) for key, field in self.keys if field in declared]

    def load(self, value, pointer, build):
        ranges = []
        for kind, cls in self.kinds:
            declared = hints(cls)
            for index, item in enumerate(value.get(kind, ())):
                base = f"{pointer}/{kind}/{index}"
                fields, pointers = {}, {}
                for key, field in self._keys(cls):
                    pointers[field] = f"{base}/{key}"
                    if key in item:
                        fields[field] = _number(item[key], split(declared[field])[0])
                ranges.append(build(cls, fields, pointers))
        return tuple(ranges)

    def shown(self, value) -> str:
        return f"{len(value)} ranges: " + ", ".join(f"`{item.name}`" for item in value)

    def dump(self, value):
        out: dict[str, list] = {}
        for item in value:
            kind = next(k for k, cls in self.kinds if isinstance(item, cls))
            out.setdefault(kind, []).append(
                {key: to_json(getattr(item, field)) for key, field in self._keys(type(item))})
        return out

    def schema(self, annotation, path, deferred):
        from dataclasses import MISSING, fields

        properties = {}
        for kind, cls in self.kinds:
            declared = hints(cls)
            at = (*path, "properties", kind, "items")
            items = {}
            for key, field in self._keys(cls):
                where = (*at, "properties", key)
                items[key] = annotation_schema(declared[field], where, deferred)
            required = [key for key, field in self._keys(cls)
                        if next(f for f in fields(cls) if f.name == field).default is MISSING]
            properties[kind] = {"type": "array", "items": {
                "type": "object", "additionalProperties": False, "properties": items,
                "required": required}}
        return {"type": "object", "additionalProperties": False, "properties": properties}


def _number(value, annotation):
    """A bound written as a string (``"0.5"``, ``"3"``) as the number its DSL field declares; a
    whole number stays an exact int (a number field accepts one), never rounded through a float."""
    return terraform_scalar(value, annotation)


class Bounds(Form):
    """The gate's further bounds (``inference_metric_also``): ``[{"operator": "NumericLessThan",
    "threshold": 0.999}]``, each item a ``Bound``, its keys the DSL's field names."""

    fields = ("operator", "threshold")

    def load(self, value, pointer, build):
        declared = hints(Bound)
        bounds = []
        for index, item in enumerate(value):
            pointers = {field: f"{pointer}/{index}/{field}" for field in self.fields}
            fields = {field: _number(item[field], split(declared[field])[0])
                      for field in self.fields if field in item}
            bounds.append(build(Bound, fields, pointers))
        return tuple(bounds)

    def dump(self, value):
        return [{field: to_json(getattr(bound, field)) for field in self.fields} for bound in value]

    def schema(self, annotation, path, deferred):
        declared = hints(Bound)
        at = (*path, "items", "properties")
        properties = {field: annotation_schema(declared[field], (*at, field), deferred)
                      for field in self.fields}
        return {"type": "array", "items": {"type": "object", "additionalProperties": False,
                                           "properties": properties, "required": list(self.fields)}}


class Metrics(Form):
    """The extra metrics (``tuning_extra_metrics``): a list of names, read with the default regex,
    or an object of name to regex. The names and regexes are checked by the DSL (MLD108, MLD133)."""

    def load(self, value, pointer, build):
        return dict(value) if isinstance(value, dict) else tuple(value)

    def dump(self, value):
        return dict(value) if isinstance(value, typing.Mapping) else list(value)

    def schema(self, annotation, path, deferred):
        return {"oneOf": [{"type": "array", "items": {"type": "string"}},
                          {"type": "object", "additionalProperties": {"type": "string"}}]}

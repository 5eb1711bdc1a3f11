"""Where a resolved value came from, so that a problem found late points at the user's own input,
and the one rule that keeps user text literal in what we generate.

Every resolved spec remembers, for each of its fields, the blueprint field it was derived from and
its location (``blueprint.py:42`` or ``config.json#/max_number_training_jobs``). Emitters place
``Traced`` values in the parameters they build; ``untrace`` turns them back into plain values and
returns, per parameter path, the origin behind it. The service-parameter checks read that table,
so "which blueprint field became this API parameter" is known in exactly the place that made it.

A Traced value is user text, and the workflow is embedded in the template with ``Fn::Sub``: so
``untrace`` escapes every string (and mapping key) inside a Traced value (``${`` becomes ``${!``,
``asl.fn_sub.escape``), and ``${AWS::AccountId}`` in a hyperparameter stays those characters in
AWS. A value that mixes our own ``${...}`` with escaped user parts says so by being ``SubText``.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import Location


@dataclass(frozen=True)
class Origin:
    """A blueprint field as messages name it (``Tuning.max_jobs``, ``max_number_training_jobs``)
    and where it was given."""

    field: str
    location: Location | None = None


def origin_of(node, field: str) -> Origin:
    """The origin of one field of a DSL node."""
    return Origin(node.field_name(field), node.where_of(field))


def origins_of(node, *fields: str) -> dict[str, Origin]:
    """``{field: Origin}`` for several fields of one DSL node."""
    return {field: origin_of(node, field) for field in fields}


class SubText(str):
    """Text already written for Fn::Sub: our own ``${Logical}`` references and user parts escaped
    where they were joined (``untrace`` leaves it as it is)."""


@dataclass(frozen=True)
class Traced:
    """A parameter value and the blueprint field it came from; see ``untrace``."""

    value: object
    origin: Origin


class Spec:
    """Mixin of the resolved specs: ``origin(field)`` and ``traced(field)``.

    Specs are frozen dataclasses with an ``origins`` mapping (field -> Origin) that takes part in
    neither equality nor repr."""

    origins: Mapping[str, Origin]

    def origin(self, field: str) -> Origin | None:
        return self.origins.get(field)

    def traced(self, field: str, value=dataclasses.MISSING):
        """The field's value (or ``value``, when it is derived from the field) with its origin."""
        value = getattr(self, field) if value is dataclasses.MISSING else value
        origin = self.origins.get(field)
        return value if origin is None else Traced(value, origin)


def origins_field():
    """The ``origins`` field of a spec dataclass."""
    return dataclasses.field(default_factory=dict, compare=False, repr=False)


def untrace(value, path: tuple = ()) -> tuple[object, dict[tuple, Origin]]:
    """``value`` with every ``Traced`` replaced by its plain value, user strings escaped for
    Fn::Sub, and ``{path: origin}`` where ``path`` is the tuple of keys and list indexes leading
    to it (``.$`` suffixes kept)."""
    from ..asl.fn_sub import escape

    found: dict[tuple, Origin] = {}

    def walk(item, here, user):
        if isinstance(item, Traced):
            found[here] = item.origin
            return walk(item.value, here, True)
        if isinstance(item, Mapping):
            return {(escape(key) if user and isinstance(key, str) else key):
                    walk(inner, (*here, key), user) for key, inner in item.items()}
        if isinstance(item, (list, tuple)):
            return [walk(inner, (*here, index), user) for index, inner in enumerate(item)]
        if isinstance(item, SubText):
            return str(item)
        if user and isinstance(item, str):
            return escape(item)
        return item

    return walk(value, path, False), found

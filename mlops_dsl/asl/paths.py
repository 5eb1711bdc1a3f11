"""The JSONPath subset of the States Language, parsed in one place.

A path is ``$`` (the state's data) or ``$$`` (the context object) followed by segments: ``.name``,
``[0]``, ``['quoted name']`` or ``[*]``. ``parse_path`` turns one into its segments (or refuses it);
the structural checks ask ``is_path``, the data-flow analysis walks the segments, and the local
runner reads values with ``value_at``.
Reference: https://docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-paths.html
"""
from __future__ import annotations

import re

SEGMENT = re.compile(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\['([^']+)'\]|\[(\*)\]")
WILDCARD = "*"


def parse_path(path: str) -> list | None:
    """Segments of a JSONPath (``$.a[0]['b']`` -> ['a', 0, 'b']; ``[*]`` is ``'*'``), or None if
    ``path`` is not one. Whether it reads the context object is ``is_context(path)``."""
    if not isinstance(path, str) or not path.startswith("$"):
        return None
    rest, segments, position = path[2 if is_context(path) else 1:], [], 0
    while position < len(rest):
        match = SEGMENT.match(rest, position)
        if not match:
            return None
        name, index, quoted, star = match.groups()
        segments.append(name or quoted or (int(index) if index is not None else star))
        position = match.end()
    return segments


def is_context(path: str) -> bool:
    """True for a path into the context object (``$$.Execution.Id``)."""
    return path.startswith("$$")


def is_path(text) -> bool:
    return parse_path(text) is not None


def value_at(document, path: str):
    """The value at a path without wildcards in ``document`` (the state's data), or None when it
    is not there (or ``path`` is no such path)."""
    segments = parse_path(path)
    if segments is None or is_context(path):
        return None
    value = document
    for segment in segments:
        if isinstance(segment, int) and isinstance(value, list) and segment < len(value):
            value = value[segment]
        elif isinstance(segment, str) and segment != WILDCARD and isinstance(value, dict) \
                and segment in value:
            value = value[segment]
        else:
            return None
    return value

"""One error family for everything a user can get wrong.

Every problem carries a stable code (catalogued in docs/errors.md), the place it came from (a Python
file and line, or a JSON config file and JSON pointer), the blueprint field, and a message that names
the bad value and what is allowed. Problems are collected and raised together as one
``BlueprintError`` so a user fixes them all in one pass.

The message helpers live here too, so every message reads the same way: ``shorten`` echoes at most
about 80 characters of a bad value, and every line a problem prints has its control characters
escaped (``escape``), so a file name or value cannot move the cursor, clear the terminal or forge
a second line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

VALUE_LIMIT = 80  # how much of a bad value a message echoes
# What a problem before emitting leaves unchecked (``BlueprintError.unchecked``)
NOT_EMITTED = "the compiled workflow and template (they are checked once these are fixed)"

# C0 and C1 controls, DEL, and the bidirectional overrides and isolates that reorder a line
CONTROLS = "[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"


def escape(text: str) -> str:
    """``text`` with every control character written as an escape (``\\n``, ``\\x1b``, ``\\u202e``)."""
    return re.sub(CONTROLS, _escaped, text)  # compiled on first use (re caches it)


def _escaped(match: re.Match) -> str:
    char = match.group()
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def shorten(value, limit: int = VALUE_LIMIT) -> str:
    """``repr(value)``, cut to about ``limit`` characters so a long bad value stays one readable line.

    An integer too long to print (Python refuses more than 4,300 digits) is described by its size."""
    try:
        text = repr(value)
    except ValueError:  # int.__repr__ beyond sys.get_int_max_str_digits()
        return f"an integer of about {int(value.bit_length() * 0.30103)} digits"
    if len(text) <= limit:
        return text
    if isinstance(value, int):
        return f"{text[:limit - 20]}... ({len(text)} digits)"
    end = text[-1] if text[-1] in "'\")]}" else ""
    return text[:limit - 3 - len(end)] + "..." + end


def clip(text: str, limit: int = 200) -> str:
    """Free text from elsewhere (an exception's message), cut to about ``limit`` characters."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def shown_path(path) -> str:
    """A path as a message prints it: control characters escaped, not quoted."""
    return escape(str(path))


@dataclass(frozen=True)
class Location:
    """Where a value came from: ``file:line`` for Python, ``file#/json/pointer`` for a config."""

    file: str
    line: int | None = None
    pointer: str | None = None

    def at(self, pointer: str) -> "Location":
        """The same file, a deeper JSON pointer (only meaningful for config locations)."""
        if self.pointer is None:
            return self
        return Location(self.file, self.line, pointer)

    def __str__(self) -> str:
        if self.pointer is not None:
            return f"{self.file}#{_readable(self.pointer) or '/'}"
        if self.line is not None:
            return f"{self.file}:{self.line}"
        return self.file


def _readable(pointer: str, limit: int = VALUE_LIMIT + 4) -> str:
    """A pointer as a message prints it: a key longer than ``limit`` cut (a 5,000-character
    unknown key is still recognisable from its start; an 81-character state name is kept whole)."""
    if len(pointer) <= limit:
        return pointer
    return "/".join(part if len(part) <= limit else part[:limit - 3] + "..."
                    for part in pointer.split("/"))


def json_pointer(*parts) -> str:
    """The JSON pointer (RFC 6901) of the keys ``parts``: ``~`` and ``/`` in a key escaped."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a blueprint, a config, the workflow or the template."""

    code: str
    field: str
    message: str
    location: Location | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return escape(f"{where}{self.field}: {self.message} [{self.code}]")


class BlueprintError(Exception):
    """Raised with every problem found; the CLI prints one line each and exits with code 2.

    ``unchecked`` says what could not be checked because of these problems (a later phase that
    needs them fixed first); ``written`` lists what was written before the error, so the CLI never
    says "nothing was written" after a write."""

    def __init__(self, problems: Iterable[Problem], *, unchecked: str | None = None,
                 written: Iterable[str] = ()):
        self.problems = tuple(problems)
        self.unchecked = unchecked
        self.written = tuple(written)
        super().__init__("\n".join(str(p) for p in self.problems))


def raise_if_any(problems: Iterable[Problem], *, unchecked: str | None = None) -> None:
    """Raise a BlueprintError when the collection is not empty."""
    problems = tuple(problems)
    if problems:
        raise BlueprintError(problems, unchecked=unchecked)

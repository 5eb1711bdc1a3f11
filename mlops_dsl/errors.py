"""One error family for everything a user can get wrong.

Every problem carries a stable code (catalogued in docs/errors.md), the place it came from (a Python
file and line, or a JSON config file and JSON pointer), the blueprint field, and a message that names
the bad value and what is allowed. Problems are collected and raised together as one
``BlueprintError`` so a user fixes them all in one pass.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


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
            return f"{self.file}#{self.pointer or '/'}"
        if self.line is not None:
            return f"{self.file}:{self.line}"
        return self.file


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a blueprint, a config, the workflow or the template."""

    code: str
    field: str
    message: str
    location: Location | None = None

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.field}: {self.message} [{self.code}]"


class BlueprintError(Exception):
    """Raised with every problem found; the CLI prints one line each and exits with code 2."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def raise_if_any(problems: Iterable[Problem]) -> None:
    """Raise a BlueprintError when the collection is not empty."""
    problems = tuple(problems)
    if problems:
        raise BlueprintError(problems)

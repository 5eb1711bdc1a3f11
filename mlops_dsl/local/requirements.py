"""A container's ``requirements.txt``: read it, and tell which requirements an interpreter does not
meet (not installed, or another version), without installing anything.

Runs in this process for this interpreter, or as a script for another one (a cached
environment's): ``PYTHON requirements.py FILE`` prints the unmet requirements as JSON. Standard
library and ``packaging`` only, so it never imports mlops_dsl.
"""
from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

INCLUDE = re.compile(r"^(-r|--requirement)(\s+|=)(?P<path>\S+)")
OPTION = re.compile(r"^-")  # -c, -i, --index-url, -f, --hash lines ... : pip's, not requirements


@dataclass(frozen=True)
class Line:
    """One requirement of a file: where it is, its text, and ``name`` when it names a package
    (a URL, a path or an editable install cannot be checked without pip)."""

    file: str
    line: int
    text: str
    name: str | None = None


@dataclass(frozen=True)
class Unmet:
    requirement: Line
    why: str  # "not installed", "2.4.6 installed", "cannot be checked without pip"

    def describe(self) -> str:
        return f"{self.requirement.text} ({self.why})"


def read(path: Path, seen: frozenset = frozenset()) -> list[Line]:
    """The requirement lines of ``path`` and of the files it includes with ``-r``."""
    path = Path(path).resolve()
    if path in seen:
        return []
    lines, number, pending = [], 0, ""
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = pending + raw
        if text.endswith("\\"):
            pending = text[:-1]
            continue
        pending = ""
        text = re.sub(r"(^|\s)#.*$", "", text).strip()
        if not text:
            continue
        include = INCLUDE.match(text)
        if include:
            lines += read(path.parent / include.group("path"), seen | {path})
            continue
        if OPTION.match(text) and not text.startswith(("-e", "--editable")):
            continue
        text = re.split(r"\s+--?[a-z]", text)[0].strip()  # per-requirement options (--hash=...)
        lines.append(Line(str(path), number, text, _name(text)))
    return lines


def _name(text: str) -> str | None:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return Requirement(text).name
    except InvalidRequirement:
        return None


def unmet(lines: list[Line]) -> list[Unmet]:
    """The requirements this interpreter does not meet (markers evaluated for it)."""
    from importlib.metadata import PackageNotFoundError, version

    from packaging.requirements import Requirement

    found = []
    for line in lines:
        if line.name is None:
            found.append(Unmet(line, "cannot be checked without pip"))
            continue
        requirement = Requirement(line.text)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        try:
            installed = version(requirement.name)
        except PackageNotFoundError:
            found.append(Unmet(line, "not installed"))
            continue
        if requirement.url is None and not requirement.specifier.contains(installed,
                                                                          prereleases=True):
            found.append(Unmet(line, f"{installed} installed"))
    return found


def main(argv: list[str]) -> int:
    print(json.dumps([{"file": u.requirement.file, "line": u.requirement.line,
                       "text": u.requirement.text, "name": u.requirement.name, "why": u.why}
                      for u in unmet(read(Path(argv[1])))]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Canonical JSON and the atomic writing of an output folder.

One serializer for everything: sorted keys, 2-space indent, trailing newline, UTF-8, no timestamps
or tool versions. A folder is written to a temporary sibling and moved into place, so a failed
compile never leaves a half-written output; a folder that mlops_dsl did not write is never replaced.
Single files (``migrate``'s output) are written to a temporary sibling and renamed the same way.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from .errors import BlueprintError, Location, Problem

MARKER = ".mlops_dsl-output"


TEMPLATE_INDENT = 0  # keeps a one-pipeline template under the 51,200 bytes sendable inline


def canonical_json(value, *, indent: int = 2) -> bytes:
    """The one JSON form of every artifact: sorted keys, one key per line, trailing newline.

    Templates use ``TEMPLATE_INDENT`` (one key per line, no indentation): the AWS CLI sends the
    file as written, CloudFormation accepts at most 51,200 bytes inline, and indentation alone
    costs 8-19 KB on the samples. ``python -m json.tool template.json`` shows it indented.
    """
    text = json.dumps(value, sort_keys=True, indent=indent, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def write_folder(target: Path, files: dict[str, bytes]) -> None:
    """Replace ``target`` with exactly ``files`` (relative path -> bytes), atomically."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or (any(target.iterdir()) and not (target / MARKER).exists())):
        raise BlueprintError([Problem("MLD030", "--output", f"{target} exists and was not written "
                                      "by mlops_dsl; choose an empty or new folder", Location(str(target)))])
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the output is an ordinary folder
    try:
        for relative, data in {**files, MARKER: b""}.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        if target.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, retired / "previous")
            os.replace(staging, target)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def write_file(path: Path, data: bytes) -> None:
    """Write one file atomically: a temporary sibling, then a rename, so no reader sees half of it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(staging, 0o644)  # mkstemp makes it private; the output is an ordinary file
        os.replace(staging, path)
    except BaseException:
        if os.path.exists(staging):
            os.unlink(staging)
        raise

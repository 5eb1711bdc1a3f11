"""Canonical JSON and the atomic writing of an output folder.

One serializer for everything: sorted keys, 2-space indent, trailing newline, UTF-8, no timestamps
or tool versions. A folder is written to a hidden staging sibling and moved into place, so a failed
compile never leaves a half-written output; a folder that mlops_dsl did not write is never replaced.
A staging folder is named after the process writing it (``.<name>.mlops_dsl-<pid>-<random>``), so
one left by an interrupted compile (Ctrl-C twice, a kill) is recognised and removed by the next
compile into the same parent folder once its process is gone. Single files (``migrate``'s output)
are written to a temporary sibling and renamed the same way.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from .errors import BlueprintError, Location, Problem
from .files import folder_problem

MARKER = ".mlops_dsl-output"
STAGING = ".mlops_dsl-"  # in the name of every staging folder, before the writer's pid
NAME_KEPT = 64  # characters of the target's name in a staging folder's name (255 bytes at most)


TEMPLATE_INDENT = 0  # keeps a one-pipeline template under the 51,200 bytes sendable inline


def canonical_json(value, *, indent: int = 2) -> bytes:
    """The one JSON form of every artifact: sorted keys, one key per line, trailing newline.

    Templates use ``TEMPLATE_INDENT`` (one key per line, no indentation): the AWS CLI sends the
    file as written, CloudFormation accepts at most 51,200 bytes inline, and indentation alone
    costs 8-19 KB on the samples. ``python -m json.tool template.json`` shows it indented.
    """
    text = json.dumps(value, sort_keys=True, indent=indent, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def output_problem(target: Path) -> Problem | None:
    """Why ``target`` cannot be (re)placed by a compile's output, or None: checked for every
    target of ``compile --all`` before any is written."""
    target = Path(target)
    where = Location(str(target))
    reason = folder_problem(target)
    if reason:
        code = "MLD030" if reason == "is a file, not a folder" else "MLD031"
        return Problem(code, "--output", f"{target} {reason}; choose a folder", where)
    try:
        foreign = target.is_dir() and any(target.iterdir()) and not (target / MARKER).exists()
    except OSError as error:
        return Problem("MLD031", "--output", f"{target} cannot be read ({error.strerror or error})",
                       where)
    if foreign:
        return Problem("MLD030", "--output", f"{target} exists and was not written by mlops_dsl; "
                       "choose an empty or new folder", where)
    return None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # another user's process, or not ours to judge: keep its folder
    return True


def _staging_pid(name: str) -> int | None:
    """The pid in a staging folder's name ``.<name>.mlops_dsl-[old-]<pid>-<random>``, else None."""
    if not name.startswith(".") or STAGING not in name:
        return None
    tail = name.rpartition(STAGING)[2]
    tail = tail[len("old-"):] if tail.startswith("old-") else tail
    pid, _, rest = tail.partition("-")
    return int(pid) if pid.isdigit() and rest.replace("_", "").isalnum() else None


def remove_stale_staging(parent: Path) -> list[Path]:
    """Remove the staging folders in ``parent`` whose compile is no longer running."""
    removed = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        pid = _staging_pid(entry.name)
        if pid is not None and entry.is_dir(follow_symlinks=False) and not _alive(pid):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed


def write_folder(target: Path, files: dict[str, bytes]) -> None:
    """Replace ``target`` with exactly ``files`` (relative path -> bytes), atomically."""
    target = Path(target)
    problem = output_problem(target)
    if problem:
        raise BlueprintError([problem])
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_staging(target.parent)
        _replace(target, files)
    except OSError as error:
        raise BlueprintError([Problem("MLD031", "--output", f"{target} cannot be written "
                                      f"({error.strerror or error})", Location(str(target)))]) \
            from None


def _staging(target: Path, kind: str = "") -> Path:
    prefix = f".{target.name[:NAME_KEPT]}{STAGING}{kind}{os.getpid()}-"
    return Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent))


def _replace(target: Path, files: dict[str, bytes]) -> None:
    staging = _staging(target)
    staging.chmod(0o755)  # mkdtemp makes it private; the output is an ordinary folder
    try:
        for relative, data in {**files, MARKER: b""}.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        if target.exists():
            retired = _staging(target, "old-")
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

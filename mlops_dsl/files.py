"""What a path the user gave points at, asked without letting the operating system's error escape.

Every command checks the paths it is given (a blueprint, the files a blueprint names, an output
folder) through ``path_problem``, which answers with the reason in words, the same everywhere:
"does not exist", "is a directory, not a file", "has a name of 300 bytes (the limit is 255)". An
``OSError`` of ``stat`` (a name too long, a parent that is a file, no permission) becomes a reason too,
never a traceback.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .errors import shorten

NAME_MAX = 255  # bytes in one file name on Linux, macOS and Windows file systems


def _unnameable(path: Path) -> str | None:
    """What no file system can hold: a NUL character, or a name over ``NAME_MAX`` bytes."""
    if "\x00" in str(path):
        return "contains a NUL character"
    for part in path.parts:
        size = len(os.fsencode(part))
        if size > NAME_MAX:
            return (f"has a name of {size} bytes ({shorten(part, 40)}); file systems allow at most "
                    f"{NAME_MAX}")
    return None


def _first_existing(path: Path) -> tuple[Path, os.stat_result | None]:
    """The nearest ancestor of ``path`` (itself included) that exists, and its stat."""
    for candidate in (path, *path.parents):
        try:
            return candidate, candidate.stat()
        except OSError:
            continue
    return path, None


def _reason(path: Path, error: OSError) -> str:
    if error.errno == errno.ENOENT:
        return "does not exist"
    if error.errno == errno.ENOTDIR:
        ancestor, _ = _first_existing(path)
        return f"does not exist ({ancestor} is a file, not a folder)"
    if error.errno == errno.ENAMETOOLONG:
        return "is too long a path for the file system"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "cannot be read (permission denied)"
    if error.errno == errno.ELOOP:
        return "is a loop of symbolic links"
    return f"cannot be read ({os.strerror(error.errno) if error.errno else error})"


def path_problem(path, want: str = "file") -> str | None:
    """Why ``path`` is not an existing ``want`` (``"file"`` or ``"folder"``), or None when it is.

    The answer completes a sentence that starts with the path: ``"'x.py' " + "does not exist"``."""
    path = Path(path)
    unnameable = _unnameable(path)
    if unnameable:
        return unnameable
    try:
        found = path.stat()
    except OSError as error:
        return _reason(path, error)
    is_dir = stat.S_ISDIR(found.st_mode)
    if want == "file" and is_dir:
        return "is a directory, not a file"
    if want == "folder" and not is_dir:
        return "is a file, not a folder"
    return None


def folder_problem(path) -> str | None:
    """Why the folder ``path`` cannot be made (it need not exist yet), or None when it can."""
    path = Path(path)
    unnameable = _unnameable(path)
    if unnameable:
        return unnameable
    ancestor, found = _first_existing(path.absolute())
    if found is None:
        return "cannot be made (no part of it exists)"
    if not stat.S_ISDIR(found.st_mode):
        return ("is a file, not a folder" if ancestor == path.absolute()
                else f"cannot be made: {ancestor} is a file, not a folder")
    return None

"""Checks of what the files a blueprint names hold, on the bytes ``model.resolve`` reads once.

A Glue script must be UTF-8 Python that compiles (Glue runs it as ``python3 script.py``; a Latin-1
byte or a syntax error would fail only in AWS, after the stack was deployed). A wheel must be a
wheel: a zip archive holding ``<name>.dist-info/WHEEL``, named ``name-version-python-abi-platform.whl``
as pip requires ("is not a valid wheel filename") for Glue's ``--additional-python-modules`` and
``--extra-py-files``. A bring-your-own image folder needs a Dockerfile, and a program folder
that has ``train`` needs ``serve`` too: the endpoint and the batch transform both run it.

Each check answers ``(code, message)`` or None; the message completes a sentence that starts
with the file's name, as ``resolve`` words it.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..errors import clip

NOT_PYTHON = "MLD205"
NOT_A_WHEEL = "MLD206"
NO_SERVE = "MLD207"
NO_DOCKERFILE = "MLD203"


def script_problem(path: Path, data: bytes) -> tuple[str, str] | None:
    return _script_problem(str(path), data)


@lru_cache(maxsize=32)
def _script_problem(path: str, data: bytes) -> tuple[str, str] | None:
    """Cached by content: ``compile --all`` of blueprints sharing a script parses it once."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return NOT_PYTHON, (f"is not UTF-8: byte 0x{data[exc.start]:02x} on line {line} (save it "
                            "as UTF-8; Glue reads Python source as UTF-8)")
    try:
        compile(text, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return NOT_PYTHON, f"is not valid Python: line {exc.lineno}: {clip(str(exc.msg), 80)}"
    except ValueError as exc:  # NUL bytes: "source code string cannot contain null bytes"
        return NOT_PYTHON, f"is not valid Python: {clip(str(exc), 80)}"
    return None


def wheel_problem(path: Path, data: bytes) -> tuple[str, str] | None:
    parts = path.name[:-len(".whl")].split("-") if path.name.endswith(".whl") else []
    if len(parts) not in (5, 6) or not all(parts):
        return NOT_A_WHEEL, ("is not named as a wheel is (name-version-python-abi-platform.whl, "
                             "e.g. helpers-0.1-py3-none-any.whl); pip refuses it")
    import io
    import zipfile  # only when there are wheels: it costs a millisecond to import

    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        return NOT_A_WHEEL, "is not a wheel: it is not a zip archive (build it with `pip wheel .`)"
    if not any(name.count("/") == 1 and name.split("/")[0].endswith(".dist-info")
               and name.endswith("/WHEEL") for name in names):
        return NOT_A_WHEEL, ("is not a wheel: it holds no <name>.dist-info/WHEEL (build it with "
                             "`pip wheel .`)")
    return None


def image_problem(folder: Path) -> tuple[str, str] | None:
    from ..local.image import find_program_folder  # the one rule of where the programs are

    if not (folder / "Dockerfile").is_file():
        return NO_DOCKERFILE, "has no Dockerfile"
    program = find_program_folder(folder)
    if program is not None and not (program / "serve").is_file():
        where = "it" if program == folder else f"its folder {program.name}/"
        return NO_SERVE, (f"has a `train` program but no `serve` beside it ({where}); the endpoint "
                          "and the batch transform both run `serve`")
    return None

"""Which local program folder stands in for the model image.

A bring-your-own image is built from a folder whose program folder holds ``train`` (and ``serve``
for inference), e.g. ``container/xgboost/``; locally those programs run directly. A built-in image
is a registry URI: nothing to run here, unless ``--local-image DIR`` names a folder to stand in.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from ..errors import BlueprintError, Location, Problem
from .pythons import is_python_script

BUILTIN_NOT_LOCAL = "MLD501"
NO_PROGRAM = "MLD502"


def find_program_folder(folder: Path) -> Path | None:
    """``folder`` itself when it holds ``train``, else its one subfolder that does."""
    folder = Path(folder)
    if (folder / "train").is_file():
        return folder
    found = sorted(p.parent for p in folder.glob("*/train") if p.is_file())
    return found[0] if len(found) == 1 else None


def program_folder(pipeline, local_image: str | None) -> Path:
    """The folder whose ``train``/``serve`` run locally; BlueprintError when there is none."""
    origin = pipeline.image.origin("uri" if pipeline.builtin_image_uri else "source")
    where = origin.location if origin else None
    location = Location(where.file, where.line, where.pointer) if where and where.file else None
    if local_image:
        folder = Path(local_image).expanduser().resolve()
        source = f"--local-image {local_image}"
    elif pipeline.builtin_image_uri:
        raise BlueprintError([Problem(
            BUILTIN_NOT_LOCAL, "image",
            f"the built-in image {pipeline.builtin_image_uri} cannot run locally (no Docker, no "
            "registry access); pass --local-image DIR with a folder holding the `train` and "
            "`serve` programs that stand in for it, e.g. --local-image container/xgboost",
            location)])
    else:
        folder = pipeline.byo_image.source.resolve()
        source = f"image folder {folder}"
    program = find_program_folder(folder) if folder and folder.is_dir() else None
    if program is None:
        raise BlueprintError([Problem(
            NO_PROGRAM, "image",
            f"{source}: no `train` program found in it or in exactly one of its subfolders",
            location)])
    return program


def command_for(program: Path, python: str | None = None) -> list[str]:
    """How to start a program: with ``python`` (the programs' environment; this interpreter by
    default) when it is a Python script, else directly, or with /bin/sh when not executable."""
    if is_python_script(program):
        return [python or sys.executable, str(program)]
    if not os.access(program, os.X_OK):
        return ["/bin/sh", str(program)]
    return [str(program)]


PROGRAMS = ("train", "serve")


def fork_server(children, environment, server_env: dict, program_folder: Path, program: str,
                work: Path):
    """The run's fork server for the image's ``program`` (``train`` or ``serve``), started on
    first use; None when that program is missing or not a Python script under the programs'
    interpreter, or fork servers are off. It preloads what the folder's code imports, its own
    modules aside: ``train``, ``serve`` and every ``*.py`` beside them (``predictor.py``'s
    libraries). ``server_env`` is the program's environment without its per-program variables;
    ``children.forkserver`` shares one server between programs whose environments agree on what
    libraries read when they load (its log is ``work/forkserver/<program>.log`` of the first)."""
    from .pythons import imported_modules, local_modules

    folder = Path(program_folder)
    if not (folder / program).is_file() or not forkable(folder / program, environment.python):
        return None  # started directly, every time

    def preloaded() -> list[str]:
        files = [folder / name for name in PROGRAMS if (folder / name).is_file()]
        modules = sorted({module for path in [*files, *sorted(folder.glob("*.py"))]
                          for module in imported_modules(path)})
        local = local_modules(folder / PROGRAMS[0], modules)
        return [module for module in modules if module.split(".")[0] not in local]

    return children.forkserver(environment.python, folder, server_env, preloaded,
                               work / "forkserver" / f"{program}.log")


def forkable(program: Path, python: str) -> bool:
    """Whether ``program`` runs as ``python program`` (so a fork server can start it)."""
    command = command_for(program, python)
    return len(command) == 2 and command[0] == python

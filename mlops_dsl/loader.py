"""Load blueprints from a Python module or a JSON config, with errors that point at the user's file.

A Python module is executed once, as a script with its own folder on ``sys.path`` (so it can import
helpers beside it); every module-level ``Blueprint`` is collected. Nothing registers itself
anywhere: a blueprint is found because it is a value in the module.
"""
from __future__ import annotations

import os
import runpy
import sys
import traceback
from pathlib import Path

from .dsl import Blueprint
from .errors import BlueprintError, Location, Problem


def _user_error(path: Path, exc: BaseException) -> Problem:
    """Turn an exception raised by user code into one line at the user's own file and line."""
    if isinstance(exc, SyntaxError):
        return Problem("MLD020", "(python)", f"syntax error: {exc.msg}",
                       Location(exc.filename or str(path), exc.lineno))
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if os.path.abspath(f.filename) == str(path)]
    line = frames[-1].lineno if frames else None
    return Problem("MLD021", "(python)", f"{type(exc).__name__}: {exc}", Location(str(path), line))


def blueprints_in_module(path: str | Path) -> dict[str, Blueprint]:
    """Run a blueprint module and return its blueprints by name (``name`` field or variable)."""
    path = Path(path).resolve()
    folder = str(path.parent)
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)
    try:
        namespace = runpy.run_path(str(path), run_name="__blueprint__")
    except BlueprintError:
        raise
    except (Exception, SystemExit) as exc:  # user code: report its line, not our traceback
        raise BlueprintError([_user_error(path, exc)]) from None
    finally:
        if added and folder in sys.path:
            sys.path.remove(folder)
    candidates = [(variable, value) for variable, value in namespace.items()
                  if not variable.startswith("_") and isinstance(value, Blueprint)]
    # A module that imports a blueprint to derive its own offers only what it defines itself.
    own = [(v, b) for v, b in candidates if os.path.abspath(b.where.file) == str(path)]
    found: dict[str, Blueprint] = {}
    seen: set[int] = set()
    problems = []
    for variable, value in own or candidates:
        if id(value) in seen:
            continue
        seen.add(id(value))
        name = value.name or variable
        if name in found:
            problems.append(Problem("MLD025", "name", f"two blueprints are named {name!r}; give "
                                    "each a distinct name=", value.where))
        found[name] = value
    if problems:
        raise BlueprintError(problems)
    return found


def load_all(path: str | Path) -> dict[str, Blueprint]:
    """Every blueprint ``path`` defines, by name (a JSON config defines exactly one)."""
    path = Path(path)
    if not path.is_file():
        raise BlueprintError([Problem("MLD026", "BLUEPRINT", f"{path} does not exist or is not a file",
                                      Location(str(path)))])
    if path.suffix == ".json":
        from .config import load_config

        blueprint = load_config(path)
        found = {blueprint.name or path.stem: blueprint}
    elif path.suffix == ".py":
        found = blueprints_in_module(path)
    else:
        raise BlueprintError([Problem("MLD026", "BLUEPRINT", f"{path.name}: use a Python module "
                                      "(.py) or a JSON config (.json)", Location(str(path)))])
    if not found:
        raise BlueprintError([Problem("MLD024", "BLUEPRINT", "defines no Blueprint at module level",
                                      Location(str(path)))])
    return found


def load_blueprint(path: str | Path, *, name: str | None = None) -> tuple[str, Blueprint]:
    """The one blueprint ``path`` defines (or ``name`` among several), with its name."""
    found = load_all(path)
    if name is not None:
        if name not in found:
            raise BlueprintError([Problem("MLD022", "--name", f"no blueprint named {name!r}; "
                                          f"this file defines: {', '.join(sorted(found))}",
                                          Location(str(path)))])
        return name, found[name]
    if len(found) > 1:
        raise BlueprintError([Problem("MLD023", "--name", f"this file defines {len(found)} blueprints "
                                      f"({', '.join(sorted(found))}); pick one with --name",
                                      Location(str(path)))])
    return next(iter(found.items()))

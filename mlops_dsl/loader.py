"""Load blueprints from a Python module or a JSON config, with errors that point at the user's file.

A Python module is executed once, as a script with its own folder on ``sys.path`` (so it can import
helpers beside it); every module-level ``Blueprint`` is collected. Nothing registers itself
anywhere: a blueprint is found because it is a value in the module.

While the module runs, whatever it does is reported at its own line rather than ending the
command: any exception, ``BaseException`` subclasses included (``SystemExit`` from ``sys.exit``,
``GeneratorExit``, a ``KeyboardInterrupt`` it raises itself), and ``os._exit``, which is replaced
for that time by a stand-in that raises (it would otherwise end the process with no message and
any status). A real Ctrl-C is told apart by a SIGINT handler and still interrupts. Its ``print()``
goes to stderr, so a command's own output (``graph bp.py > x.mmd``) stays clean. These guards cost
microseconds; a child process would cost the interpreter start that compile is measured against.
"""
from __future__ import annotations

import os
import runpy
import signal
import sys
import traceback
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

from .dsl import Blueprint
from .errors import BlueprintError, Location, Problem, clip, shorten, shown_path
from .files import path_problem

PACKAGE = str(Path(__file__).resolve().parent)
UNLOADED = ("the rest of the module, the blueprint's rules, its files and the compiled output "
            "(the module did not finish loading)")


class ModuleExit(BaseException):
    """Raised in place of ``os._exit`` while a blueprint module runs."""

    def __init__(self, status):
        super().__init__(status)
        self.status = status


class _Guard:
    """What the guards saw while a module ran: whether a real Ctrl-C arrived."""

    interrupted = False


@contextmanager
def _guarded():
    """Run user code with ``os._exit`` refused, SIGINT recorded and stdout sent to stderr."""
    guard = _Guard()
    real_exit = os._exit
    system = sys.modules.get(os.name)  # posix (or nt): the module os._exit comes from

    def refuse(status=0):
        raise ModuleExit(status)

    def on_sigint(signum, frame):
        guard.interrupted = True
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread: signals are not ours to handle there
        previous = None
    os._exit = refuse
    if system is not None:
        system._exit = refuse
    try:
        with redirect_stdout(sys.stderr):
            yield guard
    finally:
        os._exit = real_exit
        if system is not None:
            system._exit = real_exit
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _user_frames(exc: BaseException):
    """The traceback's frames in user code: outside mlops_dsl, the standard library and runpy."""
    library = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix})
    for frame in traceback.extract_tb(exc.__traceback__):
        name = os.path.abspath(frame.filename)
        if frame.filename.startswith("<") or name.startswith(PACKAGE) or name.startswith(library):
            continue
        yield name, frame.lineno


def _what(exc: BaseException) -> str:
    if isinstance(exc, ModuleExit):
        return f"the module called os._exit({exc.status!r}); a blueprint module must not end the process"
    if isinstance(exc, SystemExit):
        return (f"the module called sys.exit({shorten(exc.code, 40)}) (SystemExit); a blueprint "
                "module must not end the process")
    text = clip(str(exc))
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _user_error(path: Path, exc: BaseException) -> Problem:
    """Turn an exception raised by user code into one line at the user's own file and line."""
    if isinstance(exc, SyntaxError):
        return Problem("MLD020", "(python)", f"syntax error: {clip(str(exc.msg))}",
                       Location(exc.filename or str(path), exc.lineno))
    frames = list(_user_frames(exc))
    own = [f.lineno for f in traceback.extract_tb(exc.__traceback__)
           if os.path.abspath(f.filename) == str(path)]
    message = _what(exc)
    if frames and frames[-1][0] != str(path):  # raised in a helper the module imported
        message += f" (at {shown_path(frames[-1][0])}:{frames[-1][1]})"
    return Problem("MLD021", "(python)", message, Location(str(path), own[-1] if own else None))


def _run(path: Path) -> dict:
    folder = str(path.parent)
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)
    try:
        with _guarded() as guard:
            try:
                return runpy.run_path(str(path), run_name="__blueprint__")
            except BlueprintError as error:  # a DSL value refused at the user's line
                if not error.problems:
                    raise BlueprintError([_user_error(path, error)], unchecked=UNLOADED) from None
                raise BlueprintError(error.problems, unchecked=UNLOADED) from None
            except KeyboardInterrupt:
                if guard.interrupted:
                    raise
                raise BlueprintError([_user_error(path, sys.exc_info()[1])],
                                     unchecked=UNLOADED) from None
            except BaseException as exc:  # noqa: BLE001 - user code: report its line, not ours
                raise BlueprintError([_user_error(path, exc)], unchecked=UNLOADED) from None
    finally:
        if added and folder in sys.path:
            sys.path.remove(folder)


def blueprints_in_module(path: str | Path) -> dict[str, Blueprint]:
    """Run a blueprint module and return its blueprints by name (``name`` field or variable)."""
    path = Path(path).resolve()
    namespace = _run(path)
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
    problem = path_problem(path, "file")
    if problem:
        raise BlueprintError([Problem("MLD026", "BLUEPRINT", f"{path} {problem}",
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
            raise BlueprintError([Problem("MLD022", "--name", f"no blueprint named {shorten(name)}; "
                                          f"this file defines: {', '.join(sorted(found))}",
                                          Location(str(path)))])
        return name, found[name]
    if len(found) > 1:
        raise BlueprintError([Problem("MLD023", "--name", f"this file defines {len(found)} blueprints "
                                      f"({', '.join(sorted(found))}); pick one with --name",
                                      Location(str(path)))])
    return next(iter(found.items()))

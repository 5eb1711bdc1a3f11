"""Argument parsing and exit codes only (the codes are in ``exit_codes``).

Each command lives in ``mlops_dsl/commands/<name>.py``; heavy imports happen inside its ``run``,
so ``--help`` and ``--version`` stay instant.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from . import __version__, exit_codes
from .commands import COMMANDS
from .errors import BlueprintError, clip, escape, shown_path


def _prog() -> str:
    """How the user started us: the ``mlops-dsl`` entry point, or ``python -m mlops_dsl``."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "mlops-dsl" if name.startswith("mlops-dsl") else "python -m mlops_dsl"


def report(error: BlueprintError) -> None:
    """Print every problem, what could not be checked because of them, and what was written."""
    for problem in error.problems:
        print(f"error: {problem}", file=sys.stderr)
    if error.unchecked:
        print(f"not checked: {error.unchecked}", file=sys.stderr)
    count = len(error.problems)
    found = f"{count} problem{'s' if count != 1 else ''} found"
    if error.written:
        print(f"{found}; written before it: {', '.join(shown_path(w) for w in error.written)}",
              file=sys.stderr)
    else:
        print(f"{found}; nothing was written.", file=sys.stderr)


def missing_dependency(error: BaseException) -> str | None:
    """What to say when a library mlops_dsl needs cannot be imported by this Python (an install
    problem, not a bug: e.g. ``python3 -m mlops_dsl`` run outside the environment it was
    installed in); None for any other error. A blueprint's own failed import never gets here:
    the loader reports it at the blueprint's line."""
    name = getattr(error, "name", None) if isinstance(error, ModuleNotFoundError) else None
    if not name or name.split(".")[0] == __package__:
        return None
    return (f"this Python ({sys.executable}) cannot import {name.split('.')[0]!r}, which "
            f"mlops_dsl needs: install mlops_dsl's dependencies into it ({sys.executable} -m pip "
            f"install -e '.[local]' in a checkout; '[local]' adds what `run --local` needs), or "
            f"use the Python of the environment mlops_dsl was installed in")


def _parser() -> tuple[argparse.ArgumentParser, dict]:
    parser = argparse.ArgumentParser(
        prog=_prog(),
        description="Compile an ML-Ops blueprint (Python module or JSON config) into a "
                    "CloudFormation template and a Step Functions workflow.")
    parser.add_argument("--version", action="version", version=f"mlops_dsl {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    modules = {}
    for name in COMMANDS:
        module = importlib.import_module(f".commands.{name.replace('-', '_')}", __package__)
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        modules[name] = module
    return parser, modules


def main(argv: list[str] | None = None) -> int:
    parser, modules = _parser()
    args = parser.parse_args(argv)
    try:
        return modules[args.command].run(args)
    except BlueprintError as error:
        report(error)
        return exit_codes.INVALID
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return exit_codes.INTERRUPTED
    except Exception as error:  # noqa: BLE001 - the last line of defence: no raw traceback
        if os.environ.get("MLOPS_DSL_DEBUG"):
            raise
        missing = missing_dependency(error)
        if missing:
            print(f"error: {missing}", file=sys.stderr)
            return exit_codes.FAILED
        print(f"internal error: {type(error).__name__}: {escape(clip(str(error), 500))}\n"
              "This is a bug in mlops_dsl; rerun with MLOPS_DSL_DEBUG=1 for the traceback.",
              file=sys.stderr)
        return exit_codes.FAILED

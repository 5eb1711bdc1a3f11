"""Argument parsing and exit codes only: 0 success, 2 invalid blueprint or config, 1 unexpected.

Heavy imports (the compiler, troposphere, the SDK) happen inside the commands, so ``--help`` and
``--version`` stay instant.
"""
from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from .errors import BlueprintError

EXIT_OK, EXIT_UNEXPECTED, EXIT_INVALID = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mlops_dsl",
        description="Compile an ML-Ops blueprint (Python module or JSON config) into a "
                    "CloudFormation template and a Step Functions workflow.")
    parser.add_argument("--version", action="version", version=f"mlops_dsl {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    compile_ = commands.add_parser("compile", help="write template.json, statemachine.asl.json and assets")
    compile_.add_argument("blueprint", metavar="BLUEPRINT", help="a .py module or a .json config")
    compile_.add_argument("-o", "--output", metavar="DIR", help="output folder (default: build/<name>/)")
    compile_.add_argument("--name", help="which blueprint, when the module defines several")
    validate = commands.add_parser("validate", help="run every check and write nothing")
    validate.add_argument("blueprint", metavar="BLUEPRINT", help="a .py module or a .json config")
    validate.add_argument("--name", help="which blueprint, when the module defines several")
    return parser


def _compile(args, write: bool) -> int:
    from pathlib import Path

    from .compiler import TEMPLATE, WORKFLOW, compile_blueprint
    from .loader import load_blueprint

    name, blueprint = load_blueprint(args.blueprint, name=args.name)
    compiled = compile_blueprint(blueprint, name=name)
    resources = len(compiled.template.get("Resources", {}))
    states = len(compiled.definition.get("States", {}))
    size = len(compiled.files[TEMPLATE])
    if write:
        from .artifacts import write_folder

        target = Path(args.output) if args.output else Path("build") / name
        write_folder(target, compiled.files)
        print(f"compiled {name}: {target}/")
        print(f"  {TEMPLATE}  {resources} resources, {size:,} bytes")
        print(f"  {WORKFLOW}  {states} states")
        for asset in compiled.pipeline.assets:
            print(f"  {asset.key}")
    else:
        print(f"{args.blueprint}: {name}: valid ({resources} resources, {states} states, "
              f"template {size:,} bytes)")
    for note in compiled.notes:
        print(f"note: {note}")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _compile(args, write=args.command == "compile")
    except BlueprintError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        count = len(error.problems)
        print(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # noqa: BLE001 - the last line of defence: no raw traceback
        if os.environ.get("MLOPS_DSL_DEBUG"):
            raise
        print(f"internal error: {type(error).__name__}: {error}\n"
              "This is a bug in mlops_dsl; rerun with MLOPS_DSL_DEBUG=1 for the traceback.",
              file=sys.stderr)
        return EXIT_UNEXPECTED

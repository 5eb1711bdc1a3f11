"""``validate BLUEPRINT [--name NAME | --all]``: every check of compile, nothing written."""
from __future__ import annotations

from .. import exit_codes

HELP = "run every check and write nothing"


def add_arguments(parser) -> None:
    parser.add_argument("blueprint", metavar="BLUEPRINT", help="a .py module or a .json config")
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--name", help="which blueprint, when the module defines several")
    choice.add_argument("--all", action="store_true", help="validate every blueprint of the module")


def run(args) -> int:
    from ..compiler import TEMPLATE, compile_file
    from ..errors import shown_path

    if args.all:
        from .compile import compile_all, shared_names

        results = compile_all(args.blueprint)
    else:
        compiled = compile_file(args.blueprint, name=args.name)
        results = {compiled.pipeline.name: compiled}
    for compiled in results.values():
        print(f"{shown_path(args.blueprint)}: {compiled.pipeline.name}: valid "
              f"({compiled.resource_count} resources, {compiled.state_count} states, "
              f"template {len(compiled.files[TEMPLATE]):,} bytes)")
        for note in compiled.notes:
            print(f"note: {note}")
    if args.all:
        import sys

        for line in shared_names(results):
            print(f"warning: {line}", file=sys.stderr)
    return exit_codes.OK

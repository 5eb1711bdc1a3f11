"""``validate BLUEPRINT [--name NAME]``: every check of compile, nothing written."""
from __future__ import annotations

from .. import exit_codes

HELP = "run every check and write nothing"


def add_arguments(parser) -> None:
    from . import add_blueprint

    add_blueprint(parser)


def run(args) -> int:
    from ..compiler import TEMPLATE, compile_file

    compiled = compile_file(args.blueprint, name=args.name)
    print(f"{args.blueprint}: {compiled.pipeline.name}: valid "
          f"({compiled.resource_count} resources, {compiled.state_count} states, "
          f"template {len(compiled.files[TEMPLATE]):,} bytes)")
    for note in compiled.notes:
        print(f"note: {note}")
    return exit_codes.OK

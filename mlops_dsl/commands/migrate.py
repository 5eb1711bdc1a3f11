"""``migrate FILE.tf [--module NAME] [-o OUT] [--skip INPUT] [--force]``: from the Terraform module."""
from __future__ import annotations

HELP = "turn a Terraform module block of the reference module into a JSON config or a blueprint"


def add_arguments(parser) -> None:
    parser.add_argument("tf", metavar="FILE.tf", help="a Terraform file with a module block using the "
                        "reference module")
    parser.add_argument("--module", metavar="NAME", help="which module block (its label), when several "
                        "use the reference module, or to migrate one whose source is not recognised")
    parser.add_argument("-o", "--output", metavar="OUT", help="the file to write: .json (a config) or "
                        ".py (a blueprint module); default: <module label>.json beside FILE.tf")
    parser.add_argument("--skip", metavar="INPUT", action="append", default=[],
                        help="leave out this input of the module block (repeatable); migrate names "
                        "every input it does not support")
    parser.add_argument("--force", action="store_true", help="replace OUT if it exists")


def run(args) -> int:
    from ..artifacts import write_file
    from ..migrate import migrate

    result = migrate(args.tf, module=args.module, output=args.output, skip=tuple(args.skip),
                     force=args.force)
    write_file(result.output, result.data)
    print(f"migrated module {result.module!r} of {args.tf}: {result.output} "
          f"({result.inputs} key{'s' if result.inputs != 1 else ''})")
    for note in result.notes:
        print(f"note: {note}")
    print(f"next: python -m mlops_dsl validate {result.output}")
    return 0

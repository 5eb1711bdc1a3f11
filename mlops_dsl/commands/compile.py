"""``compile BLUEPRINT [-o DIR] [--name NAME]``: write the template, the workflow and the assets."""
from __future__ import annotations

HELP = "write template.json, statemachine.asl.json and assets"


def add_arguments(parser) -> None:
    parser.add_argument("blueprint", metavar="BLUEPRINT", help="a .py module or a .json config")
    parser.add_argument("-o", "--output", metavar="DIR", help="output folder (default: build/<name>/)")
    parser.add_argument("--name", help="which blueprint, when the module defines several")


def run(args) -> int:
    from pathlib import Path

    from ..artifacts import write_folder
    from ..compiler import TEMPLATE, WORKFLOW, compile_file

    compiled = compile_file(args.blueprint, name=args.name)
    target = Path(args.output) if args.output else Path("build") / compiled.pipeline.name
    write_folder(target, compiled.files)
    print(f"compiled {compiled.pipeline.name}: {target}/")
    print(f"  {TEMPLATE}  {compiled.resource_count} resources, {len(compiled.files[TEMPLATE]):,} bytes")
    print(f"  {WORKFLOW}  {compiled.state_count} states")
    for asset in compiled.pipeline.assets:
        print(f"  {asset.key}")
    for note in compiled.notes:
        print(f"note: {note}")
    return 0

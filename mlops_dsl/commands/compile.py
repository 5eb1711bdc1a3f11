"""``compile BLUEPRINT [-o DIR] [--name NAME | --all]``: write the template, the workflow and the assets.

With ``--all``, every blueprint is compiled and every output folder checked before any is written,
so a problem in one blueprint (or a folder that cannot be written) leaves every output as it was.
"""
from __future__ import annotations

from .. import exit_codes

HELP = "write template.json, statemachine.asl.json and assets"


def add_arguments(parser) -> None:
    parser.add_argument("blueprint", metavar="BLUEPRINT", help="a .py module or a .json config")
    parser.add_argument("-o", "--output", metavar="DIR", help="output folder (default: build/<name>/)")
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--name", help="which blueprint, when the module defines several")
    choice.add_argument("--all", action="store_true",
                        help="compile every blueprint of the module into DIR/<name>/ (default DIR: build/)")


def compile_all(path) -> dict:
    """Every blueprint of ``path`` compiled, by name; BlueprintError with every blueprint's
    problems (``validate --all`` and ``compile --all`` share it)."""
    from ..compiler import compile_blueprint
    from ..errors import BlueprintError
    from ..loader import load_all

    results, problems, unchecked = {}, [], None
    for name, blueprint in load_all(path).items():
        try:
            results[name] = compile_blueprint(blueprint, name=name)
        except BlueprintError as error:  # collect every blueprint's problems before reporting
            problems.extend(error.problems)
            unchecked = unchecked or error.unchecked
    if problems:
        raise BlueprintError(problems, unchecked=unchecked)
    return results


def run(args) -> int:
    import sys
    from pathlib import Path

    from ..artifacts import output_problem
    from ..compiler import compile_file
    from ..errors import BlueprintError

    if not args.all:
        compiled = compile_file(args.blueprint, name=args.name)
        target = Path(args.output) if args.output else Path("build") / compiled.pipeline.name
        _write(target, compiled)
        return exit_codes.OK
    root = Path(args.output) if args.output else Path("build")
    results = compile_all(args.blueprint)
    targets = {name: root / name for name in results}
    problems = [p for p in map(output_problem, targets.values()) if p is not None]
    if problems:
        raise BlueprintError(problems)
    written = []
    for name, compiled in results.items():
        try:
            _write(targets[name], compiled)
        except BlueprintError as error:  # the file system failed midway: say what was written
            raise BlueprintError(error.problems, written=written) from None
        written.append(f"{targets[name]}/")
    for line in shared_names(results):
        print(f"warning: {line}", file=sys.stderr)
    return exit_codes.OK


def shared_names(results: dict) -> list[str]:
    """Explicit names two blueprints of one module would both use: deployed in one account and
    region, the second stack fails (or, for SageMaker names, both manage each other's jobs)."""
    owners: dict[tuple[str, str], list[str]] = {}
    for name, compiled in results.items():
        for kind, value in compiled.pipeline.physical_names.items():
            owners.setdefault((kind, value.lower()), []).append(name)
    return [f"blueprints {', '.join(names)} share the {kind} name {value!r}: deployed in one "
            f"account and region they collide; give each its own name_prefix"
            + (" (and endpoint name)" if kind == "SageMaker endpoint" else "")
            for (kind, value), names in sorted(owners.items()) if len(names) > 1]


def _write(target, compiled) -> None:
    from ..artifacts import write_folder
    from ..compiler import TEMPLATE, WORKFLOW
    from ..errors import shown_path
    from ..model.lifecycle import plan

    write_folder(target, compiled.files)
    print(f"compiled {compiled.pipeline.name}: {shown_path(target)}/")
    print(f"  {TEMPLATE}  {compiled.resource_count} resources, {len(compiled.files[TEMPLATE]):,} bytes")
    print(f"  {WORKFLOW}  {compiled.state_count} states")
    for line in plan(compiled.pipeline):
        print(f"  plan: {line}")
    for asset in compiled.pipeline.assets:
        print(f"  {shown_path(asset.key)}")
    for note in compiled.notes:
        print(f"note: {note}")

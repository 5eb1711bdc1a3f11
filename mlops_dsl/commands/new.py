"""``new DIR [--problem binary|regression|multiclass] [--region R] [--name NAME]``: write a new
project (blueprint, Glue script, container, made-up data) that validates, compiles and runs with
``run --local`` as it is."""
from __future__ import annotations

HELP = "create a new project: blueprint, Glue script, container and sample data"


def add_arguments(parser) -> None:
    from ..scaffold.problems import DEFAULT, DEFAULT_REGION, PROBLEM_TYPES

    parser.add_argument("folder", metavar="DIR", help="a new or empty folder")
    parser.add_argument("--problem", choices=sorted(PROBLEM_TYPES), default=DEFAULT,
                        help=f"what the model predicts (default: {DEFAULT})")
    parser.add_argument("--region", default=DEFAULT_REGION,
                        help=f"the AWS region of the pipeline (default: {DEFAULT_REGION})")
    parser.add_argument("--name", help="the pipeline's name and name prefix (default: made "
                                       "from DIR's name)")


def run(args) -> int:
    from pathlib import Path

    from ..scaffold.problems import PROBLEM_TYPES
    from ..scaffold.project import Options, scaffold

    options = Options(Path(args.folder), problem=args.problem, region=args.region,
                      name=args.name)
    written = scaffold(options)
    root = Path(args.folder)
    print(f"created {root}/: a {PROBLEM_TYPES[args.problem].title} in {args.region}, "
          f"{len(written)} files")
    for relative in written:
        print(f"  {root / relative}")
    print("next:")
    print(f"  python -m mlops_dsl validate {root / 'blueprint.py'}")
    print(f"  python -m mlops_dsl run {root / 'blueprint.py'} --local")
    return 0

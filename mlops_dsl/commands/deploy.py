"""``deploy BLUEPRINT --stack-name NAME [--region R] [--profile P] [--yes]``: compile, review the
change set, execute it, follow the stack, upload assets and data, print the outputs."""
from __future__ import annotations

HELP = "create or update the pipeline's stack, upload its assets and data"


def add_arguments(parser) -> None:
    from ..deploy.command import add_aws
    from . import add_blueprint

    add_blueprint(parser)
    add_aws(parser)
    parser.add_argument("--yes", action="store_true",
                        help="execute the change set without asking (for CI)")


def run(args) -> int:
    from ..deploy.faults import handled

    return handled(_deploy, args)


def _deploy(args) -> int:
    from ..deploy.apply import Options, deploy
    from ..deploy.command import compile_and_connect

    compiled, aws = compile_and_connect(args)
    return deploy(compiled, aws, Options(args.stack_name, yes=args.yes, blueprint=args.blueprint))

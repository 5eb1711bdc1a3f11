"""``deploy BLUEPRINT --stack-name NAME [--region R] [--profile P] [--yes] [--stack-timeout MIN]
[--template-bucket NAME]``:
compile, review the change set, execute it, follow the stack, upload assets and data, print the
outputs."""
from __future__ import annotations

HELP = "create or update the pipeline's stack, upload its assets and data"


def add_arguments(parser) -> None:
    from ..deploy.command import add_aws
    from . import add_blueprint

    add_blueprint(parser)
    add_aws(parser)
    parser.add_argument("--yes", action="store_true",
                        help="execute the change set without asking (for CI)")
    parser.add_argument("--stack-timeout", metavar="MINUTES", type=_minutes, default=None,
                        help="stop following the stack's events after this long (default 60; "
                             "CloudFormation carries on either way)")
    parser.add_argument("--template-bucket", metavar="NAME",
                        help="an existing S3 bucket for a template above 51,200 bytes (default: "
                             "the stack's source bucket, or on a first deploy a created "
                             "mlops-dsl-templates-ACCOUNT-REGION bucket)")


def _minutes(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):  # NaN fails this too
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a positive number of minutes")
    return value


def run(args) -> int:
    from ..deploy.faults import handled

    return handled(_deploy, args)


def _deploy(args) -> int:
    from ..deploy.apply import Options, deploy
    from ..deploy.command import compile_and_connect

    # credentials are checked by deploy itself, after its first line
    compiled, aws = compile_and_connect(args, check_credentials=False)
    timeout = args.stack_timeout * 60 if args.stack_timeout else None
    return deploy(compiled, aws, Options(args.stack_name, yes=args.yes, blueprint=args.blueprint,
                                         stack_timeout=timeout,
                                         template_bucket=args.template_bucket))

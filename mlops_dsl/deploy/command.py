"""What the AWS commands share: their AWS arguments, and compile + connect in one step.

Imported by the command modules' ``add_arguments``; imports nothing heavy at module level.
"""
from __future__ import annotations


def add_aws(parser, *, stack_required: bool = True) -> None:
    parser.add_argument("--stack-name", metavar="NAME", required=stack_required,
                        help="the CloudFormation stack of this pipeline")
    parser.add_argument("--region", help="AWS region (default: the blueprint's environment region)")
    parser.add_argument("--profile", help="AWS profile from ~/.aws/config (default: the usual chain)")


def compile_and_connect(args, *, check_credentials: bool = True):
    """(compiled blueprint, Aws session) for a command's arguments."""
    from ..compiler import compile_file
    from .session import for_pipeline

    compiled = compile_file(args.blueprint, name=args.name)
    return compiled, for_pipeline(compiled.pipeline, args, check_credentials=check_credentials)

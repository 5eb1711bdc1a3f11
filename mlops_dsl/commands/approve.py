"""``approve BLUEPRINT --stack-name NAME [--reject] [--reason TEXT] [--execution ARN]``: decide on
the model a run waits for (a blueprint with ``ModelRegistry(approval="manual")``)."""
from __future__ import annotations

from .. import exit_codes

HELP = "approve (or --reject) the model a run of the pipeline waits for"


def add_arguments(parser) -> None:
    from ..deploy.command import add_aws
    from . import add_blueprint

    add_blueprint(parser)
    add_aws(parser)
    parser.add_argument("--reject", action="store_true", help="reject the model: the run ends")
    parser.add_argument("--reason", default="", help="why, recorded on the model package")
    parser.add_argument("--execution", metavar="ARN",
                        help="which run, when several wait (default: the only one)")


def run(args) -> int:
    from ..deploy.faults import handled

    return handled(_approve, args)


def _approve(args) -> int:
    from ..deploy import approval
    from ..deploy import stack as stacks
    from ..deploy.apply import STATE_MACHINE, STATE_MACHINE_OUTPUT
    from ..deploy.command import compile_and_connect
    from ..deploy.faults import DeployError

    compiled, aws = compile_and_connect(args)
    registry = compiled.pipeline.registry
    if registry is None or not registry.manual:
        raise DeployError(f"{compiled.pipeline.name} has no manual approval",
                          "approve is for blueprints with ModelRegistry(approval='manual')")
    cf = aws.client("cloudformation")
    stack = stacks.require_deployed(cf, args.stack_name)
    machine = stacks.physical_id(cf, args.stack_name, STATE_MACHINE, output=STATE_MACHINE_OUTPUT,
                                 stack=stack)
    sfn = aws.client("stepfunctions")
    waiting = approval.waiting_runs(sfn, machine)
    if args.execution:
        waiting = [w for w in waiting if w.execution == args.execution]
    if not waiting:
        raise DeployError("no run of this pipeline waits for approval"
                          + (f" with execution {args.execution}" if args.execution else ""),
                          "a run waits once its model passed the gate and was registered; see "
                          "`python -m mlops_dsl run ... --follow` or the Step Functions console")
    if len(waiting) > 1:
        listed = ", ".join(w.execution for w in waiting)
        raise DeployError(f"{len(waiting)} runs wait for approval: {listed}",
                          "pick one with --execution ARN")
    [decision] = waiting
    approval.decide(aws.client("sagemaker"), sfn, decision, approve=not args.reject,
                    reason=args.reason)
    verb = "rejected" if args.reject else "approved"
    print(f"{verb} {decision.model_package} for run {decision.execution}")
    print("the run ends (Rejected)" if args.reject else "the run goes on to deploy the model")
    return exit_codes.OK

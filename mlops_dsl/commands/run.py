"""``run BLUEPRINT --stack-name NAME [--follow]``: start a run of the deployed pipeline and, with
``--follow``, print each state as it is entered and exited; exit 0 only when the run succeeded.
``--local`` runs the pipeline on this machine instead (``mlops_dsl.local``). ``--redrive
[EXECUTION]`` resumes a failed run from its failed state (``deploy.redrive``) and follows it."""
from __future__ import annotations

from .. import exit_codes

HELP = "start a run of the pipeline (deployed, or on this machine with --local)"
LATEST = "latest"  # --redrive without an execution


def add_arguments(parser) -> None:
    from ..deploy.command import add_aws
    from . import add_blueprint

    add_blueprint(parser)
    add_aws(parser, stack_required=False)
    parser.add_argument("--follow", action="store_true",
                        help="print each state as it runs, until the run ends")
    parser.add_argument("--redrive", metavar="EXECUTION", nargs="?", const=LATEST, default=None,
                        help="resume a failed run from its failed state (Step Functions "
                             "RedriveExecution) and follow it; EXECUTION: its ARN (default: the "
                             "latest failed, aborted or timed-out run of this stack)")
    local = parser.add_argument_group("local run")
    local.add_argument("--local", action="store_true", help="run on this machine, not in AWS")
    local.add_argument("--local-image", metavar="DIR", help="model container folder for --local")
    local.add_argument("--no-serve", action="store_true", help="with --local: do not serve the model")
    local.add_argument("--workspace", metavar="DIR", help="with --local: where the run's files go")
    local.add_argument("--as-scheduled", action="store_true",
                       help="with --local: start as the training schedule would (its run input)")
    local.add_argument("--resume", metavar="RUN",
                       help="with --local: continue the failed run RUN (a run folder of the "
                            "workspace, or `last`) from its failed state, reusing what the states "
                            "before it produced")
    decision = local.add_mutually_exclusive_group()
    decision.add_argument("--approve", action="store_true",
                          help="with --local: approve the model a manual approval waits for")
    decision.add_argument("--reject", action="store_true",
                          help="with --local: reject it (the run ends \"Model rejected\")")
    local.add_argument("--reason", metavar="TEXT", default="",
                       help="with --approve/--reject: why (recorded on the model package)")


def run(args) -> int:
    if args.local and args.redrive:
        from ..deploy.faults import DeployError, handled

        def refuse(_):
            raise DeployError("--redrive resumes a run in AWS; it cannot be combined with --local",
                              "leave out --local (and give --stack-name)")
        return handled(refuse, args)
    if getattr(args, "resume", None) and not args.local:
        from ..errors import BlueprintError, Problem
        from ..local.resume import NOT_RESUMABLE

        raise BlueprintError([Problem(NOT_RESUMABLE, "--resume", "--resume continues a local "
                                      "run: add --local")])
    if args.local:
        from ..local import run_local
        return run_local(args)
    from ..deploy.faults import handled

    return handled(_run_in_aws, args)


def _run_in_aws(args) -> int:
    from ..deploy import executions
    from ..deploy import stack as stacks
    from ..deploy.apply import STATE_MACHINE, STATE_MACHINE_OUTPUT
    from ..deploy.command import compile_and_connect
    from ..deploy.faults import DeployError

    if not args.stack_name:
        raise DeployError("run needs --stack-name NAME (the stack deploy created), or --local to "
                          "run on this machine",
                          f"rerun as `python -m mlops_dsl run {args.blueprint} --stack-name NAME`, "
                          "or add --local")
    compiled, aws = compile_and_connect(args)
    cf = aws.client("cloudformation")
    stack = stacks.require_deployed(cf, args.stack_name)
    byo = compiled.pipeline.byo_image
    if byo is not None:
        from ..deploy.image import image_pushed

        repository = compiled.pipeline.names.ecr_repository
        if not image_pushed(aws.client("ecr"), repository, byo.tag):
            raise DeployError(f"the image {repository}:{byo.tag} is not in its repository yet, so "
                              "the run's tuning job would fail (\"Cannot find the requested image\")",
                              f"push it first: python -m mlops_dsl push-image {args.blueprint} "
                              f"--stack-name {args.stack_name}, then run again")
    arn = stacks.physical_id(cf, args.stack_name, STATE_MACHINE, output=STATE_MACHINE_OUTPUT,
                             stack=stack)
    sfn = aws.client("stepfunctions")
    if args.redrive:
        return _redrive(sfn, arn, args.redrive)
    execution = executions.start(sfn, arn)
    print(f"started {execution}")
    if not args.follow:
        print("follow it with --follow, or in the Step Functions console")
        return exit_codes.OK
    return _follow(sfn, execution)


def _redrive(sfn, state_machine: str, which: str) -> int:
    from ..deploy import executions, redrive

    execution = redrive.latest_unsuccessful(sfn, state_machine) if which == LATEST else which
    found = redrive.target(sfn, execution, state_machine)
    past = executions.read_past(sfn, execution)
    state = past.failed_state or past.current_state or "?"
    redrive.redrive(sfn, execution)
    redrive.wait_started(sfn, execution, found.redrive_count)
    times = f" (redrive {found.redrive_count + 1})" if found.redrive_count else ""
    print(f"redriving {execution}{times}: it ended {found.status} in state {state}"
          f"{f' ({past.error})' if past.error else ''}; it resumes from {state}, and the states "
          "that succeeded are not run again")
    return _follow(sfn, execution, past=past)


def _follow(sfn, execution: str, past=None) -> int:
    from ..deploy import executions
    from ..deploy.faults import Interrupted

    try:
        result = executions.follow(sfn, execution, past=past)
    except KeyboardInterrupt:
        raise Interrupted(
            "stopped following the run (Ctrl-C); the run itself goes on in AWS",
            f"follow it in the Step Functions console or with `aws stepfunctions describe-execution "
            f"--execution-arn {execution}`; to stop it: `aws stepfunctions stop-execution "
            f"--execution-arn {execution}`") from None
    if result.status == "SUCCEEDED":
        print("run SUCCEEDED")
        return exit_codes.OK
    print(f"run {result.status} in state {result.failed_state or '?'}")
    print(f"  error: {result.error or '(none reported)'}")
    print(f"  cause: {result.cause or '(none reported)'}")
    return exit_codes.FAILED

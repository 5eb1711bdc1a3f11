"""The embedded runner: ``python -m mlops_dsl run BLUEPRINT --local``.

Runs the compiled workflow (the same definition that would be deployed) in moto's embedded Step
Functions interpreter, with the stores in moto's in-process S3 and the heavy tasks run for real on
this machine. No AWS account, credentials or Docker. See docs/local.md.

Modules, one job each: ``adapter`` (routes Task states of moto's interpreter to local code),
``context`` (what every fake of a run shares; the ``Fake`` base, whose ``ROUTES`` are keyed by the
integrations of ``emit.tasks``), ``fake`` (the clock and ARNs), ``substitute`` (local stand-ins
for ``${...}``), ``stores`` (S3 <-> folders), ``glue`` (job and crawler), ``tuning`` +
``training`` (optuna and the ``train`` program), ``sagemaker`` + ``serving`` (models, transform,
endpoints), ``lambdas``, ``s3``, ``image`` (which program folder runs), ``environment`` +
``requirements`` (the container's requirements: met here, or a cached environment), ``pythons``
(which Python runs a program, what it imports), ``children`` (the programs' process groups;
stopped together), ``forkserver`` + ``forkclient`` (training jobs forked from a pre-loaded
server), ``signals`` (Ctrl-C, SIGTERM, SIGHUP), ``registry`` (model packages in the workspace),
``notifications`` (sns:publish, the run-status rule), ``approval`` (the manual approval's
decision), ``endpoints`` (which model serves which endpoint, across runs), ``rollout`` (the bake)
+ ``alarms`` (the template's alarms, describeAlarms), ``progress``, ``summary``, ``journal`` (what
a run records for a later ``--resume``), ``fingerprint`` (what each state depended on),
``resume`` (``--resume RUN``: which run, whether it may be resumed, where to start), ``runner``
(puts them together).
"""
from __future__ import annotations

from .. import exit_codes


def run_local(args) -> int:
    """Run ``args.blueprint`` locally. ``args``: blueprint, name, local_image, no_serve, workspace,
    resume (a failed run folder to continue, or ``last``: ``resume``), follow (progress is always shown). Returns 0 only when the workflow succeeded, 130 when
    Ctrl-C, SIGTERM or SIGHUP stopped it. A blueprint that cannot run locally raises
    ``BlueprintError`` (the CLI prints it and exits 2), as does a manual approval with neither
    ``--approve``/``--reject`` nor a terminal to ask on (MLD506). ``MLOPS_DSL_NO_FORK_SERVER=1`` in the
    environment starts every training job as a fresh interpreter instead of from the fork
    server."""
    import os
    import time

    from ..compiler import compile_file
    from .approval import Decision
    from .progress import Reporter
    from .runner import RunOptions, run_pipeline
    from .signals import StopSignals
    from .summary import render, write_record

    reporter = Reporter()
    with StopSignals() as signals:
        began = time.monotonic()
        compiled = compile_file(args.blueprint, name=getattr(args, "name", None))
        reporter.record("compile", time.monotonic() - began)
        decision = None
        if getattr(args, "approve", False) or getattr(args, "reject", False):
            decision = Decision(approve=bool(getattr(args, "approve", False)),
                                reason=getattr(args, "reason", "") or "")
        options = RunOptions(local_image=getattr(args, "local_image", None), decision=decision,
                             workspace=getattr(args, "workspace", None),
                             resume=getattr(args, "resume", None),
                             fork_server=os.environ.get("MLOPS_DSL_NO_FORK_SERVER", "") in ("", "0"),
                             scheduled=getattr(args, "as_scheduled", False))
        result = run_pipeline(compiled, options, reporter)
        with signals.shielded():
            write_record(result)
            _print(render(result))
        try:
            endpoints = result.sagemaker.endpoints if result.sagemaker else {}
            if endpoints and (getattr(args, "no_serve", False) or signals.received):
                _print("Endpoint stopped" + (" (--no-serve)." if not signals.received else "."))
            elif endpoints:
                signals.rearm()
                _serve_until_stopped(endpoints)
        finally:
            with signals.shielded():
                if result.sagemaker:
                    result.sagemaker.stop_endpoints()
    if result.status == "ABORTED":
        return exit_codes.INTERRUPTED
    return exit_codes.OK if result.succeeded else exit_codes.FAILED


def _print(text: str) -> None:
    """Print to stdout; a terminal closed by SIGHUP (EIO) or a closed pipe is not an error."""
    try:
        print(text, flush=True)
    except (OSError, ValueError):
        from .progress import silence_stdout

        silence_stdout()


def _serve_until_stopped(endpoints: dict) -> None:
    """Wait for Ctrl-C (SIGINT, SIGTERM or SIGHUP: ``signals.StopSignals``) or a server's exit."""
    import time

    _print("Serving until Ctrl-C ...")
    try:
        while all(s.process and s.process.poll() is None for s in endpoints.values()):
            time.sleep(0.5)
        _print("the endpoint server exited; see its serve.log")
    except KeyboardInterrupt:
        _print("stopping the endpoint")

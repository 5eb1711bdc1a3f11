"""The embedded runner: ``python -m mlops_dsl run BLUEPRINT --local``.

Runs the compiled workflow (the same definition that would be deployed) in moto's embedded Step
Functions interpreter, with the stores in moto's in-process S3 and the heavy tasks run for real on
this machine. No AWS account, credentials or Docker. See docs/local.md.

Modules, one job each: ``adapter`` (routes Task states of moto's interpreter to local code),
``context`` (what every fake of a run shares; the ``Fake`` base, whose ``ROUTES`` are keyed by the
integrations of ``emit.tasks``), ``fake`` (the clock and ARNs), ``substitute`` (local stand-ins
for ``${...}``), ``stores`` (S3 <-> folders), ``glue`` (job and crawler), ``tuning`` +
``training`` (optuna and the ``train`` program), ``sagemaker`` + ``serving`` (models, transform,
endpoints), ``lambdas``, ``s3``, ``image`` (which program folder runs), ``children``
(subprocesses, stopped on Ctrl-C), ``progress``, ``summary``, ``runner`` (puts them together).
"""
from __future__ import annotations

from .. import exit_codes


def run_local(args) -> int:
    """Run ``args.blueprint`` locally. ``args``: blueprint, name, local_image, no_serve, workspace,
    follow (progress is always shown). Returns 0 only when the workflow succeeded. A blueprint that
    cannot run locally raises ``BlueprintError`` (the CLI prints it and exits 2)."""
    import time

    from ..compiler import compile_file
    from .progress import Reporter
    from .runner import RunOptions, run_pipeline
    from .summary import render, write_record

    reporter = Reporter()
    began = time.monotonic()
    compiled = compile_file(args.blueprint, name=getattr(args, "name", None))
    reporter.record("compile", time.monotonic() - began)
    options = RunOptions(local_image=getattr(args, "local_image", None),
                         workspace=getattr(args, "workspace", None))
    result = run_pipeline(compiled, options, reporter)
    write_record(result)
    print(render(result), flush=True)
    try:
        if result.sagemaker and result.sagemaker.endpoints and getattr(args, "no_serve", False):
            print("Endpoint stopped (--no-serve).", flush=True)
        elif result.sagemaker and result.sagemaker.endpoints:
            _serve_until_stopped(result.sagemaker.endpoints)
    finally:
        if result.sagemaker:
            result.sagemaker.stop_endpoints()
    if result.status == "ABORTED":
        return exit_codes.INTERRUPTED
    return exit_codes.OK if result.succeeded else exit_codes.FAILED


def _serve_until_stopped(endpoints: dict) -> None:
    """Wait for Ctrl-C (or SIGTERM, or SIGINT even when inherited as ignored) or a server's exit."""
    import signal
    import time

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    print("Serving until Ctrl-C ...", flush=True)
    try:
        while all(s.process and s.process.poll() is None for s in endpoints.values()):
            time.sleep(0.5)
        print("the endpoint server exited; see its serve.log", flush=True)
    except KeyboardInterrupt:
        print("stopping the endpoint", flush=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

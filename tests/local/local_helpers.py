"""Helpers of the local runner's tests: the sample blueprints, made small, compiled and run."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from helpers import BLUEPRINTS, ROOT, sample  # noqa: F401 - re-exported for the local tests


def small(blueprint, max_jobs: int = 1, **tuning):
    """The blueprint with ``max_jobs`` training jobs (and other tuning overrides)."""
    return blueprint.with_(tuning=blueprint.tuning.with_(max_jobs=max_jobs,
                                                         max_parallel_jobs=1, **tuning))


def run(blueprint, workspace: Path, reporter, **options):
    """Compile and run locally; returns the RunResult (an endpoint server may be left running)."""
    from mlops_dsl.compiler import compile_blueprint
    from mlops_dsl.local.runner import RunOptions, run_pipeline

    compiled = compile_blueprint(blueprint)
    return run_pipeline(compiled, RunOptions(workspace=workspace, **options), reporter)


def csv_rows(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(Path(path).read_text())))


def alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie, killed but not yet reaped by whoever
    inherited it, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def wait_for_file(path: Path, seconds: float = 60, process=None) -> None:
    """Wait until ``path`` exists (a program's sign of life); fail at once if ``process`` (the
    one that should make it) ends first."""
    import time

    deadline = time.monotonic() + seconds
    while not Path(path).exists():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the process ended (status {process.returncode}) before "
                                 f"{path} appeared")
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not appear within {seconds}s")
        time.sleep(0.05)


def gone(pid: int, seconds: float = 5) -> bool:
    """Whether process ``pid`` has ended within ``seconds`` (a signal takes a moment to land)."""
    import time

    deadline = time.monotonic() + seconds
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True

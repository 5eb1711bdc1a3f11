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

"""Fixtures of the runtime tests (lambdas/, glue/, container/); helpers are in runtime_helpers."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from runtime_helpers import (
    JOB_LEVELS, MID_RANGE, MULTICLASS, REGRESSION, TRAIN, opt_ml_tree, relabel, run,
    sample_source, transform_args,
)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: runs programs or servers (seconds each)")


@pytest.fixture(scope="session")
def extracts(tmp_path_factory) -> Path:
    """The transform's output for the whole sample (run once per session)."""
    base = tmp_path_factory.mktemp("extracts")
    source = sample_source(base / "source")
    result = run(transform_args(source, base / "dest"))
    assert result.returncode == 0, result.stderr
    return base / "dest"


def _train(folder: Path, extracts: Path, hyperparameters: dict,
           relabelled: dict) -> tuple[Path, subprocess.CompletedProcess]:
    """Run `train` as a subprocess on the extracts, some columns relabelled (or dropped)."""
    opt_ml = opt_ml_tree(folder, extracts, hyperparameters)
    for column, mapping in relabelled.items():
        relabel(opt_ml, column, mapping)
    result = run([TRAIN], env={"OPT_ML": str(opt_ml)})
    assert result.returncode == 0, result.stderr
    return opt_ml, result


@pytest.fixture(scope="session")
def trained(tmp_path_factory, extracts) -> tuple[Path, subprocess.CompletedProcess]:
    """(OPT_ML, the finished train process) for mid-range hyperparameters (run once)."""
    return _train(tmp_path_factory.mktemp("opt_ml"), extracts, MID_RANGE, {})


@pytest.fixture(scope="session")
def trained_regression(tmp_path_factory, extracts) -> tuple[Path, subprocess.CompletedProcess]:
    """(OPT_ML, the finished train process) of a regression of MonthlyIncome (run once)."""
    return _train(tmp_path_factory.mktemp("opt_ml_regression"), extracts, REGRESSION,
                  {"Attrition": None})


@pytest.fixture(scope="session")
def trained_multiclass(tmp_path_factory, extracts) -> tuple[Path, subprocess.CompletedProcess]:
    """(OPT_ML, the finished train process) of five text classes of JobLevel (run once)."""
    return _train(tmp_path_factory.mktemp("opt_ml_multiclass"), extracts, MULTICLASS,
                  {"Attrition": None, "JobLevel": JOB_LEVELS})

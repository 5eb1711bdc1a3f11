"""Helpers of the `new` command's tests."""
from __future__ import annotations

from pathlib import Path

from mlops_dsl.cli import main

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
METRIC_PROGRAM = HERE / "metric_program"  # a stand-in image: prints a given metric line
PROBLEM_TYPES = ("binary", "multiclass", "regression")
REGION = "eu-west-1"  # not us-east-1: S3 wants a LocationConstraint there


def new(*args) -> int:
    """``python -m mlops_dsl new ...`` in this process; returns the exit status."""
    return main(["new", *map(str, args)])


def train_program():
    """The shipped container's ``train`` program, loaded as a module (it has no .py suffix)."""
    import importlib.machinery
    import importlib.util

    loader = importlib.machinery.SourceFileLoader("shipped_train", str(ROOT / "container" /
                                                                       "xgboost" / "train"))
    spec = importlib.util.spec_from_loader("shipped_train", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module

"""Helpers of the runtime tests: paths, loading code by path, running programs.

The code under lambdas/, glue/ and container/ is not a package (it is inlined in templates or
copied into an image), so tests load each file as a module of its own and run the programs as
subprocesses with this interpreter.
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from helpers import ROOT as REPO
from helpers import SAMPLE_DATA as SAMPLE

TRANSFORM = REPO / "glue" / "transform.py"
PROGRAM = REPO / "container" / "xgboost"
TRAIN = PROGRAM / "train"
SERVE = PROGRAM / "serve"
# the middle of the sample blueprint's ranges (see docs/runtime.md), as SageMaker writes them
MID_RANGE = {"gamma": "2.5", "min_child_weight": "5.5", "subsample": "0.75",
             "max_delta_step": "5", "scale_pos_weight": "2", "max_depth": "4",
             "kfold_splits": "5", "_tuning_objective_metric": "roc_auc"}
# The other problem types, on the same transformed sample without Attrition (the scoring data has
# no such column): MonthlyIncome as a regression target, and JobLevel (1-5, renamed to text
# labels) as five classes.
REGRESSION = {"problem_type": "regression", "label": "MonthlyIncome", "num_round": "50",
              "kfold_splits": "3", "max_depth": "4", "_tuning_objective_metric": "rmse"}
MULTICLASS = {"problem_type": "multiclass", "label": "JobLevel", "num_round": "30",
              "kfold_splits": "3", "max_depth": "3", "_tuning_objective_metric": "f1_macro"}
JOB_LEVELS = {1: "entry", 2: "junior", 3: "senior", 4: "lead", 5: "executive"}


def load(path: Path, name: str | None = None):
    """Import a source file (with or without .py) as a fresh module."""
    name = name or path.stem.replace("-", "_")
    loader = importlib.machinery.SourceFileLoader(name, str(path))
    spec = importlib.util.spec_from_loader(name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def run(args: list, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run a program with this interpreter; output captured as text."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True,
                          env=full_env, timeout=timeout, check=False)


def sample_source(folder: Path, score_rows: int | None = None) -> Path:
    """A feature-store folder holding the sample as data/train/train.csv, data/score/score.csv."""
    (folder / "data" / "train").mkdir(parents=True)
    (folder / "data" / "score").mkdir(parents=True)
    shutil.copyfile(SAMPLE / "train.csv", folder / "data" / "train" / "train.csv")
    score = (SAMPLE / "score.csv").read_text(encoding="utf-8-sig").splitlines(keepends=True)
    if score_rows is not None:
        score = score[: score_rows + 1]
    (folder / "data" / "score" / "score.csv").write_text("".join(score), encoding="utf-8")
    return folder


def transform_args(source: Path | str, dest: Path | str, kind: str = "batch") -> list[str]:
    args = [TRANSFORM, "--S3_SOURCE", source, "--S3_DEST", dest,
            "--TRAIN_KEY", "data/train/train.csv", "--INFERENCE_TYPE", kind]
    if kind == "batch":
        args += ["--SCORE_KEY", "data/score/score.csv"]
    return [str(a) for a in args]


def opt_ml_tree(folder: Path, extracts: Path, hyperparameters: dict | None) -> Path:
    """A SageMaker /opt/ml tree with the transformed training data in the train channel."""
    channel = folder / "input" / "data" / "train"
    channel.mkdir(parents=True)
    shutil.copyfile(extracts / "train" / "train.csv", channel / "train.csv")
    config = folder / "input" / "config"
    config.mkdir(parents=True)
    if hyperparameters is not None:
        (config / "hyperparameters.json").write_text(json.dumps(hyperparameters))
    return folder


def relabel(opt_ml: Path, column: str, mapping: dict | None) -> None:
    """Rewrite one column of the train channel's CSV through ``mapping`` (e.g. codes to text),
    or drop it (``None``)."""
    import pandas as pd

    path = opt_ml / "input" / "data" / "train" / "train.csv"
    frame = pd.read_csv(path)
    if mapping is None:
        frame = frame.drop(columns=[column])
    else:
        frame[column] = frame[column].map(mapping)
        assert not frame[column].isna().any(), f"{column}: a value has no mapping"
    frame.to_csv(path, index=False)

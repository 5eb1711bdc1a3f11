"""container/xgboost/train on a temporary OPT_ML tree built from the transformed sample."""
from __future__ import annotations

import json
import os
import re

import pytest
import xgboost as xgb

from runtime_helpers import MID_RANGE, TRAIN, load, opt_ml_tree, run

METRIC_NAMES = ("roc_auc", "accuracy", "precision", "recall", "f1")
train_program = load(TRAIN, "train_program")


def metric(log: str, name: str) -> float:
    """The value SageMaker's metric definition `<name>: ([0-9\\.]+)` extracts (last match)."""
    values = re.findall(rf"{name}: ([0-9\.]+)", log)
    assert values, f"no {name} line"
    return float(values[-1])


def test_program_is_an_executable_script():
    assert os.access(TRAIN, os.X_OK)
    assert TRAIN.read_text().startswith("#!/usr/bin/env python3\n")


@pytest.mark.slow
def test_metric_lines_model_and_schema(trained):
    opt_ml, result = trained
    for name in METRIC_NAMES:
        lines = re.findall(rf"^{name}: (.*)$", result.stdout, re.M)
        assert len(lines) == 1, name
        assert re.fullmatch(r"[0-9]+\.[0-9]{6}", lines[0]), lines[0]  # no nan, no 1e-05
        assert 0.0 <= metric(result.stdout, name) <= 1.0
    assert "nan" not in result.stdout.lower()
    assert metric(result.stdout, "roc_auc") >= 0.82  # the quality bar of the sample
    assert metric(result.stdout, "accuracy") > 0.839  # better than always answering "No"
    model = opt_ml / "model"
    schema = json.loads((model / "schema.json").read_text())
    assert schema["row_id"] == "EmployeeNumber" and schema["label"] == "Attrition"
    # the features are the training channel's columns after the id and the label, in order
    channel = (opt_ml / "input" / "data" / "train" / "train.csv").read_text().splitlines()[0]
    assert schema["features"] == channel.split(",")[2:]
    assert schema["cv_metrics"]["roc_auc"] == pytest.approx(metric(result.stdout, "roc_auc"))
    booster = xgb.Booster()
    booster.load_model(model / "xgboost-model.json")
    assert json.loads((model / "xgboost-model.json").read_text())["learner"]
    assert booster.num_features() == len(schema["features"])
    assert not (opt_ml / "output" / "failure").exists()


@pytest.mark.slow
def test_training_is_reproducible(tmp_path, extracts, trained, monkeypatch):
    opt_ml = opt_ml_tree(tmp_path, extracts, MID_RANGE)
    monkeypatch.setenv("OPT_ML", str(opt_ml))
    assert train_program.main() == 0
    first = json.loads((trained[0] / "model" / "schema.json").read_text())["cv_metrics"]
    again = json.loads((opt_ml / "model" / "schema.json").read_text())["cv_metrics"]
    assert first == again


def test_label_hyperparameter_names_the_label(tmp_path, extracts, monkeypatch, capsys):
    hp = {**MID_RANGE, "label": "OverTime", "num_round": "10", "kfold_splits": "3"}
    opt_ml = opt_ml_tree(tmp_path, extracts, hp)
    monkeypatch.setenv("OPT_ML", str(opt_ml))
    assert train_program.main() == 0, capsys.readouterr().err
    schema = json.loads((opt_ml / "model" / "schema.json").read_text())
    assert schema["label"] == "OverTime"
    assert "Attrition" in schema["features"] and "OverTime" not in schema["features"]


def _break_channel(opt_ml, how):
    channel = opt_ml / "input" / "data" / "train"
    data = channel / "train.csv"
    if how == "no channel":
        data.unlink()
        channel.rmdir()
    elif how == "empty channel":
        data.unlink()
    elif how == "empty file":
        data.write_text("")
    elif how == "header only":
        data.write_text(data.read_text().splitlines()[0] + "\n")
    elif how == "non-CSV file":
        (channel / "manifest.json").write_text("{}")
    elif how == "text label":
        lines = data.read_text().splitlines()
        lines[1] = re.sub(r"^(\d+),1,", r"\1,Yes,", lines[1])
        data.write_text("\n".join(lines) + "\n")
    elif how == "text feature":
        lines = data.read_text().splitlines()
        lines[1] = re.sub(r"^(\d+),(\d),(\d+),", r"\1,\2,forty,", lines[1])
        data.write_text("\n".join(lines) + "\n")
    elif how == "other columns":
        (channel / "more.csv").write_text("EmployeeNumber,Attrition,Age\n9999,0,30\n")


@pytest.mark.parametrize("how, reason", [
    ("no channel", "channel 'train' is missing: no folder"),
    ("empty channel", "channel 'train' is empty: no CSV file in"),
    ("empty file", "channel 'train': train.csv is empty"),
    ("header only", "channel 'train' has no data rows"),
    ("non-CSV file", "channel 'train' holds non-CSV file(s): manifest.json"),
    ("text label", "label column 'Attrition' must hold 0 or 1, found 0, 1, Yes"),
    ("text feature", "feature column(s) not numeric: Age"),
    ("other columns", "channel 'train': train.csv has columns different from more.csv"),
])
def test_data_failures(tmp_path, extracts, monkeypatch, capsys, how, reason):
    opt_ml = opt_ml_tree(tmp_path, extracts, MID_RANGE)
    _break_channel(opt_ml, how)
    monkeypatch.setenv("OPT_ML", str(opt_ml))
    assert train_program.main() == 1
    assert reason in (opt_ml / "output" / "failure").read_text()
    assert reason in capsys.readouterr().err
    assert not (opt_ml / "model").exists()


@pytest.mark.parametrize("change, reason", [
    (None, "hyperparameters file {config}/hyperparameters.json is missing"),
    ({"label": "Churn"}, "label column 'Churn' is missing from the training data"),
    ({"subsample": "0"}, "hyperparameter subsample: '0' is out of range (0.0, 1.0]"),
    ({"subsample": "1.5"}, "hyperparameter subsample: '1.5' is out of range (0.0, 1.0]"),
    ({"gamma": "-1"}, "hyperparameter gamma: '-1' is out of range [0.0, inf]"),
    ({"max_depth": "0"}, "hyperparameter max_depth: '0' is out of range [1, 32]"),
    ({"max_depth": "2.5"}, "hyperparameter max_depth: '2.5' is not an integer"),
    ({"eta": "fast"}, "hyperparameter eta: 'fast' is not a number"),
    ({"eta": "nan"}, "hyperparameter eta: 'nan' is not a number"),
    ({"num_round": True}, "hyperparameter num_round: True is not an integer"),
    ({"kfold_splits": "1"}, "hyperparameter kfold_splits: '1' is out of range [2, 20]"),
    ({"silent": "1"}, "unknown hyperparameter(s) silent; known: alpha, colsample_bytree"),
])
def test_hyperparameter_failures(tmp_path, extracts, monkeypatch, change, reason):
    hp = None if change is None else {**MID_RANGE, "num_round": "5", **change}
    opt_ml = opt_ml_tree(tmp_path, extracts, hp)
    monkeypatch.setenv("OPT_ML", str(opt_ml))
    assert train_program.main() == 1
    expected = reason.format(config=opt_ml / "input" / "config")
    assert expected in (opt_ml / "output" / "failure").read_text()


def test_rare_class_smaller_than_the_folds(tmp_path, extracts, monkeypatch):
    hp = {**MID_RANGE, "num_round": "5", "label": "JobRole_Human_Resources", "kfold_splits": "20"}
    opt_ml = opt_ml_tree(tmp_path, extracts, hp)
    with open(opt_ml / "input" / "data" / "train" / "train.csv") as handle:
        header = handle.readline().strip().split(",")
    column = header.index("JobRole_Human_Resources")
    path = opt_ml / "input" / "data" / "train" / "train.csv"
    lines = path.read_text().splitlines()
    kept = [lines[0]]
    positives = 0
    for line in lines[1:]:  # keep 10 rows of the positive class
        if line.split(",")[column] == "1":
            positives += 1
            if positives > 10:
                continue
        kept.append(line)
    path.write_text("\n".join(kept) + "\n")
    monkeypatch.setenv("OPT_ML", str(opt_ml))
    assert train_program.main() == 1
    assert "kfold_splits 20 exceeds the 10 rows of the rarest class" in (
        opt_ml / "output" / "failure").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("how, reason", [
    ("empty channel", "channel 'train' is empty"),
    ("text label", "label column 'Attrition' must hold 0 or 1"),
])
def test_failure_exit_status_as_a_subprocess(tmp_path, extracts, how, reason):
    opt_ml = opt_ml_tree(tmp_path, extracts, MID_RANGE)
    _break_channel(opt_ml, how)
    result = run([TRAIN], env={"OPT_ML": str(opt_ml)})
    assert result.returncode == 1
    assert reason in (opt_ml / "output" / "failure").read_text()
    assert "training failed: " + reason in result.stderr

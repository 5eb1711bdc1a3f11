"""container/xgboost/train on a temporary OPT_ML tree built from the transformed sample: the
binary classifier of the sample, a regression and a multiclass classifier of other columns."""
from __future__ import annotations

import json
import os
import re

import pytest
import xgboost as xgb
from hypothesis import given
from hypothesis import strategies as st

from runtime_helpers import (JOB_LEVELS, MID_RANGE, REGRESSION, REPO, TRAIN, load,
                             opt_ml_tree, relabel, run)

METRIC_NAMES = ("roc_auc", "accuracy", "precision", "recall", "f1")
train_program = load(TRAIN, "train_program")
# a metric line's value: fixed-point, a sign for negatives, at least 6 decimals, no exponent
METRIC_VALUE = r"-?[0-9]+\.[0-9]{6,}"


def metric(log: str, name: str) -> float:
    """The value of the metric line ``<name>: <value>`` (the last one, as SageMaker reads it)."""
    values = re.findall(rf"^{re.escape(name)}: ({METRIC_VALUE})$", log, re.M)
    assert values, f"no {name} line"
    return float(values[-1])


def metric_lines(log: str) -> dict[str, str]:
    """Every ``name: value`` line of the log, checked to appear once each."""
    lines = re.findall(r"^([a-z0-9_]+): (\S+)$", log, re.M)
    names = [name for name, _ in lines]
    assert len(names) == len(set(names)), names
    return dict(lines)


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
    assert schema["problem_type"] == "binary" and schema["classes"] == [0, 1]
    assert set(metric_lines(result.stdout)) == set(train_program.METRICS["binary"])
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
    ("text label", "label column 'Attrition' has 3 classes (0, 1, Yes); problem_type binary "
                   "needs exactly 2 (use problem_type multiclass)"),
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
    ({"silent": "1"}, "unknown hyperparameter(s) silent; known: alpha, booster, colsample_bytree"),
    ({"booster": "gblinear"}, "hyperparameter booster: 'gblinear' is not one of gbtree, dart"),
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
    ("text label", "label column 'Attrition' has 3 classes"),
])
def test_failure_exit_status_as_a_subprocess(tmp_path, extracts, how, reason):
    opt_ml = opt_ml_tree(tmp_path, extracts, MID_RANGE)
    _break_channel(opt_ml, how)
    result = run([TRAIN], env={"OPT_ML": str(opt_ml)})
    assert result.returncode == 1
    assert reason in (opt_ml / "output" / "failure").read_text()
    assert "training failed: " + reason in result.stderr


# ---------------------------------------------------------------------------------------------
# the other problem types

def _label_stats(opt_ml, column):
    import pandas as pd

    return pd.read_csv(opt_ml / "input" / "data" / "train" / "train.csv")[column]


@pytest.mark.slow
def test_regression_metrics_model_and_schema(trained_regression):
    opt_ml, result = trained_regression
    lines = metric_lines(result.stdout)
    assert list(lines) == list(train_program.METRICS["regression"]) == ["rmse", "mae", "r2"]
    for value in lines.values():
        assert re.fullmatch(METRIC_VALUE, value), value
    label = _label_stats(opt_ml, "MonthlyIncome")
    rmse, mae, r2 = (metric(result.stdout, name) for name in ("rmse", "mae", "r2"))
    assert 0 < mae <= rmse < label.std()  # better than predicting the mean
    assert r2 > 0.8  # JobLevel and TotalWorkingYears explain most of MonthlyIncome
    schema = json.loads((opt_ml / "model" / "schema.json").read_text())
    assert schema["problem_type"] == "regression" and schema["label"] == "MonthlyIncome"
    assert "classes" not in schema and "threshold" not in schema
    assert "MonthlyIncome" not in schema["features"] and len(schema["features"]) == 47
    assert "scale_pos_weight" not in schema["hyperparameters"]
    booster = xgb.Booster()
    booster.load_model(opt_ml / "model" / "xgboost-model.json")
    config = json.loads(booster.save_config())
    assert config["learner"]["objective"]["name"] == "reg:squarederror"
    assert "warning" not in result.stderr


@pytest.mark.slow
def test_multiclass_metrics_model_and_schema(trained_multiclass):
    opt_ml, result = trained_multiclass
    lines = metric_lines(result.stdout)
    assert list(lines) == list(train_program.METRICS["multiclass"])
    label = _label_stats(opt_ml, "JobLevel")
    majority = label.value_counts(normalize=True).max()
    accuracy = metric(result.stdout, "accuracy")
    assert accuracy > majority + 0.2  # MonthlyIncome nearly gives the level away
    assert metric(result.stdout, "error") == pytest.approx(1 - accuracy, abs=2e-6)
    assert 0 < metric(result.stdout, "f1_macro") <= 1
    assert 0 < metric(result.stdout, "log_loss") < 1.0
    schema = json.loads((opt_ml / "model" / "schema.json").read_text())
    assert schema["problem_type"] == "multiclass"
    assert schema["classes"] == sorted(JOB_LEVELS.values())  # text labels, in code order
    booster = xgb.Booster()
    booster.load_model(opt_ml / "model" / "xgboost-model.json")
    config = json.loads(booster.save_config())
    assert config["learner"]["objective"]["name"] == "multi:softprob"
    assert config["learner"]["learner_model_param"]["num_class"] == str(len(JOB_LEVELS))
    assert "training data: 1470 rows, 47 features, 5 classes" in result.stdout


def test_text_labels_give_the_numeric_labels_model(tmp_path, extracts, monkeypatch):
    """No/Yes instead of 0/1: Yes sorts second, so it is the positive class, and the CV is the
    same to the digit."""
    hp = {**MID_RANGE, "num_round": "20", "kfold_splits": "3"}
    numeric = opt_ml_tree(tmp_path / "numeric", extracts, hp)
    text = opt_ml_tree(tmp_path / "text", extracts, hp)
    relabel(text, "Attrition", {0: "No", 1: "Yes"})
    results = []
    for opt_ml in (numeric, text):
        monkeypatch.setenv("OPT_ML", str(opt_ml))
        assert train_program.main() == 0
        results.append(json.loads((opt_ml / "model" / "schema.json").read_text()))
    assert results[0]["cv_metrics"] == results[1]["cv_metrics"]
    assert results[1]["classes"] == ["No", "Yes"]


def test_true_false_labels_are_text_classes(tmp_path, extracts, monkeypatch):
    """pandas reads True/False as booleans: they stay the classes "False" and "True"."""
    opt_ml = opt_ml_tree(tmp_path, extracts, {**MID_RANGE, "num_round": "5", "kfold_splits": "3",
                                              "positive_class": "True"})
    relabel(opt_ml, "Attrition", {0: False, 1: True})
    monkeypatch.setenv("OPT_ML", str(opt_ml))
    assert train_program.main() == 0
    schema = json.loads((opt_ml / "model" / "schema.json").read_text())
    assert schema["classes"] == ["False", "True"]


def test_positive_class_names_the_class_of_probability(tmp_path, extracts, monkeypatch):
    hp = {**MID_RANGE, "num_round": "10", "kfold_splits": "3", "positive_class": "No"}
    opt_ml = opt_ml_tree(tmp_path, extracts, hp)
    relabel(opt_ml, "Attrition", {0: "No", 1: "Yes"})
    monkeypatch.setenv("OPT_ML", str(opt_ml))
    assert train_program.main() == 0
    schema = json.loads((opt_ml / "model" / "schema.json").read_text())
    assert schema["classes"] == ["Yes", "No"]
    assert schema["cv_metrics"]["recall"] > 0.9  # "No" is 84% of the rows


@pytest.mark.parametrize("change, relabelled, reason", [
    ({"problem_type": "ranking"}, None,
     "hyperparameter problem_type: 'ranking' is not one of binary, multiclass, regression"),
    ({"problem_type": "regression", "scale_pos_weight": "2"}, None,
     "hyperparameter(s) scale_pos_weight apply to problem_type binary only, not regression"),
    ({"problem_type": "multiclass", "positive_class": "1"}, None,
     "hyperparameter(s) positive_class apply to problem_type binary only, not multiclass"),
    ({"positive_class": "Maybe"}, {0: "No", 1: "Yes"},
     "hyperparameter positive_class: 'Maybe' is not a class of label column 'Attrition' (No, Yes)"),
    ({"problem_type": "regression"}, {0: "No", 1: "Yes"},
     "label column 'Attrition' must hold numbers for problem_type regression, found No, Yes"),
    ({"problem_type": "multiclass"}, {0: 0.5, 1: 1.5},
     "label column 'Attrition' must hold class labels (text or whole numbers) for problem_type "
     "multiclass; use problem_type regression"),
    ({"problem_type": "multiclass", "label": " "}, None,
     "hyperparameter label: ' ' is not a column name"),
])
def test_problem_type_failures(tmp_path, extracts, monkeypatch, change, relabelled, reason):
    binary_only = {"scale_pos_weight"}  # MID_RANGE tunes it; only some cases give it
    hp = {**{k: v for k, v in MID_RANGE.items() if k not in binary_only}, "num_round": "5",
          **change}
    opt_ml = opt_ml_tree(tmp_path, extracts, hp)
    if relabelled:
        relabel(opt_ml, "Attrition", relabelled)
    monkeypatch.setenv("OPT_ML", str(opt_ml))
    assert train_program.main() == 1
    assert reason in (opt_ml / "output" / "failure").read_text()


def test_an_objective_the_program_does_not_print_is_a_warning(tmp_path, extracts, monkeypatch,
                                                               capsys):
    hp = {**REGRESSION, "num_round": "5", "_tuning_objective_metric": "roc_auc"}
    opt_ml = opt_ml_tree(tmp_path, extracts, hp)
    monkeypatch.setenv("OPT_ML", str(opt_ml))
    assert train_program.main() == 0  # a custom metric regex may still find it
    assert ("warning: the tuning objective 'roc_auc' is not a metric this program prints for "
            "problem_type regression (rmse, mae, r2)") in capsys.readouterr().err


def test_regression_needs_as_many_rows_as_folds(tmp_path, extracts, monkeypatch):
    opt_ml = opt_ml_tree(tmp_path, extracts, {**REGRESSION, "kfold_splits": "5"})
    path = opt_ml / "input" / "data" / "train" / "train.csv"
    path.write_text("\n".join(path.read_text().splitlines()[:4]) + "\n")
    monkeypatch.setenv("OPT_ML", str(opt_ml))
    assert train_program.main() == 1
    assert "kfold_splits 5 exceeds the 3 rows of the data" in (
        opt_ml / "output" / "failure").read_text()


@pytest.mark.parametrize("value, text", [
    (0.825967, "0.825967"), (1050.0224513, "1050.022451"), (0.000123456789, "0.000123457"),
    (-0.25, "-0.250000"), (0.0, "0.000000"), (-1234567.5, "-1234567.500000"),
])
def test_metric_text_examples(value, text):
    assert train_program.metric_text(value) == text


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False)
       .filter(lambda v: v == 0 or abs(v) >= 1e-12))
def test_metric_text_keeps_six_significant_digits_without_an_exponent(value):
    text = train_program.metric_text(value)
    assert re.fullmatch(METRIC_VALUE, text), text
    assert float(text) == pytest.approx(value, rel=1e-5, abs=1e-300)


def _documented_blueprints() -> list[tuple[str, object]]:
    """The first blueprint of the first Python example of docs/dsl.md and of the README's tour."""
    found = []
    for doc in ("docs/dsl.md", "README.md"):
        text = (REPO / doc).read_text(encoding="utf-8")
        code = re.search(r"```python\n(from mlops_dsl import \*\n.*?)```", text, re.S).group(1)
        space: dict = {}
        exec(compile(code, doc, "exec"), space)  # noqa: S102 - our own documentation
        found.append((doc, next(value for value in space.values()
                                if type(value).__name__ == "Blueprint")))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("doc, blueprint", _documented_blueprints(),
                         ids=lambda value: value if isinstance(value, str) else "")
def test_the_documented_examples_hyperparameters_train_and_serve(tmp_path, extracts, doc,
                                                                 blueprint):
    """Every value the docs' example tunes is one the shipped container trains and serves with."""
    tuning = blueprint.tuning
    fixed = {name: str((r.min + r.max) / 2 if type(r).__name__ == "Continuous" else r.min)
             for r in tuning.ranges if type(r).__name__ != "Categorical"
             for name in (r.name,)}
    choices = [(r.name, v) for r in tuning.ranges if type(r).__name__ == "Categorical"
               for v in r.values]
    assert choices, f"{doc}'s example tunes no categorical hyperparameter"
    predictor = load(TRAIN.parent / "predictor.py", "xgb_predictor_docs")
    score = (extracts / "score" / "score.csv").read_bytes()
    for name, value in choices:
        hp = {**dict(tuning.static_hyperparameters), **fixed, name: value, "num_round": "5"}
        opt_ml = opt_ml_tree(tmp_path / f"{name}-{value}", extracts, hp)
        result = run([TRAIN], env={"OPT_ML": str(opt_ml)})
        assert result.returncode == 0, f"{doc}: {name}={value}: {result.stderr}"
        assert metric(result.stdout, tuning.objective.metric) > 0.5
        os.environ["OPT_ML"] = str(opt_ml)
        try:
            predictor._model = None
            answer = predictor.app.test_client().post("/invocations", data=score,
                                                      content_type="text/csv")
        finally:
            del os.environ["OPT_ML"]
        assert answer.status_code == 200, f"{doc}: {name}={value}: {answer.text}"

"""Each problem type's project, as `new` wrote it, validates and runs with `run --local` in
eu-west-1: Glue script, two training jobs of the shipped container, the gate, batch transform."""
from __future__ import annotations

import csv
import json

import pytest
from scaffold_helpers import PROBLEM_TYPES, REGION

from mlops_dsl.cli import main
from mlops_dsl.scaffold import data
from mlops_dsl.scaffold.problems import PROBLEM_TYPES as KINDS


def _csv(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _answer_columns(problem: str, classes: list[str]) -> list[str]:
    """The columns the container's predictor answers with, before the SHAP columns."""
    if problem == "binary":
        return ["probability"]
    if problem == "regression":
        return ["prediction"]
    return ["prediction", *(f"probability_{c}" for c in classes)]


@pytest.mark.slow
@pytest.mark.parametrize("problem", PROBLEM_TYPES)
def test_a_new_project_runs_locally_as_generated(projects, problem, tmp_path, capsys):
    blueprint = projects[problem] / "blueprint.py"
    assert main(["validate", str(blueprint)]) == 0
    assert main(["run", str(blueprint), "--local", "--workspace", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    (run_dir,) = tmp_path.iterdir()
    record = json.loads((run_dir / "run.json").read_text())
    assert record["status"] == "SUCCEEDED"
    kind = KINDS[problem]
    (best,) = record["best_metrics"].values()
    assert best > kind.threshold
    assert f"gate {kind.metric} {kind.operator} {kind.threshold:g}: best {kind.metric} " in out
    workflow = (run_dir / "statemachine.asl.json").read_text()
    assert f"arn:aws:states:{REGION}:" in workflow or f":{REGION}:" in workflow

    # the Glue script's extracts: the row id, the label as given, one-hot categories
    extracts = _csv(run_dir / "extracts" / "train" / "train.csv")
    label = data.LABELS[problem]
    features = [*data.NUMERIC, *(f"{c}_{level}" for c, levels in data.CATEGORICAL.items()
                                 for level in levels)]
    assert list(extracts[0]) == [data.ROW_ID, label, *features]
    assert len(extracts) == data.TRAIN_ROWS

    # the training jobs trained this problem type
    jobs = sorted((run_dir / "work" / "tuning").glob("*/jobs/*"))
    assert len(jobs) == 2
    schema = json.loads((jobs[0] / "model" / "schema.json").read_text())
    assert schema["problem_type"] == problem and schema["label"] == label

    # the batch transform's answer, one row per customer of score.csv
    (predictions,) = (run_dir / "output" / "predictions").glob("*/out.csv")
    answer = _csv(predictions)
    assert len(answer) == data.SCORE_ROWS
    classes = schema.get("classes") or []
    assert list(answer[0]) == [data.ROW_ID, *_answer_columns(problem, classes),
                               *(f"shap_{f}" for f in features)]
    if problem == "multiclass":
        assert {row["prediction"] for row in answer} <= set(data.SEGMENTS)
    elif problem == "binary":
        assert all(0 <= float(row["probability"]) <= 1 for row in answer)

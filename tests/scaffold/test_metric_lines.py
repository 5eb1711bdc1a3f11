"""A container's metric lines are read as it prints them, and the gate tests every bound.

The stand-in program in metric_program/ prints its `metric_line` hyperparameter (one line or
several) and serves a constant answer; it stands in for the image of a project made by `new`
(``--local-image``). The compiled MetricDefinitions regexes decide what the tuning job reads: a
value in scientific notation or a negative one (which the seed's regex misread), extra
metrics; the compiled Choice decides whether a two-sided gate deploys.
"""
from __future__ import annotations

import json
import re

import pytest
from helpers import ROOT
from scaffold_helpers import METRIC_PROGRAM

from mlops_dsl import Tuning, maximize, metric
from mlops_dsl.compiler import compile_blueprint
from mlops_dsl.loader import load_blueprint
from mlops_dsl.local.runner import RunOptions, run_pipeline
from mlops_dsl.local.summary import record, render


def _run(project, tmp_path, progress, metric_line: str, objective: str, gate, *more_lines,
         **tuning):
    _, blueprint = load_blueprint(project / "blueprint.py")
    lines = {"metric_line": metric_line,
             **{f"metric_line_{n}": line for n, line in enumerate(more_lines, start=2)}}
    blueprint = blueprint.with_(
        tuning=Tuning(objective=maximize(objective), ranges=blueprint.tuning.ranges,
                      static_hyperparameters=lines, max_jobs=1, **tuning),
        gate=gate)
    compiled = compile_blueprint(blueprint)
    return run_pipeline(compiled, RunOptions(local_image=str(METRIC_PROGRAM),
                                             workspace=tmp_path), progress)


def _best(result) -> float | None:
    (job,) = result.jobs.values()
    return job.metrics.get(result.pipeline.tuning.objective_metric)


@pytest.mark.slow
def test_a_metric_in_scientific_notation(projects, tmp_path, progress):
    """0.85 printed as 8.5e-01 must not pass a gate of 0.9 (the seed's regex reads 8.5)."""
    result = _run(projects["binary"], tmp_path, progress, "roc_auc: 8.5e-01", "roc_auc",
                  metric("roc_auc") > 0.9)
    assert _best(result) == pytest.approx(0.85)
    assert result.status == "FAILED" and result.error == "MetricBelowThreshold"


@pytest.mark.slow
def test_a_negative_objective(projects, tmp_path, progress):
    """A negative objective is a value like any other (the seed's regex finds none)."""
    result = _run(projects["binary"], tmp_path, progress, "neg_rmse: -0.125", "neg_rmse",
                  metric("neg_rmse") > -0.5)
    assert _best(result) == pytest.approx(-0.125)
    assert result.succeeded, (result.error, result.cause)
    assert result.sagemaker.transforms  # the gate passed and the model scored the data


BAND = 0.9 < metric("roc_auc") < 0.999  # a two-sided gate, kept whole


@pytest.mark.slow
def test_a_two_sided_gate_passes_and_extra_metrics_are_recorded(projects, tmp_path, progress):
    """A value inside the band deploys; the extra metrics are read, logged and summarised."""
    result = _run(projects["binary"], tmp_path, progress, "roc_auc: 0.95", "roc_auc", BAND,
                  "accuracy: 8e-01", extra_metrics=("accuracy", "f1"))
    assert result.succeeded, (result.error, result.cause)
    assert result.sagemaker.transforms  # the gate passed and the model scored the data
    (job,) = result.jobs.values()
    assert job.metrics == {"roc_auc": 0.95, "accuracy": 0.8}  # f1 was not printed
    assert "roc_auc 0.95 > 0.9 and < 0.999? passed -> Create model" in progress.stream.getvalue()
    text = render(result)
    assert f"Best training job: {job.name} (roc_auc 0.95, accuracy 0.8)" in text
    assert "gate 0.9 < roc_auc < 0.999: best roc_auc 0.95 passes" in text
    assert "not in its log: f1 " in text
    recorded = record(result)  # what run --local writes to run.json
    assert recorded["best_metrics"] == {"roc_auc": 0.95, "accuracy": 0.8}
    assert recorded["metrics_not_found"] == ["f1"]
    # the run metadata the workflow logs holds the best job's every metric
    (logged,) = (result.run_dir / "metadata").rglob("*.json")
    final = json.loads(logged.read_text())["BestModel"]["FinalMetrics"]
    assert {m["MetricName"]: m["Value"] for m in final} == {"roc_auc": 0.95, "accuracy": 0.8}
    # docs/local.md says so: the extra metrics are read locally, and every run.json key is named
    doc = (ROOT / "docs" / "local.md").read_text(encoding="utf-8")
    reading = re.search(r"^Each job's metrics are read .*?\n\n", doc, re.S | re.M)
    assert reading and "extra_metrics" in reading.group(0), "docs/local.md: how metrics are read"
    row = re.search(r"^\| `run.json` \|.*$", doc, re.M).group(0)
    assert [key for key in recorded if f"`{key}`" not in row] == []


@pytest.mark.slow
def test_the_upper_bound_of_a_two_sided_gate_fails_it(projects, tmp_path, progress):
    """Above the band is a failed gate: the bound Python alone would have dropped is tested."""
    result = _run(projects["binary"], tmp_path, progress, "roc_auc: 9.995e-01", "roc_auc", BAND)
    assert _best(result) == pytest.approx(0.9995)
    assert (result.status, result.error) == ("FAILED", "MetricBelowThreshold")
    assert result.failed_state == "Metric below threshold"
    assert ("did not pass the deployment gate 0.9 < roc_auc < 0.999 (NumericGreaterThan 0.9 and "
            "NumericLessThan 0.999)") in result.cause
    assert ("roc_auc 0.9995 > 0.9 and < 0.999? failed (not < 0.999) -> Metric below threshold"
            in progress.stream.getvalue())
    assert "gate 0.9 < roc_auc < 0.999: best roc_auc 0.9995 does not pass (not < 0.999)" \
        in render(result)
    assert not result.sagemaker.transforms


def test_the_stand_in_program_prints_what_it_is_given(tmp_path):
    """The runs above fail for the regex alone: the program prints the line as given."""
    import json
    import os
    import subprocess
    import sys

    (tmp_path / "input" / "config").mkdir(parents=True)
    (tmp_path / "input" / "config" / "hyperparameters.json").write_text(
        json.dumps({"metric_line": "roc_auc: 8.5e-01"}))
    result = subprocess.run([sys.executable, str(METRIC_PROGRAM / "train")], text=True,
                            capture_output=True, env={**os.environ, "OPT_ML": str(tmp_path)},
                            check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "roc_auc: 8.5e-01\n" in result.stdout
    assert (tmp_path / "model" / "model.txt").is_file()

"""Local runs with a drift check (issue 14): drifted scoring data fails the run naming the drifted
features (or only warns), undrifted data passes and leaves the report in the metadata store.

The sample's own score.csv genuinely drifts from its train.csv (PerformanceRating takes values 2
and 5 that training never saw; PercentSalaryHike too): it is the drifted case. The undrifted case
scores rows drawn from train.csv itself, without the label, written in the test's folder.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from local_helpers import BLUEPRINTS, run, sample, small

from mlops_dsl import DriftCheck, LocalData
from mlops_dsl.local.summary import record, render

LABEL = "Attrition"
BINS, SMOOTH = 10, 1e-4  # as docs/contract.md describes the PSI


def psi_of(train: pd.Series, score: pd.Series) -> float:
    """The PSI of one extract column, recomputed here from the data as docs/contract.md states
    it: ten quantile bins of the training values for a numeric column with at least two bins,
    else one bin per value; an empty bin's share is 1e-4."""
    edges = np.unique(np.quantile(train.to_numpy(float), np.linspace(0, 1, BINS + 1)))
    if len(edges) > 2:
        edges[0], edges[-1] = -np.inf, np.inf
        expected = np.histogram(train.to_numpy(float), edges)[0]
        actual = np.histogram(score.to_numpy(float), edges)[0]
    else:
        levels = sorted(set(train) | set(score))
        expected = np.array([(train == v).sum() for v in levels])
        actual = np.array([(score == v).sum() for v in levels])
    e = np.maximum(expected / expected.sum(), SMOOTH)
    a = np.maximum(actual / actual.sum(), SMOOTH)
    return float(np.sum((a - e) * np.log(a / e)))


def recomputed(run_dir: Path) -> dict[str, float]:
    """Every feature's PSI, from the extracts the run left (the row id first, the label only in
    training, as the container contract has them)."""
    train = pd.read_csv(run_dir / "extracts" / "train" / "train.csv")
    score = pd.read_csv(run_dir / "extracts" / "score" / "score.csv")
    features = [c for c in score.columns[1:] if c in train.columns]
    return {c: psi_of(train[c], score[c]) for c in features}


def the_report(result) -> dict:
    (path,) = (result.run_dir / "metadata" / "drift").glob("*.json")
    return json.loads(path.read_text())


def undrifted_score(folder: Path) -> Path:
    """Every other row of the sample's train.csv, without the label: scoring data that cannot
    have drifted from the training data."""
    train = pd.read_csv(BLUEPRINTS / "data" / "train.csv", dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")
    path = folder / "score.csv"
    train.iloc[1::2].drop(columns=[LABEL]).to_csv(path, index=False)
    return path


def with_drift(on_drift: str, score: Path | None = None):
    blueprint = small(sample("attrition_drift"))
    blueprint = blueprint.with_(drift_check=DriftCheck(max_psi=0.25, on_drift=on_drift))
    if score is not None:
        blueprint = blueprint.with_(data=LocalData(train=str(BLUEPRINTS / "data" / "train.csv"),
                                                   score=str(score)))
    return blueprint


def test_drifted_scoring_data_fails_the_run_naming_the_drifted_features(tmp_path, progress):
    result = run(with_drift("fail"), tmp_path / "runs", progress)
    assert (result.status, result.failed_state, result.error) == ("FAILED", "Data drifted",
                                                                  "DataDrifted")
    expected = recomputed(result.run_dir)
    drifted = sorted((c for c in expected if expected[c] > 0.25), key=lambda c: -expected[c])
    assert {"PerformanceRating", "PercentSalaryHike"} <= set(drifted)
    assert f"PSI above 0.25 in {', '.join(drifted)} (max PSI" in result.cause
    report = the_report(result)
    assert report["features"] == pytest.approx(expected, abs=1e-6)
    assert report["drifted"] == drifted
    assert "> Tune model" not in progress.stream.getvalue()  # nothing spent on training
    text = render(result)
    assert "Run failed at state 'Data drifted'" in text
    assert f"Drift check: max PSI {report['max_psi']:g} above 0.25 in {', '.join(drifted)}: " \
           "the run failed" in text
    assert record(result)["drift"]["outcome"] == "failed"


def test_undrifted_scoring_data_passes_and_leaves_the_report(tmp_path, progress):
    score = undrifted_score(tmp_path)
    result = run(with_drift("fail", score), tmp_path / "runs", progress)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    report = the_report(result)
    expected = recomputed(result.run_dir)
    assert report["features"] == pytest.approx(expected, abs=1e-6)
    assert report["max_psi"] == pytest.approx(max(expected.values()), abs=1e-6)
    assert report["max_psi"] <= 0.25
    assert report["drifted"] == [] and report["rows"]["score"] == len(pd.read_csv(score))
    assert set(report["left_out"]) == {"EmployeeNumber", LABEL}
    # the run's metadata keeps the report too
    (metadata,) = (result.run_dir / "metadata" / "tuning-runs").glob("*.json")
    assert json.loads(metadata.read_text())["Drift"]["Report"] == report
    assert f"Drift check: max PSI {report['max_psi']:g} within 0.25" in render(result)
    assert record(result)["drift"]["outcome"] == "passed"
    assert "drift: metric mlops_dsl/attrition-dc MaxPSI" in progress.stream.getvalue()


def test_with_warn_a_drift_is_recorded_and_the_run_goes_on(tmp_path, progress):
    result = run(with_drift("warn"), tmp_path / "runs", progress)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    (metadata,) = (result.run_dir / "metadata" / "tuning-runs").glob("*.json")
    warning = json.loads(metadata.read_text())["Drift"]["Warning"]["Message"]
    report = the_report(result)
    assert warning.startswith(f"Data drift: PSI above 0.25 in {report['drifted_features']}")
    assert "PerformanceRating" in report["drifted_features"]
    assert list((result.run_dir / "output" / "predictions").glob("*/out.csv"))
    assert "warning only (on_drift warn)" in render(result)
    assert record(result)["drift"]["outcome"] == "warned"

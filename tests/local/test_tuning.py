"""Hyperparameter proposals, metric reading and job naming of the local tuner (no programs run)."""
from __future__ import annotations

import optuna
import pytest

from mlops_dsl.local.training import read_metrics
from mlops_dsl.local.tuning import MAX_NAME, grid_points, job_name, sample, sampler_for

RANGES = {
    "ContinuousParameterRanges": [
        {"Name": "gamma", "MinValue": "0", "MaxValue": "10", "ScalingType": "Auto"},
        {"Name": "eta", "MinValue": "0.001", "MaxValue": "1", "ScalingType": "Logarithmic"},
        {"Name": "subsample", "MinValue": "0.5", "MaxValue": "0.999",
         "ScalingType": "ReverseLogarithmic"}],
    "IntegerParameterRanges": [
        {"Name": "max_depth", "MinValue": "1", "MaxValue": "10", "ScalingType": "Auto"}],
    "CategoricalParameterRanges": [{"Name": "booster", "Values": ["gbtree", "dart"]}],
}

def proposals(strategy: str, count: int) -> list[dict[str, str]]:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=sampler_for(strategy, RANGES, count))
    out = []
    for index in range(count):
        trial = study.ask()
        out.append(sample(trial, RANGES))
        study.tell(trial, float(index))
    return out

@pytest.mark.parametrize("strategy", ["Bayesian", "Random", "Hyperband"])
def test_proposals_are_strings_within_the_ranges_and_repeatable(strategy):
    first = proposals(strategy, 6)
    assert first == proposals(strategy, 6)  # seeded
    for values in first:
        assert set(values) == {"gamma", "eta", "subsample", "max_depth", "booster"}
        assert all(isinstance(v, str) for v in values.values())
        assert 0 <= float(values["gamma"]) <= 10
        assert 0.001 <= float(values["eta"]) <= 1
        assert 0.5 <= float(values["subsample"]) <= 0.999
        assert int(values["max_depth"]) in range(1, 11)
        assert values["booster"] in ("gbtree", "dart")
    assert len({v["gamma"] for v in first}) == 6

def test_grid_covers_every_combination_once():
    ranges = {"IntegerParameterRanges": [{"Name": "depth", "MinValue": "2", "MaxValue": "4"}],
              "CategoricalParameterRanges": [{"Name": "b", "Values": ["x", "y"]}]}
    points = grid_points(ranges)
    assert len(points) == 6
    study = optuna.create_study(sampler=sampler_for("Grid", ranges, 6))
    for point in points:
        study.enqueue_trial(point)
    seen = set()
    for _ in range(6):
        trial = study.ask()
        values = sample(trial, ranges)
        seen.add((values["depth"], values["b"]))
        study.tell(trial, 0.0)
    assert seen == {(d, b) for d in ("2", "3", "4") for b in ("x", "y")}


def test_metrics_are_the_last_match_of_each_regex():
    log = "fold 1/5: roc_auc=0.1\nroc_auc: 0.75\naccuracy: 0.8\nroc_auc: 0.8125\nf1: nan\n"
    definitions = [{"Name": "roc_auc", "Regex": "roc_auc: ([0-9\\.]+)"},
                   {"Name": "accuracy", "Regex": "accuracy: ([0-9\\.]+)"},
                   {"Name": "f1", "Regex": "f1: ([0-9\\.]+)"}]
    assert read_metrics(log, definitions) == {"roc_auc": 0.8125, "accuracy": 0.8}

def test_training_job_names_are_unique_and_within_sagemakers_limit():
    long = "x" * 32
    names = {job_name(long, n) for n in range(1, 51)}
    assert len(names) == 50
    assert all(len(n) <= MAX_NAME for n in names)
    assert job_name("attrition-1", 7).startswith("attrition-1-007-")

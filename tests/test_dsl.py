"""The DSL itself: immutable values, readable gates, derivation, and source locations."""
from __future__ import annotations

import dataclasses

import pytest

from mlops_dsl import (DEFAULT_RANGES, BatchTransform, Blueprint, Environment, Gate, Training,
                       Tuning, maximize, metric, minimize)


def test_gate_operators_read_as_comparisons():
    assert (metric("auc") > 0.8) == Gate(metric="auc", operator="NumericGreaterThan", threshold=0.8)
    assert (metric("auc") >= 0.8).operator == "NumericGreaterThanEquals"
    assert (metric("error") < 0.1).operator == "NumericLessThan"
    assert (metric("error") <= 0.1).operator == "NumericLessThanEquals"
    assert (metric("f1") == 1).operator == "NumericEquals"
    assert (metric("auc") > 0.85).describe() == "auc > 0.85"


def test_objectives():
    assert maximize("auc").type == "Maximize" and minimize("error").type == "Minimize"


def test_values_are_frozen_and_lists_become_tuples():
    env = Environment(region="us-east-1", private_subnets=["subnet-0a1b2c3d", "subnet-4e5f6a7b"])
    assert env.private_subnets == ("subnet-0a1b2c3d", "subnet-4e5f6a7b")
    with pytest.raises(dataclasses.FrozenInstanceError):
        env.region = "eu-west-1"
    tuning = Tuning(static_hyperparameters={"b": "2", "a": "1"})
    with pytest.raises(TypeError):
        tuning.static_hyperparameters["c"] = "3"


def test_defaults_mirror_the_seed():
    bp = Blueprint(name_prefix="x", job_name="x", environment=Environment(region="us-east-1"))
    assert isinstance(bp.deployment, BatchTransform)
    assert bp.tuning.ranges == DEFAULT_RANGES
    assert bp.gate == Gate(metric=None, operator="NumericGreaterThan", threshold=0.7)
    assert bp.effective_gate == Gate(metric="accuracy", operator="NumericGreaterThan", threshold=0.7)
    assert bp.training == Training(instance_type="ml.m4.xlarge", instance_count=1, volume_gb=30)


def test_default_parts_are_located_where_the_blueprint_was_made():
    bp = Blueprint(name_prefix="x", job_name="x", environment=Environment(region="us-east-1"))
    for part in (bp.transform, bp.image, bp.tuning, bp.tuning.objective, bp.training, bp.gate,
                 bp.deployment, bp.feature_store, bp.data):
        assert (part.where.file, part.where.line) == (bp.where.file, bp.where.line)
    assert bp.tuning.ranges[0].where.file == "<default parameter_ranges>"


def test_the_gate_compares_the_objective_metric_unless_told():
    bp = Blueprint(name_prefix="x", job_name="x", environment=Environment(region="us-east-1"),
                   tuning=Tuning(objective=minimize("error")), gate=Gate(operator="NumericLessThan"))
    assert bp.gate_metric == "error"
    assert bp.effective_gate.describe() == "error < 0.7"
    assert bp.effective_gate.where == bp.gate.where
    assert bp.gate.describe() == "objective metric < 0.7"
    explicit = bp.with_(gate=metric("error") < 0.2)
    assert explicit.effective_gate is explicit.gate and explicit.gate_metric == "error"


def test_with_derives_a_variant_and_records_where():
    dev = Blueprint(name_prefix="x", job_name="x", environment=Environment(region="us-east-1"))
    prod = dev.with_(training=dev.training.with_(instance_count=2))
    assert prod.training.instance_count == 2 and dev.training.instance_count == 1
    assert prod != dev and prod.with_(training=dev.training) == dev
    assert prod.where.file == __file__
    assert prod.where.line > dev.where.line


def test_locations_do_not_affect_equality():
    a = Training()
    b = Training()
    assert a == b and a.where.line != b.where.line


def test_bool_is_not_an_integer():
    from mlops_dsl import BlueprintError

    with pytest.raises(BlueprintError, match="True is not an integer"):
        Training(instance_count=True)

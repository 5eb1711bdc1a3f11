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
    env = Environment(region="us-east-1", private_subnets=["subnet-1", "subnet-2"])
    assert env.private_subnets == ("subnet-1", "subnet-2")
    with pytest.raises(dataclasses.FrozenInstanceError):
        env.region = "eu-west-1"
    tuning = Tuning(static_hyperparameters={"b": "2", "a": "1"})
    with pytest.raises(TypeError):
        tuning.static_hyperparameters["c"] = "3"


def test_defaults_mirror_the_seed():
    bp = Blueprint(name_prefix="x", job_name="x", environment=Environment(region="us-east-1"))
    assert isinstance(bp.deployment, BatchTransform)
    assert bp.tuning.ranges == DEFAULT_RANGES
    assert bp.gate == Gate(metric="accuracy", operator="NumericGreaterThan", threshold=0.7)
    assert bp.training == Training(instance_type="ml.m4.xlarge", instance_count=1, volume_gb=30)


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

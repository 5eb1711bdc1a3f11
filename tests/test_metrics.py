"""The metric lines: the default regex reads any float notation of the named metric only,
``Tuning(metric_regex=...)`` replaces it, ``Tuning(extra_metrics=...)`` adds definitions, each
checked against SageMaker's limits (botocore's shapes) and kept in the JSON config."""
from __future__ import annotations

import json
import re

import pytest

from helpers import BLUEPRINTS, sample
from mlops_dsl import BlueprintError, Tuning
from mlops_dsl.compiler import compile_blueprint
from mlops_dsl.config import blueprint_from_config, config_from_blueprint
from mlops_dsl.local.training import read_metrics
from mlops_dsl.model.metrics import MAX_DEFINITIONS, MAX_REGEX, default_regex
from mlops_dsl.validate.service_params import service_model


def _definitions(blueprint) -> list[dict]:
    states = compile_blueprint(blueprint).definition["States"]
    return states["Tune model"]["Parameters"]["TrainingJobDefinition"]["AlgorithmSpecification"][
        "MetricDefinitions"]


def _tuning(**fields):
    return sample().with_(tuning=sample().tuning.with_(**fields))


@pytest.mark.parametrize("printed, value", [
    ("0.85", 0.85), ("8.5e-01", 0.85), ("-0.125", -0.125), ("+3", 3.0), (".5", 0.5),
    ("1E+05", 1e5), ("0.8123456789", 0.8123456789), ("7", 7.0), ("-2.5E-3", -0.0025)])
def test_the_default_regex_reads_every_float_notation(printed, value):
    (found,) = re.findall(default_regex("roc_auc"), f"roc_auc: {printed}\n")
    assert float(found) == value


@pytest.mark.parametrize("line", ["val_roc_auc: 0.7", "roc_auc=0.7", "fold 1/5: roc_auc=0.81",
                                  "roc_auc: nan", "roc_auc: inf", "ROC_AUC: 0.7"])
def test_the_default_regex_reads_nothing_else(line):
    assert re.findall(default_regex("roc_auc"), line) == []


def test_a_dot_in_a_name_matches_only_a_dot():
    regex = default_regex("validation.auc")
    assert re.findall(regex, "validationXauc: 0.1\nvalidation.auc: 0.2") == ["0.2"]
    assert default_regex("train:loss").startswith(r"\btrain:loss: ")
    assert default_regex(":loss").startswith(":loss: ")  # no \b before a non-word character


def test_the_local_runner_reads_what_the_compiled_definitions_say():
    log = "fold 1/5: roc_auc=0.5\nroc_auc: 8.5e-01\nval_accuracy: 0.1\naccuracy: 7.5e-01\n"
    definitions = _definitions(_tuning(extra_metrics=("accuracy", "f1")))
    assert read_metrics(log, definitions) == {"roc_auc": 0.85, "accuracy": 0.75}


def test_extra_metrics_follow_the_objective_in_metric_definitions():
    assert _definitions(_tuning(extra_metrics=("accuracy", "f1"))) == [
        {"Name": "roc_auc", "Regex": default_regex("roc_auc")},
        {"Name": "accuracy", "Regex": default_regex("accuracy")},
        {"Name": "f1", "Regex": default_regex("f1")}]
    assert _definitions(_tuning(extra_metrics={"f1": r"F1 = ([0-9.]+)"},
                                metric_regex=r"AUC=([0-9.]+);")) == [
        {"Name": "roc_auc", "Regex": "AUC=([0-9.]+);"}, {"Name": "f1", "Regex": "F1 = ([0-9.]+)"}]
    assert _definitions(sample()) == [{"Name": "roc_auc", "Regex": default_regex("roc_auc")}]


def test_the_limits_declared_are_sagemakers():
    shapes = service_model("sagemaker")["shapes"]
    specification = shapes["HyperParameterAlgorithmSpecification"]["members"]
    assert shapes[specification["MetricDefinitions"]["shape"]]["max"] == MAX_DEFINITIONS
    definition = shapes["MetricDefinition"]["members"]
    assert shapes[definition["Regex"]["shape"]]["max"] == MAX_REGEX
    from mlops_dsl.dsl._node import hints
    from mlops_dsl.dsl._fields import split

    (length,) = split(split(hints(Tuning)["metric_regex"])[0].__args__[0])[1]
    assert (length.low, length.high) == (shapes[definition["Regex"]["shape"]]["min"], MAX_REGEX)
    name_pattern = split(hints(Tuning)["extra_metrics"].__args__[0].__args__[0])[1][0].regex
    assert name_pattern.endswith("{1,%d}$" % shapes[definition["Name"]["shape"]]["max"])


def _problems(**fields) -> list[str]:
    with pytest.raises(BlueprintError) as caught:
        compile_blueprint(_tuning(**fields))
    return [f"{p.field}: {p.message} [{p.code}]" for p in caught.value.problems]


def test_a_regex_without_exactly_one_capture_group_is_refused():
    assert _problems(metric_regex="roc_auc: [0-9.]+") == [
        "Tuning.metric_regex: the objective's regex 'roc_auc: [0-9.]+' has 0 capture groups; "
        "give exactly one, around the value (write other groups as (?:...)) [MLD133]"]
    assert _problems(extra_metrics={"f1": "(f1|F1): ([0-9.]+)"}) == [
        "Tuning.extra_metrics: the regex of 'f1' '(f1|F1): ([0-9.]+)' has 2 capture groups; give "
        "exactly one, around the value (write other groups as (?:...)) [MLD133]"]


def test_a_regex_python_cannot_compile_is_refused_at_its_line():
    with pytest.raises(BlueprintError) as caught:
        compile_blueprint(_tuning(metric_regex="roc_auc: ([0-9.]+"))
    (problem,) = caught.value.problems
    assert str(problem).endswith(
        "Tuning.metric_regex: the objective's regex 'roc_auc: ([0-9.]+' is not a regular "
        "expression: missing ), unterminated subpattern at position 9 [MLD133]")
    assert problem.location.file == __file__


def test_a_regex_longer_than_sagemaker_takes_is_refused():
    from mlops_dsl.dsl._fields import shorten  # how every message shows a long value

    long = "(" + "x" * 500 + ")"
    assert _problems(metric_regex=long) == [
        f"Tuning.metric_regex: {shorten(long)} has 502 characters; use 1 to 500 "
        "(SageMaker's limit of a MetricDefinition regex) [MLD133]"]
    assert _problems(extra_metrics={"f1": long}) == [
        f"Tuning.extra_metrics: the regex of 'f1' {shorten(long)} has 502 characters; use 1 to "
        "500 (SageMaker's limit) [MLD133]"]
    dotted = "a" + "." * 240  # a valid name of 241 characters: each dot is escaped
    assert len(default_regex(dotted)) > MAX_REGEX
    assert _problems(extra_metrics=(dotted,)) == [
        f"Tuning.extra_metrics: the default regex of {shorten(dotted)} has "
        f"{len(default_regex(dotted))} characters, above SageMaker's 500; give it a shorter "
        "regex of its own [MLD133]"]


def test_extra_metrics_that_repeat_or_are_too_many_are_refused():
    assert _problems(extra_metrics=("accuracy", "roc_auc", "accuracy")) == [
        "Tuning.extra_metrics: 'roc_auc' is the objective metric, which is always recorded; list "
        "only the other metrics (set metric_regex for its regex) [MLD134]",
        "Tuning.extra_metrics: 'accuracy' is listed twice [MLD134]"]
    names = tuple(f"m{i}" for i in range(MAX_DEFINITIONS))
    assert _problems(extra_metrics=names) == [
        "Tuning.extra_metrics: 40 extra metrics and the objective make 41 metric definitions; "
        "SageMaker accepts at most 40 [MLD134]"]
    assert len(_definitions(_tuning(extra_metrics=names[1:]))) == MAX_DEFINITIONS


def test_an_extra_metric_name_is_a_metric_name():
    expected = ("Tuning.extra_metrics: 'f 1' is not a valid metric name; use letters, digits and "
                "_ : . - [MLD108]")
    assert _problems(extra_metrics=("f 1",)) == [expected]
    assert _problems(extra_metrics={"f 1": "f1: (.*)"}) == [expected]


@pytest.mark.parametrize("extra", [("accuracy", "f1"), {"f1": r"F1 = ([0-9.]+)"}, ()])
def test_the_metric_inputs_round_trip_through_the_config(extra):
    blueprint = _tuning(metric_regex=r"AUC=([-0-9.eE]+)" if extra else None, extra_metrics=extra)
    config = config_from_blueprint(blueprint)
    assert config["tuning_metric_regex"] == blueprint.tuning.metric_regex
    assert config["tuning_extra_metrics"] == (dict(extra) if isinstance(extra, dict)
                                              else list(extra))
    again = blueprint_from_config(json.loads(json.dumps(config)), file=str(BLUEPRINTS / "c.json"),
                                  name=blueprint.name)
    assert again.tuning == blueprint.tuning
    assert _definitions(again) == _definitions(blueprint)


def test_config_metric_inputs_are_checked_at_their_keys():
    config = config_from_blueprint(sample())
    config.update(tuning_metric_regex="AUC=[0-9.]+", tuning_extra_metrics={"f1": "(x"})
    with pytest.raises(BlueprintError) as caught:
        compile_blueprint(blueprint_from_config(config, file="c.json"))
    assert sorted(str(p) for p in caught.value.problems if p.code == "MLD133") == [
        "c.json#/tuning_extra_metrics: tuning_extra_metrics: the regex of 'f1' '(x' is not a "
        "regular expression: missing ), unterminated subpattern at position 0 [MLD133]",
        "c.json#/tuning_metric_regex: tuning_metric_regex: the objective's regex 'AUC=[0-9.]+' has "
        "0 capture groups; give exactly one, around the value (write other groups as (?:...)) "
        "[MLD133]"]
    config.update(tuning_metric_regex=None, tuning_extra_metrics="accuracy")
    with pytest.raises(BlueprintError) as caught:
        blueprint_from_config(config, file="c.json")
    assert [str(p) for p in caught.value.problems] == [
        "c.json#/tuning_extra_metrics: tuning_extra_metrics: 'accuracy' is not a list or an "
        "object [MLD012]"]

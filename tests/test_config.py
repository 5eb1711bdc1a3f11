"""The JSON config form: the seed's input names, schema errors, paths, and the round trip."""
from __future__ import annotations

import json

import pytest

from helpers import ROOT, sample, write_wheel
from mlops_dsl import BlueprintError
from mlops_dsl.compiler import compile_blueprint
from mlops_dsl.config import blueprint_from_config, config_from_blueprint, config_schema, load_config

SEED_INPUTS = """aws_credentials_file environment job_name name_prefix resource_tags
batch_transform_instance_count batch_transform_instance_type built_in_model_image byo_model_image_name
byo_model_image_source_path byo_model_image_tag endpoint_instance_count endpoint_instance_type
endpoint_name endpoint_or_batch_transform feature_store_override glue_job_name glue_job_spark_flag
inference_comparison_operator inference_metric_threshold max_number_training_jobs
max_parallel_training_jobs parameter_ranges score_local_path script_path static_hyperparameters
train_local_path training_job_instance_count training_job_instance_type training_job_storage_in_gb
tuning_metric tuning_objective whl_path""".split()


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "transform.py").write_text("print('t')\n")
    (tmp_path / "image").mkdir()
    (tmp_path / "image" / "Dockerfile").write_text("FROM scratch\n")
    return tmp_path


def minimal(**extra) -> dict:
    return {"aws_credentials_file": "~/.aws/credentials",
            "environment": {"aws_region": "us-east-1", "vpc_id": None, "public_subnets": [],
                            "private_subnets": []},
            "job_name": "demo", "name_prefix": "demo", "resource_tags": {"team": "ml"},
            "script_path": "scripts/transform.py", "whl_path": None,
            "byo_model_image_source_path": "image", "train_local_path": None,
            "score_local_path": None, **extra}


def write(folder, config) -> str:
    path = folder / "pipeline.json"
    path.write_text(json.dumps(config, indent=2))
    return path


def messages(folder, config) -> list[str]:
    with pytest.raises(BlueprintError) as caught:
        compile_blueprint(load_config(write(folder, config)))
    return [str(p).replace(str(folder) + "/", "") for p in caught.value.problems]


def test_every_seed_input_has_a_home():
    assert sorted(set(SEED_INPUTS) - set(config_schema()["properties"])) == []
    required = set(config_schema()["required"])
    assert required == {"aws_credentials_file", "environment", "job_name", "name_prefix", "resource_tags"}


def test_defaults_are_the_seeds(folder):
    bp = load_config(write(folder, minimal()))
    assert (bp.deployment.instance_type, bp.deployment.instance_count) == ("ml.m4.xlarge", 1)
    assert (bp.gate.operator, bp.gate.threshold, bp.gate.metric) == ("NumericGreaterThan", 0.7, "accuracy")
    assert (bp.tuning.max_jobs, bp.tuning.max_parallel_jobs, bp.tuning.objective.type) == (3, 1, "Maximize")
    assert dict(bp.tuning.static_hyperparameters) == {"kfold_splits": "5"}
    assert [r.name for r in bp.tuning.ranges] == ["gamma", "min_child_weight", "subsample",
                                                 "max_delta_step", "scale_pos_weight", "max_depth"]
    assert (bp.training.instance_type, bp.training.volume_gb) == ("ml.m4.xlarge", 30)
    assert (bp.image.name, bp.image.tag) == ("byo-xgboost", "latest")
    assert bp.transform.job_name == "data-transformation" and not bp.transform.spark
    assert bp.feature_store.existing_bucket is None


def test_minimal_config_compiles_with_relative_paths(folder):
    result = compile_blueprint(load_config(write(folder, minimal())))
    assert result.pipeline.transform.script.source == folder / "scripts" / "transform.py"


def test_absolute_paths_are_accepted(folder, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    config = minimal(script_path=str(folder / "scripts" / "transform.py"),
                     byo_model_image_source_path=str(folder / "image"))
    path = elsewhere / "c.json"
    path.write_text(json.dumps(config))
    assert compile_blueprint(load_config(path)).pipeline.byo_image.source == folder / "image"


def test_typo_gets_the_closest_name(folder):
    assert messages(folder, minimal(max_paralel_training_jobs=2)) == [
        "pipeline.json#/max_paralel_training_jobs: max_paralel_training_jobs: unknown key "
        "'max_paralel_training_jobs'; did you mean 'max_parallel_training_jobs'? [MLD010]"]


def test_missing_required_inputs(folder):
    config = minimal()
    del config["job_name"], config["resource_tags"]
    assert messages(folder, config) == [
        "pipeline.json#/: (config): 'job_name' is required [MLD011]",
        "pipeline.json#/: (config): 'resource_tags' is required [MLD011]"]


def test_wrong_types_and_enums_all_at_once(folder):
    config = minimal(max_number_training_jobs="3.5", endpoint_or_batch_transform="Endpoint",
                     glue_job_spark_flag="yes", training_job_instance_count=[1])
    assert messages(folder, config) == [
        "pipeline.json#/endpoint_or_batch_transform: endpoint_or_batch_transform: 'Endpoint' is not "
        "allowed; use one of 'Batch Transform', 'Create Model Endpoint Config' [MLD012]",
        "pipeline.json#/glue_job_spark_flag: glue_job_spark_flag: 'yes' is not true or false (or "
        "\"true\"/\"false\") [MLD012]",
        "pipeline.json#/max_number_training_jobs: max_number_training_jobs: '3.5' is not an integer "
        "(digits in a string are accepted) [MLD012]",
        "pipeline.json#/training_job_instance_count: training_job_instance_count: [1] is not an "
        "integer (digits in a string are accepted) [MLD012]"]


def test_the_reference_modules_strings_for_numbers_and_bools_are_accepted(folder):
    """Terraform converts "2" and "true" to the number or bool an input declares; so do we,
    integers exactly (no float rounding)."""
    config = minimal(max_number_training_jobs="12", glue_job_spark_flag="true",
                     inference_metric_threshold="0.8", training_job_storage_in_gb="+40",
                     name_prefix="demo-")
    bp = load_config(write(folder, config))
    assert bp.tuning.max_jobs == 12 and isinstance(bp.tuning.max_jobs, int)
    assert bp.transform.spark is True and bp.gate.threshold == 0.8
    assert bp.training.volume_gb == 40
    assert load_config(write(folder, minimal(glue_job_spark_flag="false"))).transform.spark is False
    huge = "123456789012345678901234567890"
    [message] = messages(folder, minimal(max_number_training_jobs=huge))
    assert f"{huge} is out of range" in message or huge in message  # the exact integer, not 1.2e+29


def test_invalid_json_names_the_line(folder):
    path = folder / "broken.json"
    path.write_text('{\n  "job_name": "x",\n  oops\n}')
    with pytest.raises(BlueprintError) as caught:
        load_config(path)
    assert str(caught.value.problems[0]).endswith(
        "broken.json:3: (config): not valid JSON: Expecting property name enclosed in double quotes "
        "(column 3) [MLD013]")


def test_cross_field_errors_point_at_the_json_key(folder):
    config = minimal(job_name="a-very-long-job-name-indeed", max_parallel_training_jobs=9)
    assert messages(folder, config) == [
        "pipeline.json#/job_name: job_name: 'a-very-long-job-name-indeed' has 27 characters; use 1 to "
        "18 (a timestamp is appended for each run) [MLD101]",
        "pipeline.json#/max_parallel_training_jobs: max_parallel_training_jobs: 9 exceeds max_jobs 3 [MLD105]"]


def test_missing_script_names_the_input(folder):
    found = messages(folder, minimal(script_path="source/scripts/transform.py"))
    assert len(found) == 1
    assert found[0].startswith("pipeline.json#/script_path: script_path: Glue script "
                               "'source/scripts/transform.py' does not exist")


def test_whl_path_null_string_or_list(folder):
    wheel = write_wheel(folder / "a-0.1-py3-none-any.whl").name
    assert load_config(write(folder, minimal(whl_path=None))).transform.wheels == ()
    assert load_config(write(folder, minimal(whl_path=wheel))).transform.wheels == (wheel,)
    result = compile_blueprint(load_config(write(folder, minimal(whl_path=wheel))))
    arguments = result.template["Resources"]["TransformJob"]["Properties"]["DefaultArguments"]
    assert "--extra-py-files" in arguments


def test_endpoint_and_builtin_inputs(folder):
    config = minimal(endpoint_or_batch_transform="Create Model Endpoint Config",
                     endpoint_name="churn", endpoint_instance_count=2,
                     built_in_model_image="1.dkr.ecr.us-east-1.amazonaws.com/x:1",
                     parameter_ranges={"IntegerParameterRanges": [
                         {"Name": "max_depth", "MinValue": "1", "MaxValue": "4", "ScalingType": "Linear"}],
                         "CategoricalParameterRanges": [{"Name": "booster", "Values": ["gbtree", "dart"]}]})
    bp = load_config(write(folder, config))
    assert (bp.deployment.name, bp.deployment.instance_count) == ("churn", 2)
    assert bp.image.uri.endswith("/x:1")
    assert [(r.name, getattr(r, "min", None)) for r in bp.tuning.ranges] == [("max_depth", 1), ("booster", None)]


def round_trip(bp, folder):
    config = config_from_blueprint(bp)
    return blueprint_from_config(json.loads(json.dumps(config)), file=str(folder / "x.json"), name=bp.name)


def test_sample_round_trips_without_loss(tmp_path):
    for bp in map(sample, ("attrition", "attrition_endpoint", "attrition_builtin")):
        assert round_trip(bp, tmp_path) == bp


def test_config_sample_round_trips(tmp_path):
    bp = load_config(ROOT / "blueprints" / "attrition_config.json")
    again = round_trip(bp, tmp_path)
    assert again == bp
    assert config_from_blueprint(again) == json.loads((ROOT / "blueprints" / "attrition_config.json").read_text())


def test_rules_declared_in_the_dsl_keep_their_codes_in_a_config(folder):
    config = minimal(tuning_objective="Maximise", max_number_training_jobs=1000,
                     training_job_instance_type="m5.large", environment={"aws_region": "Ireland"},
                     parameter_ranges={"IntegerParameterRanges": [
                         {"Name": "max_depth", "MinValue": 1, "MaxValue": 4, "ScalingType": "Quadratic"}]})
    assert messages(folder, config) == [
        "pipeline.json#/environment/aws_region: environment.aws_region: 'Ireland' is not valid; use an "
        "AWS region such as 'us-east-1' [MLD112]",
        "pipeline.json#/max_number_training_jobs: max_number_training_jobs: 1000 is out of range; use "
        "1 to 750 [MLD106]",
        "pipeline.json#/tuning_objective: tuning_objective: 'Maximise' is not allowed; use one of "
        "Maximize, Minimize [MLD108]",
        "pipeline.json#/parameter_ranges/IntegerParameterRanges/0/ScalingType: "
        "parameter_ranges.IntegerParameterRanges.0.ScalingType: 'Quadratic' is not allowed; use one of "
        "Auto, Linear, Logarithmic, ReverseLogarithmic [MLD104]",
        "pipeline.json#/training_job_instance_type: training_job_instance_type: 'm5.large' is not "
        "valid; use a SageMaker instance type such as 'ml.m5.xlarge' [MLD113]"]


def test_a_bad_input_of_the_unused_deployment_is_refused_when_loading(folder):
    with pytest.raises(BlueprintError) as caught:
        load_config(write(folder, minimal(endpoint_instance_count=0)))
    assert [str(p).replace(str(folder) + "/", "") for p in caught.value.problems] == [
        "pipeline.json#/endpoint_instance_count: endpoint_instance_count: 0 is less than the minimum "
        "of 1 [MLD012]"]


def test_a_type_the_schema_lets_through_is_named_by_its_key(folder):
    config = minimal(parameter_ranges={"IntegerParameterRanges": [
        {"Name": "max_depth", "MinValue": 1.0, "MaxValue": 4}]})
    with pytest.raises(BlueprintError) as caught:
        load_config(write(folder, config))
    assert [str(p).replace(str(folder) + "/", "") for p in caught.value.problems] == [
        "pipeline.json#/parameter_ranges/IntegerParameterRanges/0/MinValue: "
        "parameter_ranges.IntegerParameterRanges.0.MinValue: 1.0 is not an integer [MLD012]"]


def test_a_default_gate_round_trips_to_the_same_gate(tmp_path):
    from mlops_dsl import Blueprint, Environment, Tuning, minimize

    bp = Blueprint(name_prefix="x", job_name="x", environment=Environment(region="us-east-1"),
                   tuning=Tuning(objective=minimize("error")))
    again = round_trip(bp, tmp_path)
    assert again.effective_gate == bp.effective_gate and again.gate.metric == "error"
    assert again.with_(gate=bp.gate) == bp


def test_every_dsl_field_is_a_config_input():
    """A field added to the DSL needs its config row (Blueprint.name comes from the file name)."""
    import dataclasses

    from mlops_dsl.config import CONFIG_FIELDS
    from mlops_dsl.config.fields import classes_of, steps
    from mlops_dsl.dsl import Blueprint
    from mlops_dsl.dsl._node import Node

    covered = {".".join(s.field for s in steps(p)) for row in CONFIG_FIELDS for p in (row.path, *row.also)}

    def leaves(cls, prefix=""):
        for field in dataclasses.fields(cls):
            nodes = [c for c in classes_of(cls, field.name) if issubclass(c, Node)]
            path = prefix + field.name
            if nodes and path not in covered:
                for node in nodes:
                    yield from leaves(node, path + ".")
            else:
                yield path

    assert sorted(set(leaves(Blueprint)) - covered) == ["name"]

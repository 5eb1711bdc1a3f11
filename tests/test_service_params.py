"""One test per error code of mlops_dsl.validate.service_params, each asserting its message."""
from __future__ import annotations

import copy

import pytest

from helpers import BLUEPRINTS
from mlops_dsl.compiler import compile_file
from mlops_dsl.errors import BlueprintError
from mlops_dsl.validate.service_params import (check_service_parameters, operation_name,
                                               parse_resource, service_model)

ARN = "arn:${AWS::Partition}:states:::"


def _task(resource: str, parameters: dict) -> dict:
    return {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": ARN + resource,
                                             "Parameters": parameters, "End": True}}}


def _messages(definition, origins=None) -> list[str]:
    return [str(p) for p in check_service_parameters(definition, "statemachine.asl.json", origins)]


@pytest.fixture(scope="module")
def endpoint():
    return compile_file(BLUEPRINTS / "attrition_endpoint.py")


@pytest.mark.parametrize("resource, expected", [
    (ARN + "sagemaker:createHyperParameterTuningJob.sync",
     ("sagemaker", "createHyperParameterTuningJob", "sync")),
    (ARN + "aws-sdk:s3:copyObject", ("s3", "copyObject", "")),
    ("arn:aws:states:::glue:startJobRun.sync", ("glue", "startJobRun", "sync")),
    (ARN + "lambda:invoke", ("lambda", "invoke", "")),
    (ARN + "aws-sdk:sfn:startExecution", ("stepfunctions", "startExecution", "")),
    ("arn:aws:lambda:us-east-1:123456789012:function:f", None),
])
def test_parse_resource(resource, expected):
    assert parse_resource(resource) == expected


def test_operation_names_follow_botocore():
    assert operation_name(service_model("sagemaker"), "createHyperParameterTuningJob") == \
        "CreateHyperParameterTuningJob"
    assert operation_name(service_model("s3"), "copyObject") == "CopyObject"
    assert operation_name(service_model("glue"), "nope") is None


def test_every_sample_passes():
    for path in sorted(BLUEPRINTS.glob("*.py")):
        compiled = compile_file(path)
        assert _messages(compiled.definition, compiled.workflow.origins) == [], path.name


def test_unknown_integration_MLD310():
    assert _messages(_task("sagemaker:createModle", {})) == [
        "statemachine.asl.json#/States/A/Resource: A: state 'A' Resource "
        "'arn:${AWS::Partition}:states:::sagemaker:createModle': unknown integration "
        "(SageMaker has no API 'createModle') [MLD310]"]
    assert _messages(_task("aws-sdk:nosuchservice:doIt", {})) == [
        "statemachine.asl.json#/States/A/Resource: A: state 'A' Resource "
        "'arn:${AWS::Partition}:states:::aws-sdk:nosuchservice:doIt': unknown integration "
        "(service 'nosuchservice') [MLD310]"]


def test_unknown_member_MLD311():
    assert _messages(_task("aws-sdk:s3:deleteObject", {"Bucket": "b", "Key": "k", "Keys": "x"})) == [
        "statemachine.asl.json#/States/A/Parameters/Keys: A: Keys: unknown member 'Keys'; "
        "did you mean 'Key'? (S3 DeleteObject) [MLD311]"]


def test_wrong_type_MLD312():
    assert _messages(_task("glue:startJobRun.sync", {"JobName": "j", "Timeout": "60"})) == [
        "statemachine.asl.json#/States/A/Parameters/Timeout: A: Timeout: '60' is not an integer "
        "(Glue StartJobRun) [MLD312]"]


def test_enum_MLD313():
    messages = _messages(_task("sagemaker:createTransformJob.sync", {
        "TransformJobName.$": "$.name", "ModelName": "m",
        "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                           "S3Uri": "s3://b/k"}}},
        "TransformOutput": {"S3OutputPath": "s3://b/out"},
        "TransformResources": {"InstanceType": "ml.m5.xlargee", "InstanceCount": 1}}))
    assert len(messages) == 1
    assert messages[0].startswith(
        "statemachine.asl.json#/States/A/Parameters/TransformResources/InstanceType: A: "
        "TransformResources.InstanceType: 'ml.m5.xlargee' is not allowed; did you mean 'ml.m5.xlarge'")
    assert messages[0].endswith("(SageMaker CreateTransformJob) [MLD313]")


def test_number_range_MLD314():
    assert _messages(_task("glue:startJobRun", {"JobName": "j", "Timeout": 0})) == [
        "statemachine.asl.json#/States/A/Parameters/Timeout: A: Timeout: 0 is out of range; "
        "use at least 1 (Glue StartJobRun) [MLD314]"]


def test_length_MLD315():
    assert _messages(_task("sagemaker:updateEndpoint", {"EndpointName": "e" * 64,
                                                        "EndpointConfigName.$": "$.c"})) == [
        "statemachine.asl.json#/States/A/Parameters/EndpointName: A: EndpointName: 64 characters; "
        "the limit is 63 (SageMaker UpdateEndpoint) [MLD315]"]


def test_pattern_MLD316():
    assert _messages(_task("sagemaker:updateEndpoint", {"EndpointName": "bad_name",
                                                        "EndpointConfigName.$": "$.c"})) == [
        "statemachine.asl.json#/States/A/Parameters/EndpointName: A: EndpointName: 'bad_name' does "
        "not match the pattern [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62} (SageMaker UpdateEndpoint) [MLD316]"]


def test_required_MLD317():
    assert _messages(_task("aws-sdk:s3:copyObject", {"Bucket": "b", "Key.$": "$.k"})) == [
        "statemachine.asl.json#/States/A/Parameters/CopySource: A: CopySource: required member "
        "'CopySource' is missing (S3 CopyObject) [MLD317]"]


def test_run_time_members_count_as_present_and_placeholders_are_not_checked():
    assert _messages(_task("aws-sdk:s3:copyObject", {"Bucket": "${OutputBucket}", "Key.$": "$.k",
                                                     "CopySource.$": "$.c"})) == []
    assert _messages(_task("lambda:invoke", {"FunctionName": "${F.Arn}",
                                             "Payload": {"any": ["json", 1]}})) == []


def test_problem_points_at_the_blueprint_field(endpoint):
    definition = copy.deepcopy(endpoint.definition)
    variant = definition["States"]["Create endpoint config"]["Parameters"]["ProductionVariants"][0]
    variant["InstanceType"] = "ml.m5.larg"
    where = endpoint.blueprint.deployment.where
    [message] = _messages(definition, endpoint.workflow.origins)
    assert message.startswith(f"{where}: Endpoint.instance_type: state 'Create endpoint config' "
                              "ProductionVariants.0.InstanceType: 'ml.m5.larg' is not allowed; ")
    assert message.endswith("(SageMaker CreateEndpointConfig); in statemachine.asl.json#/States/"
                            "Create endpoint config/Parameters/ProductionVariants/0/InstanceType [MLD313]")


def test_problem_points_at_a_json_config_pointer(tmp_path):
    from mlops_dsl.compiler import compile_blueprint
    from mlops_dsl.config import blueprint_from_config

    config = {"aws_credentials_file": "~/.aws/credentials", "job_name": "j", "name_prefix": "p",
              "resource_tags": {}, "environment": {"aws_region": "us-east-1"},
              "built_in_model_image": "1.dkr.ecr.us-east-1.amazonaws.com/x:1",
              "script_path": str(BLUEPRINTS.parent / "glue" / "transform.py"), "whl_path": None,
              "train_local_path": None, "score_local_path": None,
              "training_job_instance_type": "ml.m5.xlargee"}
    blueprint = blueprint_from_config(config, file="c.json", name="c")
    with pytest.raises(BlueprintError, match=r"\[MLD313\]") as caught:
        compile_blueprint(blueprint)
    text = str(caught.value)
    assert "c.json#/training_job_instance_type: training_job_instance_type: state 'Tune model' " \
           "TrainingJobDefinition.ResourceConfig.InstanceType: 'ml.m5.xlargee' is not allowed" in text
    assert "[MLD313]" in text


@pytest.mark.parametrize("service", ["sagemaker", "s3", "glue", "lambda", "stepfunctions"])
def test_models_are_what_botocore_loader_gives(service):
    from botocore.loaders import Loader

    assert service_model(service) == Loader().load_service_model(service, "service-2")


def test_unknown_services_have_no_model():
    assert service_model("no-such-service") is None
    assert service_model("../etc") is None

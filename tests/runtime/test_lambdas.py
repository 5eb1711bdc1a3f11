"""The Lambda handlers of the compiled workflow: realistic and broken events, against moto."""
from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from runtime_helpers import REPO, load

LAMBDAS = REPO / "lambdas"
NAME_RE = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$")  # SageMaker tuning job name
NOW = datetime.datetime(2024, 3, 9, 7, 5, 1, tzinfo=datetime.timezone.utc)
EXECUTION = "3f0c3a7e-6d1b-4d5e-9a43-0c2d4b8e1f77"  # $$.Execution.Name of a started run

job_name = load(LAMBDAS / "job_name.py", "lambda_job_name")
endpoint_exists = load(LAMBDAS / "endpoint_exists.py", "lambda_endpoint_exists")


@pytest.mark.parametrize("path", sorted(p for p in LAMBDAS.glob("*.py") if not p.name.startswith("_")),
                         ids=lambda p: p.name)
def test_module_fits_in_cloudformation_zipfile(path):
    # CloudFormation AWS::Lambda::Function Code.ZipFile: at most 4,096 characters
    assert len(path.read_bytes()) <= 4000
    source = path.read_text()
    assert "def handler(event, context)" in source
    imports = set(re.findall(r"^\s*(?:from|import) ([a-z_0-9]+)", source, re.M))
    assert imports <= {"boto3", "botocore", "datetime", "hashlib", "re"}, imports


def test_modules_import_without_region_or_credentials():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    code = "import job_name, endpoint_exists"
    result = subprocess.run([sys.executable, "-c", code], cwd=LAMBDAS, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------------------------------------
# job_name

def _stamp(name: str, prefix: str) -> datetime.datetime:
    """The time a job name carries (base-36 milliseconds after the prefix)."""
    millis = int(name[len(prefix) + 1:len(prefix) + 9], 36)
    return datetime.datetime.fromtimestamp(millis / 1000, datetime.timezone.utc)


def test_job_name_from_state_parameters():
    name = job_name.job_name({"prefix": "attrition-k3x9", "execution": EXECUTION},
                             now=NOW)["JobName"]
    assert name.startswith("attrition-k3x9-")
    assert _stamp(name, "attrition-k3x9") == NOW
    assert NAME_RE.match(name) and len(name) <= 32


def test_job_names_sort_by_time():
    later = NOW + datetime.timedelta(milliseconds=1)
    first = job_name.job_name({"prefix": "p"}, now=NOW)["JobName"]
    second = job_name.job_name({"prefix": "p"}, now=later)["JobName"]
    assert first < second and len(first) == len(second)


def test_job_name_differs_between_runs_in_the_same_millisecond():
    one = job_name.job_name({"prefix": "attrition", "execution": "run-1"}, now=NOW)
    two = job_name.job_name({"prefix": "attrition", "execution": "run-2"}, now=NOW)
    assert one != two
    again = job_name.job_name({"prefix": "attrition", "execution": "run-1"}, now=NOW)
    assert one == again


@pytest.mark.parametrize("length", [1, 14, 18, 21, 22, 23])
def test_job_name_is_valid_for_every_prefix_length(length):
    prefix = ("a-" * 12)[: length - 1] + "z"
    name = job_name.job_name({"prefix": prefix, "execution": EXECUTION}, now=NOW)["JobName"]
    assert NAME_RE.match(name), name
    assert len(name) <= 32
    assert name.startswith(f"{prefix}-") and _stamp(name, prefix) == NOW


def test_job_name_without_execution_has_no_suffix():
    name = job_name.job_name({"prefix": "churn"}, now=NOW)["JobName"]
    assert len(name) == len("churn-") + 8


def test_job_name_handler_uses_the_clock():
    name = job_name.handler({"prefix": "churn", "execution": EXECUTION}, None)["JobName"]
    assert NAME_RE.match(name)
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((now - _stamp(name, "churn")).total_seconds()) < 60


@pytest.mark.parametrize("event, message", [
    ({}, "event.prefix is missing"),
    ({"execution": EXECUTION}, "event.prefix is missing"),
    ({"prefix": 7}, "event.prefix must be a string, got int"),
    ({"prefix": ""}, "event.prefix '' must have 1 to 23 characters, has 0"),
    ({"prefix": "a" * 24}, "must have 1 to 23 characters, has 24"),
    ({"prefix": "my_job"}, "event.prefix 'my_job' must start with a letter or digit"),
    ({"prefix": "-job"}, "event.prefix '-job' must start with a letter or digit"),
    ({"prefix": "job", "execution": ["x"]}, "event.execution must be a string, got list"),
    (["job"], "event must be an object, got list"),
])
def test_job_name_rejects_broken_events(event, message):
    with pytest.raises(job_name.InvalidEvent, match=re.escape(message)):
        job_name.handler(event, None)


def test_invalid_event_is_a_value_error():
    assert issubclass(job_name.InvalidEvent, ValueError)
    assert issubclass(endpoint_exists.InvalidEvent, ValueError)


# ---------------------------------------------------------------------------------------------
# endpoint_exists

ACCOUNT = "123456789012"


def _create_endpoint(name: str) -> None:
    sm = boto3.client("sagemaker")
    sm.create_model(
        ModelName="attrition-model",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/sagemaker",
        PrimaryContainer={"Image": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/byo-xgboost:latest",
                          "ModelDataUrl": "s3://models/attrition/output/model.tar.gz"})
    sm.create_endpoint_config(
        EndpointConfigName="attrition-config",
        ProductionVariants=[{"VariantName": "AllTraffic", "ModelName": "attrition-model",
                             "InitialInstanceCount": 1, "InstanceType": "ml.m4.xlarge"}])
    sm.create_endpoint(EndpointName=name, EndpointConfigName="attrition-config")


def test_endpoint_exists(moto_server):
    _create_endpoint("training-endpoint")
    result = endpoint_exists.handler({"EndpointName": "training-endpoint"}, None)
    assert result["EndpointName"] == "training-endpoint"
    assert result["EndpointExists"] is True
    assert isinstance(result["EndpointStatus"], str) and result["EndpointStatus"]


def test_endpoint_does_not_exist(moto_server):
    _create_endpoint("other-endpoint")
    result = endpoint_exists.handler({"EndpointName": "training-endpoint"}, None)
    assert result == {"EndpointName": "training-endpoint", "EndpointExists": False,
                      "EndpointStatus": None}


def test_endpoint_exists_ignores_extra_keys_of_the_state_input(moto_server):
    event = {"EndpointName": "training-endpoint", "JobName": "attrition-240309-070501-ab12"}
    assert endpoint_exists.handler(event, None)["EndpointExists"] is False


def test_endpoint_exists_propagates_other_errors():
    client = boto3.client("sagemaker", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_client_error("describe_endpoint", service_error_code="AccessDeniedException",
                              service_message="not authorized", http_status_code=400)
        with pytest.raises(ClientError, match="AccessDeniedException"):
            endpoint_exists.describe("training-endpoint", client)
    with Stubber(client) as stub:
        stub.add_client_error("describe_endpoint", service_error_code="ValidationException",
                              service_message="1 validation error detected", http_status_code=400)
        with pytest.raises(ClientError, match="validation error"):
            endpoint_exists.describe("training-endpoint", client)


@pytest.mark.parametrize("event, message", [
    ({}, "event.EndpointName is missing"),
    ({"endpoint_name": "x"}, "event.EndpointName is missing"),
    ({"EndpointName": None}, "event.EndpointName must be a string, got NoneType"),
    ({"EndpointName": ""}, "event.EndpointName '' is not a valid endpoint name"),
    ({"EndpointName": "my_endpoint"}, "event.EndpointName 'my_endpoint' is not a valid"),
    ({"EndpointName": "e" * 64}, "is not a valid endpoint name (1-63 characters"),
    ("training-endpoint", "event must be an object, got str"),
])
def test_endpoint_exists_rejects_broken_events(event, message):
    with pytest.raises(endpoint_exists.InvalidEvent, match=re.escape(message)):
        endpoint_exists.handler(event, None)

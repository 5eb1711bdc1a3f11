"""Every compiled template deploys as is with ``aws cloudformation deploy`` (moto on 127.0.0.1)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import boto3
import pytest

from helpers import sample_blueprints
from mlops_dsl.artifacts import write_folder
from mlops_dsl.compiler import TEMPLATE, compile_file


def aws_cli() -> list[str]:
    found = shutil.which("aws", path=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    assert found, "the AWS CLI (pip install awscli) is a test dependency"
    return [found]


@pytest.mark.parametrize("path", sample_blueprints(), ids=lambda p: p.name)
def test_template_deploys_with_the_aws_cli(path, moto_server, tmp_path):
    compiled = compile_file(path)
    out = tmp_path / "out"
    write_folder(out, compiled.files)
    stack = f"mlops-{path.stem.replace('_', '-')}"
    env = {**os.environ, "AWS_PAGER": ""}
    if len(compiled.files[TEMPLATE]) <= 51_200:
        command = [*aws_cli(), "cloudformation", "deploy", "--template-file", str(out / TEMPLATE),
                   "--stack-name", stack, "--capabilities", "CAPABILITY_IAM",
                   "--no-fail-on-empty-changeset"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=180, env=env)
        assert result.returncode == 0, result.stdout + result.stderr
    else:
        # A template above CloudFormation's inline limit goes through S3 (the CLI's deploy
        # --s3-bucket does the same, but builds the URL from the endpoint, which moto cannot read
        # back as a bucket; the S3 URL form below is the one AWS documents for TemplateURL).
        boto3.client("s3").create_bucket(Bucket="cfn-staging")
        for command in (
                [*aws_cli(), "s3", "cp", str(out / TEMPLATE), "s3://cfn-staging/template.json"],
                [*aws_cli(), "cloudformation", "create-stack", "--stack-name", stack,
                 "--template-url", "https://cfn-staging.s3.amazonaws.com/template.json",
                 "--capabilities", "CAPABILITY_IAM"],
                [*aws_cli(), "cloudformation", "wait", "stack-create-complete", "--stack-name", stack]):
            result = subprocess.run(command, capture_output=True, text=True, timeout=180, env=env)
            assert result.returncode == 0, result.stdout + result.stderr

    cloudformation = boto3.client("cloudformation")
    description = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    assert description["StackStatus"] == "CREATE_COMPLETE"
    # moto does not fill Outputs after a change set; the physical IDs say the same.
    physical = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in
                cloudformation.list_stack_resources(StackName=stack)["StackResourceSummaries"]}
    machine = boto3.client("stepfunctions").describe_state_machine(stateMachineArn=physical["StateMachine"])
    definition = json.loads(machine["definition"])
    tuning = definition["States"]["Tune model"]
    assert tuning["Resource"] == "arn:aws:states:::sagemaker:createHyperParameterTuningJob.sync"
    role_arn = tuning["Parameters"]["TrainingJobDefinition"]["RoleArn"]
    assert role_arn.startswith("arn:aws:iam::") and "${" not in machine["definition"]
    buckets = {b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]}
    stores = [logical for logical, resource in compiled.template["Resources"].items()
              if resource["Type"] == "AWS::S3::Bucket"]
    assert "ExtractsBucket" in stores
    for logical in stores:
        assert physical[logical] in buckets, logical
    extracts = f"s3://{physical['ExtractsBucket']}/train/"
    assert tuning["Parameters"]["TrainingJobDefinition"]["InputDataConfig"][0]["DataSource"][
        "S3DataSource"]["S3Uri"] == extracts

"""The adapter that routes Task states of moto's embedded interpreter to local callables."""
from __future__ import annotations

import json
import re
import time

import boto3
import pytest
from moto import mock_aws
from moto.stepfunctions.parser.asl.parse import preprocessor
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

from mlops_dsl.local.adapter import TaskFailed, integration_of, routed

ROLE = "arn:aws:iam::123456789012:role/test"


def execute(definition: dict, routes: dict) -> tuple[dict, list[dict]]:
    """Run ``definition`` with ``routes``; returns (DescribeExecution, history events)."""
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="adapter-test")
        with routed(routes):
            arn = sfn.create_state_machine(name="m", definition=json.dumps(definition),
                                           roleArn=ROLE)["stateMachineArn"]
            execution = sfn.start_execution(stateMachineArn=arn, name="e")["executionArn"]
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                described = sfn.describe_execution(executionArn=execution)
                if described["status"] != "RUNNING":
                    break
                time.sleep(0.02)
            events = sfn.get_execution_history(executionArn=execution)["events"]
    return described, events


def task(resource: str, **fields) -> dict:
    return {"Type": "Task", "Resource": f"arn:aws:states:::{resource}", **fields}


def test_a_routed_task_gets_its_parameters_and_its_result_goes_through_selector_and_path():
    calls = []

    def start_job_run(parameters, state):
        calls.append((state, parameters))
        return {"Id": "jr_1", "JobRunState": "SUCCEEDED", "Ignored": 1}

    definition = {"StartAt": "Glue", "States": {"Glue": task(
        "glue:startJobRun.sync", Parameters={"JobName": "j", "Run.$": "$$.Execution.Name"},
        ResultSelector={"Id.$": "$.Id"}, ResultPath="$.glue", End=True)}}
    described, _ = execute(definition, {"glue:startJobRun.sync": start_job_run})
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"glue": {"Id": "jr_1"}}
    assert calls == [("Glue", {"JobName": "j", "Run": "e"})]


def test_task_failed_fails_the_state_with_its_error_and_cause_and_catch_matches_it():
    def fail(parameters, state):
        raise TaskFailed("States.TaskFailed", '{"FailureReason": "boom"}')

    definition = {"StartAt": "Tune", "States": {
        "Tune": task("sagemaker:createHyperParameterTuningJob.sync", Parameters={},
                     Catch=[{"ErrorEquals": ["States.TaskFailed"], "Next": "Caught",
                             "ResultPath": "$.error"}], End=True),
        "Caught": {"Type": "Pass", "End": True}}}
    described, _ = execute(definition, {"sagemaker:createHyperParameterTuningJob.sync": fail})
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"])["error"] == {
        "Error": "States.TaskFailed", "Cause": '{"FailureReason": "boom"}'}

    definition["States"]["Tune"].pop("Catch")
    described, events = execute(definition, {"sagemaker:createHyperParameterTuningJob.sync": fail})
    assert (described["status"], described["error"]) == ("FAILED", "States.TaskFailed")
    assert described["cause"] == '{"FailureReason": "boom"}'
    failed = [e for e in events if e["type"] == "TaskFailed"][0]["taskFailedEventDetails"]
    assert failed["resource"] == "sagemaker:createHyperParameterTuningJob.sync"


def test_integrations_without_a_route_keep_motos_implementation():
    definition = {"StartAt": "List", "States": {"List": task(
        "aws-sdk:s3:listBuckets", Parameters={}, ResultSelector={"Names.$": "$.Buckets[*].Name"},
        End=True)}}
    described, _ = execute(definition, {"aws-sdk:s3:putObject": lambda p, s: {}})
    assert described["status"] == "SUCCEEDED", described.get("cause")
    assert json.loads(described["output"]) == {"Names": ["adapter-test"]}


def test_route_keys_are_the_integration_as_written_after_states():
    definition = {"StartAt": "A", "States": {
        "A": task("lambda:invoke", Parameters={"FunctionName": "f"}, Next="B"),
        "B": task("aws-sdk:sagemaker:describeTrainingJob", Parameters={}, Next="C"),
        "C": task("sagemaker:createModel", Parameters={}, End=True)}}
    seen = []
    routes = {key: (lambda key: lambda p, s: seen.append(key) or {})(key)
              for key in ("lambda:invoke", "aws-sdk:sagemaker:describeTrainingJob",
                          "sagemaker:createModel")}
    described, _ = execute(definition, routes)
    assert described["status"] == "SUCCEEDED"
    assert seen == ["lambda:invoke", "aws-sdk:sagemaker:describeTrainingJob",
                    "sagemaker:createModel"]


def test_the_hook_is_restored_and_the_block_is_not_reentrant():
    original = preprocessor.state_task_for
    environment = ExecutionWorker._get_evaluation_environment
    parse = AmazonStateLanguageParser.__dict__["parse"]
    with routed({}):
        assert preprocessor.state_task_for is not original
        with pytest.raises(RuntimeError, match="already routing"):
            with routed({}):
                pass
    assert preprocessor.state_task_for is original
    assert ExecutionWorker._get_evaluation_environment is environment
    assert AmazonStateLanguageParser.__dict__["parse"] is parse


def test_an_execution_reuses_the_parse_of_its_validation_once(monkeypatch):
    """CreateStateMachine's parse serves the execution that follows; a second execution of the
    same definition parses afresh (the parsed components keep per-run state), and each one runs
    its routed task."""
    parses = []
    real = AmazonStateLanguageParser.__dict__["parse"].__func__
    monkeypatch.setattr(AmazonStateLanguageParser, "parse",
                        staticmethod(lambda text: parses.append(text) or real(text)))
    calls = []
    definition = {"StartAt": "T", "States": {"T": task("lambda:invoke", End=True)}}
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        with routed({"lambda:invoke": lambda parameters, state: calls.append(state) or {}}):
            arn = sfn.create_state_machine(name="m", definition=json.dumps(definition),
                                           roleArn=ROLE)["stateMachineArn"]
            statuses = []
            for name in ("first", "second"):
                execution = sfn.start_execution(stateMachineArn=arn, name=name)["executionArn"]
                deadline = time.monotonic() + 30
                while sfn.describe_execution(executionArn=execution)["status"] == "RUNNING":
                    assert time.monotonic() < deadline
                    time.sleep(0.02)
                statuses.append(sfn.describe_execution(executionArn=execution)["status"])
    assert statuses == ["SUCCEEDED", "SUCCEEDED"] and calls == ["T", "T"]
    assert len(parses) == 2  # the validation's (used by the first run) and the second run's


def test_integration_of_names_conditions():
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import (
        Resource)

    resource = Resource.from_resource_arn("arn:aws:states:::glue:startJobRun.sync")
    assert integration_of(resource) == "glue:startJobRun.sync"
    resource = Resource.from_resource_arn("arn:aws:states:::aws-sdk:s3:copyObject")
    assert integration_of(resource) == "aws-sdk:s3:copyObject"


def test_the_execution_start_time_is_iso_text_as_in_aws():
    definition = {"StartAt": "P", "States": {"P": {
        "Type": "Pass", "Parameters": {"Text.$": "States.JsonToString($$.Execution)"},
        "End": True}}}
    described, _ = execute(definition, {})
    assert described["status"] == "SUCCEEDED", described.get("cause")
    start = json.loads(json.loads(described["output"])["Text"])["StartTime"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", start), start


def test_loading_the_adapter_leaves_motos_batch_and_ec2_unloaded_and_batch_still_mocks():
    """moto's Task factory imports its Batch integration, whose package would load EC2's region
    and instance-type tables (~0.9 s); the adapter imports the one module it needs alone. A later
    use of moto's Batch mock gets the real package."""
    import os
    import subprocess
    import sys

    program = (
        "import sys, json\n"
        "import mlops_dsl.local.adapter\n"
        "loaded = {name: name in sys.modules for name in ('moto.batch', 'moto.ec2')}\n"
        "utils = sys.modules['moto.batch.utils']\n"
        "import boto3\n"
        "from moto import mock_aws\n"
        "with mock_aws():\n"
        "    batch = boto3.client('batch', region_name='eu-west-1')\n"
        "    answer = batch.describe_compute_environments()['computeEnvironments']\n"
        "import moto.batch\n"
        "print(json.dumps({'loaded': loaded, 'answer': answer,\n"
        "                  'backends': hasattr(moto.batch, 'batch_backends'),\n"
        "                  'same_utils': sys.modules['moto.batch.utils'] is utils}))\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, AWS_ACCESS_KEY_ID="x",
                                                AWS_SECRET_ACCESS_KEY="x"))
    assert done.returncode == 0, done.stderr
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    assert facts == {"loaded": {"moto.batch": False, "moto.ec2": False}, "answer": [],
                     "backends": True, "same_utils": True}

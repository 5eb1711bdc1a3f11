"""run: start an execution of the deployed stack and follow it state by state (moto's interpreter)."""
from __future__ import annotations

import json
import sys
import time
import types

import boto3
import pytest
from deploy_helpers import SAMPLE, echo_definition, enable_sfn_interpreter


@pytest.fixture
def interpreter(moto_server):
    enable_sfn_interpreter(moto_server)
    yield
    enable_sfn_interpreter(moto_server, enabled=False)


def _make_runnable(metric_value: float) -> None:
    """Give the deployed state machine's ARN an echoing twin of its definition, which moto runs.

    With the interpreter switched on, moto's Step Functions API answers from a second backend that
    CloudFormation does not write to; the machine is created there under the same name (so the
    same ARN that the stack reports).
    """
    from mlops_dsl.compiler import compile_file

    definition = echo_definition(compile_file(SAMPLE).definition, metric_value)
    boto3.client("stepfunctions").create_state_machine(
        name="attrition-pipeline", definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/test-states")


def test_follow_prints_each_state_and_exits_0_on_success(deployed, interpreter, cli):
    _make_runnable(0.95)
    code, out, err = cli("run", SAMPLE, "--stack-name", "demo", "--follow")
    assert code == 0, out + err
    lines = out.splitlines()
    for state in ("Transform data", "Tune model", "Check metric threshold", "Create model",
                  "Batch transform", "Done"):
        assert any(line.strip().endswith(f"-> {state}") for line in lines), state
        assert any(line.strip().endswith(f"<- {state}") or state == "Done" for line in lines), state
    entered = [line.split("-> ", 1)[1] for line in lines if "-> " in line]
    assert entered.index("Transform data") < entered.index("Check metric threshold") < entered.index("Done")
    assert "Metric below threshold" not in out
    assert "run SUCCEEDED" in out


def test_follow_names_the_failing_state_error_and_cause(deployed, interpreter, cli):
    _make_runnable(0.5)
    code, out, err = cli("run", SAMPLE, "--stack-name", "demo", "--follow")
    assert code == 1
    assert "-> Metric below threshold" in out
    assert "run FAILED in state Metric below threshold" in out
    assert "error: " in out and "(none reported)" not in out.split("error: ", 1)[1].splitlines()[0]
    assert "did not pass the deployment gate" in out  # the Fail state's cause
    assert "Traceback" not in err


def test_run_without_follow_only_starts(deployed, moto_server, cli):
    code, out, _ = cli("run", SAMPLE, "--stack-name", "demo")
    assert code == 0
    assert "started arn:aws:states:us-east-1:123456789012:execution:attrition-pipeline:" in out
    assert "--follow" in out


def test_run_needs_a_stack_name(moto_server, cli):
    code, _, err = cli("run", SAMPLE)
    assert code == 1
    assert "run needs --stack-name NAME" in err and "--local" in err


def test_run_of_a_missing_stack_says_deploy_first(moto_server, cli):
    code, _, err = cli("run", SAMPLE, "--stack-name", "nothing-here")
    assert code == 1
    assert "stack nothing-here does not exist" in err and "deploy it first" in err


def test_local_is_delegated_to_the_local_runner(monkeypatch, cli):
    seen = {}
    fake = types.ModuleType("mlops_dsl.local")
    fake.run_local = lambda args: seen.setdefault("args", args) and 7
    monkeypatch.setitem(sys.modules, "mlops_dsl.local", fake)
    code, _, _ = cli("run", SAMPLE, "--local", "--workspace", "/tmp/ws", "--no-serve")
    assert code == 7
    assert seen["args"].workspace == "/tmp/ws" and seen["args"].no_serve and seen["args"].local


WAIT = {"Wait": {"Type": "Wait", "Seconds": 30, "End": True}}
ENDINGS = {  # a run that ends so, and the state it ends in
    "FAILED": ({"StartAt": "Read object", "States": {"Read object": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
        "Parameters": {"Bucket": "no-such-bucket", "Key": "input.csv"}, "End": True}}}, "Read object"),
    "TIMED_OUT": ({"StartAt": "Wait", "TimeoutSeconds": 1, "States": WAIT}, "Wait"),
    "ABORTED": ({"StartAt": "Wait", "States": WAIT}, "Wait"),
}


@pytest.mark.parametrize("status", ENDINGS)
def test_follow_says_how_and_where_a_run_that_did_not_succeed_ended(status, interpreter, moto_server,
                                                                      monkeypatch):
    from mlops_dsl.deploy.executions import follow

    monkeypatch.setenv("MOTO_PORT", moto_server.rsplit(":", 1)[1])  # the interpreter's S3 calls
    definition, state = ENDINGS[status]
    sfn = boto3.client("stepfunctions")
    machine = sfn.create_state_machine(name=f"ends-{status.lower()}", definition=json.dumps(definition),
                                       roleArn="arn:aws:iam::123456789012:role/test-states")
    execution = sfn.start_execution(stateMachineArn=machine["stateMachineArn"])["executionArn"]
    stopped = []

    def sleep(seconds):
        if status == "ABORTED" and not stopped:
            stopped.append(sfn.stop_execution(executionArn=execution, error="Operator.Stop"))
        time.sleep(seconds)

    lines = []
    result = follow(sfn, execution, out=lines.append, poll_seconds=0.1, sleep=sleep)
    described = sfn.describe_execution(executionArn=execution)
    assert result.status == described["status"] == status and not result.succeeded
    assert result.failed_state == state
    assert f"-> {state}" in lines[0]
    events = sfn.get_execution_history(executionArn=execution)["events"]
    failed = [e["taskFailedEventDetails"] for e in events if e["type"] == "TaskFailed"]
    if status == "FAILED":  # moto's S3 refused the call: the task's error, then the execution's
        assert failed and "NoSuchBucket" in failed[0]["error"]
        assert any(line.endswith(f"!! {state}: TaskFailed: {failed[0]['error']}") for line in lines)
        assert (result.error, result.cause) == (described["error"], described["cause"])
    else:
        assert not failed and not any("!!" in line for line in lines)

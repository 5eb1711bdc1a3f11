"""run: start an execution of the deployed stack and follow it state by state (moto's interpreter)."""
from __future__ import annotations

import json
import sys
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


@pytest.mark.parametrize("status", ["FAILED", "TIMED_OUT", "ABORTED"])
def test_follow_is_non_zero_unless_succeeded(status):
    from mlops_dsl.deploy.executions import follow

    class FakeSfn:
        def get_execution_history(self, **_):
            return {"events": [
                {"id": 1, "type": "ExecutionStarted"},
                {"id": 2, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "Tune model"}},
                {"id": 3, "type": "TaskFailed",
                 "taskFailedEventDetails": {"error": "SageMaker.Boom", "cause": "instance limit"}}]}

        def describe_execution(self, **_):
            return {"status": status}

    lines = []
    result = follow(FakeSfn(), "arn", out=lines.append, sleep=lambda _: None)
    assert result.status == status
    assert (result.failed_state, result.error, result.cause) == ("Tune model", "SageMaker.Boom",
                                                                 "instance limit")
    assert any("!! Tune model" in line for line in lines)

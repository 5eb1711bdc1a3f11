"""run --redrive: find the run to resume (moto), refuse what cannot be redriven, call
RedriveExecution and follow the resumed run.

moto 5.2.x has no RedriveExecution, so that one call (and what DescribeExecution and
GetExecutionHistory say of a redriven run) is answered by a recorded stub in front of the moto
server, its answers checked against botocore's model (redrive_stub.py says how); finding the
latest failed run, the checks before the call and the first attempt's history are moto's.
"""
from __future__ import annotations

import datetime as dt
import json

import boto3
import pytest
from deploy_helpers import SAMPLE, echo_definition, enable_sfn_interpreter
from redrive_stub import RedriveStub, shape_problems

from mlops_dsl.compiler import compile_file
from mlops_dsl.deploy.redrive import why_not_redrivable

MACHINE = "attrition-pipeline"


@pytest.fixture
def interpreter(moto_server):
    enable_sfn_interpreter(moto_server)
    yield
    enable_sfn_interpreter(moto_server, enabled=False)


def _failing_in_batch_transform() -> dict:
    """The sample's workflow, echoing (deploy_helpers.echo_definition), whose batch transform
    fails the way SageMaker reports a failed job."""
    definition = echo_definition(compile_file(SAMPLE).definition, 0.95)
    definition["States"]["Batch transform"] = {
        "Type": "Fail", "Error": "SageMaker.AmazonSageMakerException",
        "Cause": "ResourceLimitExceeded: the account-level service limit for ml.m5.large"}
    return definition


def _failed_runs(count: int) -> list[str]:
    sfn = boto3.client("stepfunctions")
    arn = sfn.create_state_machine(name=MACHINE, definition=json.dumps(_failing_in_batch_transform()),
                                   roleArn="arn:aws:iam::123456789012:role/test-states")["stateMachineArn"]
    runs = []
    for number in range(count):
        execution = sfn.start_execution(stateMachineArn=arn, name=f"run-{number}", input="{}")["executionArn"]
        for _ in range(200):
            if sfn.describe_execution(executionArn=execution)["status"] != "RUNNING":
                break
            import time
            time.sleep(0.05)
        assert sfn.describe_execution(executionArn=execution)["status"] == "FAILED"
        runs.append(execution)
    return runs


def test_redrive_resumes_the_latest_failed_run_from_its_failed_state(
        deployed, interpreter, moto_server, cli, monkeypatch):
    first, latest = _failed_runs(2)
    with RedriveStub(moto_server, compile_file(SAMPLE).definition) as stub:
        monkeypatch.setenv("AWS_ENDPOINT_URL", stub.url)
        code, out, err = cli("run", SAMPLE, "--stack-name", "demo", "--redrive")
    assert stub.errors == []
    assert code == 0, out + err
    assert stub.redriven == [latest]
    assert f"redriving {latest}: it ended FAILED in state Batch transform " \
           "(SageMaker.AmazonSageMakerException); it resumes from Batch transform" in out
    after = out.split("redriving", 1)[1]
    entered = [line.split("-> ", 1)[1] for line in after.splitlines() if "-> " in line]
    assert entered[0] == "Batch transform" and entered[-1] == "Done"
    assert "Transform data" not in entered and "Tune model" not in entered  # not run again
    assert "run SUCCEEDED" in out
    assert "Traceback" not in err


def test_redrive_of_a_named_execution_and_the_services_refusal(
        deployed, interpreter, moto_server, cli, monkeypatch):
    first, latest = _failed_runs(2)
    with RedriveStub(moto_server, compile_file(SAMPLE).definition) as stub:
        stub.refuse[first] = "Execution redrivable period exceeded."
        monkeypatch.setenv("AWS_ENDPOINT_URL", stub.url)
        code, out, err = cli("run", SAMPLE, "--stack-name", "demo", "--redrive", first)
        assert code == 1
        assert f"Step Functions refuses to redrive {first}: Execution redrivable period exceeded." in err
        assert "start a new run instead" in err and "Traceback" not in err
        code, out, err = cli("run", SAMPLE, "--stack-name", "demo", "--redrive", latest)
        assert code == 0, out + err
        # a second redrive of the run that now succeeded is refused before any call
        code, out, err = cli("run", SAMPLE, "--stack-name", "demo", "--redrive", latest)
    assert code == 1
    assert f"the execution {latest} cannot be redriven: it is SUCCEEDED" in err
    assert stub.redriven == [latest] and stub.errors == []


def test_no_failed_run_to_redrive(deployed, cli):
    sfn = boto3.client("stepfunctions")
    machine = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]
                   if m["name"] == MACHINE)
    running = sfn.start_execution(stateMachineArn=machine, name="still-running")["executionArn"]
    code, out, err = cli("run", SAMPLE, "--stack-name", "demo", "--redrive")
    assert code == 1
    assert f"no failed, aborted or timed-out run of {MACHINE} to redrive" in err
    code, out, err = cli("run", SAMPLE, "--stack-name", "demo", "--redrive", running)
    assert code == 1
    assert f"the execution {running} cannot be redriven: it is RUNNING; only a run that ended " \
           "FAILED, ABORTED or TIMED_OUT can be redriven" in err
    assert "Traceback" not in err


def test_an_execution_of_another_state_machine_is_refused(deployed, cli):
    sfn = boto3.client("stepfunctions")
    other = sfn.create_state_machine(
        name="someone-elses", definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}),
        roleArn="arn:aws:iam::123456789012:role/test-states")["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=other, name="theirs")["executionArn"]
    sfn.stop_execution(executionArn=execution)  # ABORTED: redrivable, but not ours
    code, out, err = cli("run", SAMPLE, "--stack-name", "demo", "--redrive", execution)
    assert code == 1
    assert f"the execution {execution} is a run of the state machine {other}, not of this " \
           "stack's" in err
    missing = execution.replace(":theirs", ":nobody").replace("someone-elses", MACHINE)
    code, out, err = cli("run", SAMPLE, "--stack-name", "demo", "--redrive", missing)
    assert code == 1 and f"there is no execution {missing}" in err


def test_redrive_and_local_do_not_combine(cli):
    code, out, err = cli("run", SAMPLE, "--local", "--redrive")
    assert code == 1 and "cannot be combined with --local" in err


def test_the_14_days_and_the_services_own_reason():
    now = dt.datetime(2026, 12, 2, tzinfo=dt.timezone.utc)
    ended = {"status": "FAILED", "stopDate": now - dt.timedelta(days=15)}
    assert "more than 14 days ago" in why_not_redrivable(ended, now)
    assert why_not_redrivable({**ended, "stopDate": now - dt.timedelta(days=13)}, now) is None
    assert why_not_redrivable({"status": "TIMED_OUT", "redriveStatus": "NOT_REDRIVABLE",
                               "redriveStatusReason": "Execution history event limit exceeded."},
                              now) == "Execution history event limit exceeded."


def test_the_stub_checks_its_answers_against_botocores_model():
    """The check the stub applies would catch a malformed answer (so its silence means something)."""
    assert shape_problems({"redriveDate": dt.datetime.now(dt.timezone.utc)}, "RedriveExecution") == ""
    assert shape_problems({"redriveDate": "not a date"}, "RedriveExecution")
    assert shape_problems({"events": [{"type": "ExecutionRedriven"}]}, "GetExecutionHistory")
    assert shape_problems({}, "RedriveExecution", output=False)  # executionArn is required

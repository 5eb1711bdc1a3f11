"""approve against a moto server: a run of the production sample waits at its approval state
(moto's interpreter runs the compiled ``sns:publish.waitForTaskToken`` task); approve finds it,
records the decision on the model package (UpdateModelPackage) and answers the token
(SendTaskSuccess / SendTaskFailure)."""
from __future__ import annotations

import json
import time

import boto3
import pytest
from deploy_helpers import enable_sfn_interpreter

from helpers import BLUEPRINTS
from mlops_dsl.compiler import compile_file

PRODUCTION = BLUEPRINTS / "attrition_production.py"


@pytest.fixture
def interpreter(moto_server, monkeypatch):
    # moto's interpreter makes the task's SNS call to http://localhost:$MOTO_PORT (this server)
    monkeypatch.setenv("MOTO_PORT", moto_server.rsplit(":", 1)[1])
    enable_sfn_interpreter(moto_server)
    yield
    enable_sfn_interpreter(moto_server, enabled=False)


@pytest.fixture
def production_stack(moto_server, cli):
    code, out, err = cli("deploy", PRODUCTION, "--stack-name", "prod", "--yes")
    assert code == 0, err
    return compile_file(PRODUCTION)


def _waiting_run(compiled, topic: str, package: str, name: str) -> str:
    """A run of the compiled approval state and what follows it, started and left waiting.

    The state is the compiled one (its resource, parameters, message attributes and catches);
    the states around it are cut down to what moto can run."""
    states = compiled.definition["States"]
    approval = json.loads(json.dumps(states["Wait for approval"]).replace(
        "${AWS::Partition}", "aws").replace("${NotificationsTopic}", topic))
    definition = {"StartAt": "Wait for approval", "States": {
        "Wait for approval": approval,
        approval["Next"]: {"Type": "Succeed"},
        **{catch["Next"]: {"Type": "Fail", "Error": catch["Next"].replace(" ", ""),
                           "Cause": "see the approval's result"} for catch in approval["Catch"]}}}
    sfn = boto3.client("stepfunctions")
    machine = sfn.create_state_machine(
        name=compiled.pipeline.names.state_machine, definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/test-states")["stateMachineArn"]
    run_input = {"registry": {"ModelPackageArn": package}, "tuning": {"BestTrainingJob": {
        "FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": "roc_auc", "Value": 0.91}}}}
    execution = sfn.start_execution(stateMachineArn=machine, name=name,
                                    input=json.dumps(run_input))["executionArn"]
    for _ in range(100):
        kinds = [e["type"] for e in sfn.get_execution_history(executionArn=execution)["events"]]
        if "TaskSubmitted" in kinds or "TaskScheduled" in kinds:
            break
        time.sleep(0.05)
    return execution


def _package(compiled) -> str:
    sagemaker = boto3.client("sagemaker")
    group = compiled.pipeline.registry.group_name
    sagemaker.create_model_package_group(ModelPackageGroupName=group)
    return sagemaker.create_model_package(
        ModelPackageGroupName=group, ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification={"Containers": [{"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1"}],
                                "SupportedContentTypes": ["text/csv"],
                                "SupportedResponseMIMETypes": ["text/csv"]})["ModelPackageArn"]


def _ended(execution: str) -> dict:
    sfn = boto3.client("stepfunctions")
    for _ in range(200):
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.05)
    return described


@pytest.mark.parametrize("reject", [False, True], ids=["approve", "reject"])
def test_approve_decides_on_the_package_and_answers_the_run(production_stack, interpreter, cli,
                                                            reject):
    topic = boto3.client("sns").create_topic(Name="approvals")["TopicArn"]
    package = _package(production_stack)
    execution = _waiting_run(production_stack, topic, package, "waits")
    flags = ["--reject", "--reason", "AUC drifted"] if reject else ["--reason", "looks good"]
    code, out, err = cli("approve", PRODUCTION, "--stack-name", "prod", *flags)
    assert code == 0, out + err
    verb = "rejected" if reject else "approved"
    assert f"{verb} {package} for run {execution}" in out
    described = boto3.client("sagemaker").describe_model_package(ModelPackageName=package)
    assert described["ModelApprovalStatus"] == ("Rejected" if reject else "Approved")
    assert described.get("ApprovalDescription") == ("AUC drifted" if reject else "looks good")
    ended = _ended(execution)
    assert ended["status"] == ("FAILED" if reject else "SUCCEEDED"), ended
    if reject:
        events = boto3.client("stepfunctions").get_execution_history(executionArn=execution)["events"]
        entered = [e["stateEnteredEventDetails"]["name"] for e in events
                   if e["type"].endswith("StateEntered")]
        assert entered[-1] == "Model rejected"
    # nothing waits any more
    code, out, err = cli("approve", PRODUCTION, "--stack-name", "prod")
    assert code == 1 and "no run of this pipeline waits for approval" in err


def test_approve_asks_which_run_when_several_wait(production_stack, interpreter, cli):
    topic = boto3.client("sns").create_topic(Name="approvals")["TopicArn"]
    package = _package(production_stack)
    one = _waiting_run(production_stack, topic, package, "one")
    sfn = boto3.client("stepfunctions")
    machine = sfn.describe_execution(executionArn=one)["stateMachineArn"]
    two = sfn.start_execution(stateMachineArn=machine, name="two", input=json.dumps(
        {"registry": {"ModelPackageArn": package}, "tuning": {"BestTrainingJob": {
            "FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": "roc_auc",
                                                            "Value": 0.9}}}}))["executionArn"]
    time.sleep(0.5)
    code, out, err = cli("approve", PRODUCTION, "--stack-name", "prod")
    assert code == 1 and "2 runs wait for approval" in err and "--execution ARN" in err
    code, out, err = cli("approve", PRODUCTION, "--stack-name", "prod", "--execution", two)
    assert code == 0, out + err
    assert _ended(two)["status"] == "SUCCEEDED"
    assert sfn.describe_execution(executionArn=one)["status"] == "RUNNING"


def test_a_token_that_no_longer_works_leaves_the_package_as_it_was(production_stack):
    """The run is answered first: when that fails (the approval timed out, the run was
    stopped), the package must not be left Approved with nothing deployed. moto accepts any
    token, so Step Functions' answer to an expired one (TaskTimedOut, SendTaskSuccess API
    reference) is injected into the real client; SageMaker is moto's."""
    from mlops_dsl.deploy.approval import Waiting, decide
    from mlops_dsl.deploy.faults import DeployError

    package = _package(production_stack)
    sagemaker, sfn = boto3.client("sagemaker"), boto3.client("stepfunctions")

    def expired(**_):
        raise sfn.exceptions.TaskTimedOut(
            {"Error": {"Code": "TaskTimedOut", "Message": "Task Timed Out"}}, "SendTaskSuccess")

    sfn.meta.events.register("before-call.sfn.SendTaskSuccess", expired)
    waiting = Waiting(execution="arn:aws:states:us-east-1:123456789012:execution:x:gone",
                      token="AQB8AAAAKgAAAAMAAAAAexpired", model_package=package)
    with pytest.raises(DeployError) as raised:
        decide(sagemaker, sfn, waiting, approve=True, reason="too late")
    assert "the package was left as it was" in str(raised.value)
    described = sagemaker.describe_model_package(ModelPackageName=package)
    assert described["ModelApprovalStatus"] == "PendingManualApproval"

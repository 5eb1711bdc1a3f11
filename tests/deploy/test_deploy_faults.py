"""Behaviour under faults: every AWS failure becomes a message that says what happened and what to
do, never a traceback; retries are botocore's (standard mode), not a loop of ours."""
from __future__ import annotations

import datetime

import pytest
from botocore.exceptions import ClientError, NoCredentialsError, NoRegionError
from botocore.stub import Stubber
from deploy_helpers import SAMPLE


def client_error(code, message="boom", operation="CreateChangeSet"):
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


@pytest.mark.parametrize("error, expected", [
    (NoCredentialsError(), ["no AWS credentials found", "aws configure"]),
    (NoRegionError(), ["no AWS region is set", "--region"]),
    (client_error("ExpiredToken", "The security token included in the request is expired"),
     ["credentials have expired", "refresh them"]),
    (client_error("ThrottlingException", "Rate exceeded"),
     ["kept throttling", "even after botocore's retries", "wait a minute and rerun"]),
    (client_error("BucketAlreadyExists", "The requested bucket name is not available"),
     ["already taken", "choose another name"]),
    (client_error("ValidationError", "Stack:arn is in UPDATE_ROLLBACK_FAILED state and can not be updated."),
     ["UPDATE_ROLLBACK_FAILED", "continue-update-rollback"]),
    (client_error("AccessDenied", "not allowed"), ["access denied", "permission"]),
])
def test_translations_say_what_happened_and_what_to_do(error, expected):
    from mlops_dsl.deploy.faults import translate

    message = str(translate(error, "deploying"))
    for part in expected:
        assert part in message


def test_clients_use_botocore_standard_retries():
    from mlops_dsl.deploy.session import MAX_ATTEMPTS, connect

    aws = connect(region="us-east-1")
    retries = aws.client("cloudformation").meta.config.retries
    assert retries["mode"] == "standard" and retries["total_max_attempts"] == MAX_ATTEMPTS


def test_missing_credentials_is_a_message_not_a_traceback(moto_server, cli, monkeypatch):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key)
    code, _, err = cli("deploy", SAMPLE, "--stack-name", "demo", "--yes")
    assert code == 1
    assert err.startswith("error: no AWS credentials found")
    assert "what to do:" in err and "Traceback" not in err and "internal error" not in err


def test_unknown_profile_is_a_message(moto_server, cli):
    code, _, err = cli("diff", SAMPLE, "--stack-name", "demo", "--profile", "no-such-profile")
    assert code == 1
    assert "no-such-profile" in err and "--profile" in err


def test_missing_region_is_a_message(monkeypatch):
    from mlops_dsl.deploy.faults import DeployError
    from mlops_dsl.deploy.session import connect

    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(DeployError, match="no AWS region is set") as caught:
        connect()
    assert "--region" in caught.value.hint


def test_unreachable_endpoint_is_a_message(cli, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setattr("mlops_dsl.deploy.session.MAX_ATTEMPTS", 1)
    code, _, err = cli("diff", SAMPLE, "--stack-name", "demo")
    assert code == 1
    assert "could not reach AWS" in err and "Traceback" not in err


def _stubbed_cloudformation():
    import boto3

    return boto3.client("cloudformation", region_name="us-east-1")


def test_stack_stuck_in_update_rollback_failed_is_refused_with_the_way_out():
    from mlops_dsl.deploy import stack as stacks
    from mlops_dsl.deploy.faults import DeployError

    cf = _stubbed_cloudformation()
    with Stubber(cf) as stub:
        stub.add_response("describe_stacks", {"Stacks": [{
            "StackName": "demo", "StackStatus": "UPDATE_ROLLBACK_FAILED",
            "CreationTime": datetime.datetime(2024, 1, 1)}]})
        stack = stacks.describe(cf, "demo")
    with pytest.raises(DeployError) as caught:
        stacks.check_updatable(stack)
    assert "UPDATE_ROLLBACK_FAILED" in str(caught.value)
    assert "aws cloudformation continue-update-rollback --stack-name demo" in caught.value.hint


def test_rolled_back_first_deploy_is_refused_with_the_way_out():
    from mlops_dsl.deploy.faults import DeployError
    from mlops_dsl.deploy.stack import Stack, check_updatable

    with pytest.raises(DeployError) as caught:
        check_updatable(Stack("demo", "ROLLBACK_COMPLETE"))
    assert "delete-stack --stack-name demo" in caught.value.hint and "retained" in caught.value.hint


def _event(number, logical_id, status, kind="AWS::ECR::Repository", reason=None):
    event = {"StackId": "arn:stack", "EventId": f"e{number}", "StackName": "demo",
             "LogicalResourceId": logical_id, "ResourceType": kind, "ResourceStatus": status,
             "Timestamp": datetime.datetime(2024, 1, 1, 12, 0, number)}
    if reason:
        event["ResourceStatusReason"] = reason
    return event


def test_following_a_failed_update_names_the_resource_and_the_reason():
    from mlops_dsl.deploy.events import follow

    cf = _stubbed_cloudformation()
    stack_kind = "AWS::CloudFormation::Stack"
    newest_first = [
        _event(6, "demo", "UPDATE_ROLLBACK_COMPLETE", stack_kind),
        _event(5, "StateMachine", "UPDATE_FAILED", "AWS::StepFunctions::StateMachine",
               "Resource update cancelled"),
        _event(4, "demo", "UPDATE_ROLLBACK_IN_PROGRESS", stack_kind, "The following resource(s) failed"),
        _event(3, "ModelRepository", "UPDATE_FAILED",
               reason="Resource of type 'AWS::ECR::Repository' with identifier 'byo-xgboost' already exists."),
        _event(2, "ModelRepository", "UPDATE_IN_PROGRESS"),
        _event(1, "demo", "UPDATE_IN_PROGRESS", stack_kind, "User Initiated"),
    ]
    lines = []
    with Stubber(cf) as stub:
        stub.add_response("describe_stack_events", {"StackEvents": newest_first})
        stub.add_response("describe_stacks", {"Stacks": [{
            "StackName": "demo", "StackStatus": "UPDATE_ROLLBACK_COMPLETE",
            "CreationTime": datetime.datetime(2024, 1, 1)}]})
        stub.add_response("describe_stack_events", {"StackEvents": newest_first})
        outcome = follow(cf, "demo", seen={"e0"}, expected=2, out=lines.append, sleep=lambda _: None)
    assert outcome.status == "UPDATE_ROLLBACK_COMPLETE"
    cause = outcome.root_cause
    assert (cause.logical_id, cause.status) == ("ModelRepository", "UPDATE_FAILED")
    assert "already exists" in cause.reason
    lines = "\n".join(lines).splitlines()
    assert [line.split()[-1] for line in lines if "reason:" not in line][:3] == [
        "demo", "ModelRepository", "ModelRepository"]  # oldest first
    assert any("reason: Resource of type" in line for line in lines)


def test_translating_an_unreadable_answer_keeps_its_code_and_message():
    from botocore.parsers import ResponseParserError

    from mlops_dsl.deploy.faults import translate

    error = ResponseParserError('Unable to parse response, invalid XML received:\n'
                                'b\'{"__type": "ResourceAlreadyExistsException", '
                                '"message": "The specified log group already exists"}\'')
    message = str(translate(error, "executing the change set"))
    assert "ResourceAlreadyExistsException: The specified log group already exists" in message

"""The stack event follower's deadline and its "still waiting for X" lines.

End to end, a proxy in front of moto holds the stack in CREATE_IN_PROGRESS (moto settles stacks
at once) with one resource that never finishes; in the unit test a fake clock walks through the
default hour.
"""
from __future__ import annotations

import datetime
import re

import boto3
import pytest
from botocore.stub import Stubber
from deploy_helpers import SAMPLE

from mlops_dsl import exit_codes
from mlops_dsl.deploy import events

MEMBER = re.compile(rb"<member>.*?</member>", re.S)


def hold_in_progress(body: bytes) -> bytes:
    """DescribeStackEvents as it would read while StateMachine is still being created: the
    stack's CREATE_COMPLETE removed, a CREATE_IN_PROGRESS event of StateMachine added."""
    members = MEMBER.findall(body)
    kept = [m for m in members if b"<ResourceStatus>CREATE_COMPLETE</ResourceStatus>" not in m]
    started = next(m for m in members if b"<ResourceStatus>CREATE_IN_PROGRESS<" in m)
    machine = re.sub(rb"<EventId>[^<]*</EventId>", b"<EventId>held-state-machine</EventId>", started)
    machine = machine.replace(b"<LogicalResourceId>demo</LogicalResourceId>",
                              b"<LogicalResourceId>StateMachine</LogicalResourceId>")
    machine = machine.replace(b"<ResourceType>AWS::CloudFormation::Stack</ResourceType>",
                              b"<ResourceType>AWS::StepFunctions::StateMachine</ResourceType>")
    machine = re.sub(rb"<ResourceStatusReason>[^<]*</ResourceStatusReason>", b"", machine)
    if not members:
        return body
    head, tail = body.split(members[0], 1)[0], body.rsplit(members[-1], 1)[1]
    return head + machine + b"".join(kept) + tail


def test_a_stack_that_never_settles_is_given_up_on_with_what_to_do(fault_proxy, cli, monkeypatch):
    monkeypatch.setattr(events, "HEARTBEAT_SECONDS", 0.3)
    fault_proxy.let_through("DescribeStackEvents", times=1)  # the events before executing
    fault_proxy.rewrite("DescribeStackEvents", hold_in_progress)
    fault_proxy.rewrite("DescribeStacks", lambda body: body.replace(
        b"<StackStatus>CREATE_COMPLETE</StackStatus>", b"<StackStatus>CREATE_IN_PROGRESS</StackStatus>"))
    code, out, err = cli("deploy", SAMPLE, "--stack-name", "demo", "--yes", "--stack-timeout", "0.03")
    assert code == exit_codes.FAILED
    assert re.search(r"CREATE_IN_PROGRESS +AWS::StepFunctions::StateMachine +StateMachine$", out, re.M)
    assert re.search(r"^  \.\.\. still waiting for StateMachine \(AWS::StepFunctions::StateMachine\) "
                     r"to finish CREATE_IN_PROGRESS, \d+ s so far$", out, re.M), out
    lines = err.splitlines()
    assert re.fullmatch(r"error: stopped following stack demo after \d+ s: it is still "
                        r"CREATE_IN_PROGRESS; it is waiting for StateMachine "
                        r"\(AWS::StepFunctions::StateMachine\) to finish CREATE_IN_PROGRESS "
                        r"\(\d+ s so far\)", lines[0]), lines[0]
    assert lines[1].startswith("  not uploaded: assets/")
    assert lines[2].startswith("  what to do: CloudFormation carries on without us. Follow it with "
                               "`aws cloudformation describe-stack-events --stack-name demo`")
    assert "rerun deploy" in lines[2]


@pytest.mark.parametrize("value", ["0", "-5", "soon", "nan", "inf"])
def test_the_stack_timeout_must_be_a_positive_number_of_minutes(cli, value):
    with pytest.raises(SystemExit) as exited:
        cli("deploy", SAMPLE, "--stack-name", "demo", "--stack-timeout", value)
    assert exited.value.code == exit_codes.INVALID


def _event(number, logical_id, status, kind):
    return {"StackId": "arn:stack", "EventId": f"e{number}", "StackName": "demo",
            "LogicalResourceId": logical_id, "ResourceType": kind, "ResourceStatus": status,
            "Timestamp": datetime.datetime(2024, 1, 1, 12, 0, number)}


def test_the_default_deadline_is_an_hour_with_a_line_a_minute_saying_what_it_waits_for():
    cf = boto3.client("cloudformation", region_name="us-east-1")
    page = {"StackEvents": [
        _event(3, "Endpoint", "CREATE_IN_PROGRESS", "AWS::SageMaker::Endpoint"),
        _event(2, "Bucket", "CREATE_COMPLETE", "AWS::S3::Bucket"),
        _event(1, "Bucket", "CREATE_IN_PROGRESS", "AWS::S3::Bucket"),
        _event(0, "demo", "CREATE_IN_PROGRESS", "AWS::CloudFormation::Stack")]}
    in_progress = {"Stacks": [{"StackName": "demo", "StackStatus": "CREATE_IN_PROGRESS",
                               "CreationTime": datetime.datetime(2024, 1, 1)}]}
    now = [0.0]
    polls = int(events.DEADLINE_SECONDS // events.HEARTBEAT_SECONDS) + 1
    lines = []
    with Stubber(cf) as stub:
        for _ in range(polls):
            stub.add_response("describe_stack_events", page)
            stub.add_response("describe_stacks", in_progress)
        with pytest.raises(events.StillRunning) as stopped:
            events.follow(cf, "demo", seen=set(), out=lines.append, clock=lambda: now[0],
                          sleep=lambda seconds: now.__setitem__(0, now[0] + events.HEARTBEAT_SECONDS))
        stub.assert_no_pending_responses()
    waiting = [line for line in lines if line.startswith("  ... ")]
    assert len(waiting) == polls - 2  # one a minute, from the first minute to the 59th
    assert waiting[4] == ("  ... still waiting for Endpoint (AWS::SageMaker::Endpoint) to finish "
                          "CREATE_IN_PROGRESS, 5 min so far")
    assert stopped.value.message == (
        "stopped following stack demo after 1 h: it is still CREATE_IN_PROGRESS; it is waiting "
        "for Endpoint (AWS::SageMaker::Endpoint) to finish CREATE_IN_PROGRESS (1 h so far)")
    assert "cancel-update-stack" not in stopped.value.hint  # a create: nothing to cancel back to


def test_waiting_names_the_longest_and_counts_the_others():
    outcome = events.Outcome("UPDATE_IN_PROGRESS", waiting={
        "Endpoint": events.Waiting("Endpoint", "AWS::SageMaker::Endpoint", "UPDATE_IN_PROGRESS", 0.0),
        "Job": events.Waiting("Job", "AWS::Glue::Job", "UPDATE_IN_PROGRESS", 100.0)})
    assert events.waiting_line("demo", outcome, 400.0, 400.0) == (
        "still waiting for Endpoint (AWS::SageMaker::Endpoint) to finish UPDATE_IN_PROGRESS, "
        "6 min 40 s so far (and 1 other resource)")
    assert events.waiting_line("demo", events.Outcome("UPDATE_IN_PROGRESS"), 90.0, 90.0) == \
        "stack demo is still UPDATE_IN_PROGRESS, 1 min 30 s so far"

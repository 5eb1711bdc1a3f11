"""Network faults between boto3 and AWS, injected by a proxy in front of the moto server: an
endpoint that never answers, 502/503 answers, dropped connections, slow answers. Real boto3
clients, a real server; the limits are shortened so that each case takes seconds."""
from __future__ import annotations

import re

import boto3
import pytest
from deploy_helpers import SAMPLE

from mlops_dsl.deploy import session

READ_TIMEOUT = 1.0
UNANSWERED = 3.0
RETRY_LINE = re.compile(r"^  \.\.\. (?P<reason>.+): retrying (?P<service>\S+) (?P<operation>\S+) "
                        r"\(attempt (?P<attempt>\d+) of (?P<max>\d+)\)$")


@pytest.fixture
def short_limits(monkeypatch):
    monkeypatch.setattr(session, "CONNECT_TIMEOUT", 1.0)
    monkeypatch.setattr(session, "READ_TIMEOUT", READ_TIMEOUT)
    monkeypatch.setattr(session, "UNANSWERED_SECONDS", UNANSWERED)


def retry_lines(err: str) -> list[dict]:
    return [m.groupdict() for m in map(RETRY_LINE.match, err.splitlines()) if m]


def moto(service, server):
    """A client that bypasses the proxy, to look at what the deploy left."""
    return boto3.client(service, endpoint_url=server)


def test_the_default_limits_report_a_silent_endpoint_within_about_two_minutes():
    limits = session.default_limits()
    # the last attempt starts before unanswered_seconds and waits at most one read timeout
    assert limits.unanswered_seconds + limits.read_timeout <= 120
    assert limits.connect_timeout < limits.unanswered_seconds
    assert limits.max_attempts == session.MAX_ATTEMPTS == 8  # throttling keeps every attempt


def test_an_endpoint_that_never_answers_is_reported_with_a_line_per_retry(fault_proxy, cli,
                                                                          short_limits):
    fault_proxy.hang("*")
    code, out, err = cli("deploy", SAMPLE, "--stack-name", "demo", "--yes")
    assert code == 1
    # the first line came although no AWS call ever answered: it was printed before the first
    assert out.splitlines()[0] == "deploying attrition to stack demo in us-east-1"
    attempts = fault_proxy.calls("DescribeStacks", "hang")
    assert fault_proxy.seen == attempts, "nothing went on after the first call gave up"
    retries = retry_lines(err)
    assert [int(r["attempt"]) for r in retries] == list(range(2, len(attempts) + 1))
    assert {(r["reason"], r["service"], r["operation"], r["max"]) for r in retries} == {
        (f"no answer within {READ_TIMEOUT:g} s", "cloudformation", "DescribeStacks",
         str(session.MAX_ATTEMPTS))}
    # given up on because the time was up, not because botocore's attempts ran out
    assert 2 <= len(attempts) < session.MAX_ATTEMPTS
    assert attempts[-1].at - attempts[0].at < UNANSWERED
    assert re.search(r"^error: could not reach AWS while looking up stack demo: cloudformation "
                     rf"DescribeStacks at {re.escape(fault_proxy.url)} failed {len(attempts)} "
                     r"attempts over \d+ s \(the last: no answer within 1 s\)$", err, re.M), err
    assert "  what to do: check the network connection" in err and "Traceback" not in err


def test_a_502_that_persists_is_retried_then_reported_with_what_to_do(fault_proxy, cli,
                                                                     short_limits, monkeypatch):
    monkeypatch.setattr(session, "MAX_ATTEMPTS", 3)  # keeps botocore's backoff short
    fault_proxy.answer("DescribeStacks", 502)
    code, out, err = cli("deploy", SAMPLE, "--stack-name", "demo", "--yes")
    assert code == 1
    assert len(fault_proxy.calls("DescribeStacks", "status")) == 3
    assert [r["reason"] for r in retry_lines(err)] == ["HTTP 502 Bad Gateway"] * 2
    assert "error: AWS answered HTTP 502 (Bad Gateway) to DescribeStacks while looking up stack " \
           "demo, even after botocore's retries" in err
    assert "what to do: this is a fault on AWS's side or in a proxy" in err
    assert "safe to repeat" in err


def test_transient_faults_are_retried_and_the_deploy_completes(fault_proxy, moto_server, cli,
                                                               short_limits, monkeypatch):
    monkeypatch.setattr(session, "READ_TIMEOUT", 3.0)  # moto answers well within it, even loaded
    monkeypatch.setattr(session, "UNANSWERED_SECONDS", 10.0)
    fault_proxy.answer("CreateChangeSet", 503, times=1)
    fault_proxy.drop("ExecuteChangeSet", times=1)
    fault_proxy.slow("DescribeChangeSet", 4.0, times=1)  # one answer too late
    fault_proxy.answer("PUT /*/data/score/*", 502, times=2)
    code, out, err = cli("deploy", SAMPLE, "--stack-name", "demo", "--yes")
    assert code == 0, err
    reasons = {(r["operation"], r["reason"]) for r in retry_lines(err)}
    assert reasons == {("CreateChangeSet", "HTTP 503 Service Unavailable"),
                       ("ExecuteChangeSet", "the connection was closed before an answer came"),
                       ("DescribeChangeSet", "no answer within 3 s"),
                       ("PutObject", "HTTP 502 Bad Gateway")}
    stack = moto("cloudformation", moto_server).describe_stacks(StackName="demo")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert "  uploading  score.csv" in out
    assert len(moto("cloudformation", moto_server).list_stacks()["StackSummaries"]) == 1


def test_a_fault_while_following_the_stack_says_the_stack_carries_on(fault_proxy, cli,
                                                                    short_limits):
    fault_proxy.let_through("DescribeStackEvents", times=1)  # the events before executing
    fault_proxy.hang("DescribeStackEvents")
    code, out, err = cli("deploy", SAMPLE, "--stack-name", "demo", "--yes")
    assert code == 1
    assert "error: could not reach AWS while reading the events of stack demo" in err
    assert re.search(r"^  stack demo: its change set \S+ is executing \(create\); CloudFormation "
                     r"carries on without us", err, re.M), err
    assert "Meanwhile: watch the stack with `aws cloudformation describe-stacks --stack-name " \
           "demo" in err
    assert "not uploaded: assets/" in err and "data/score/score.csv" in err

"""The execution-history follower (mlops_dsl.asl.history) against moto's Step Functions interpreter,
through a real boto3 client and its paginator.

moto 5.2.5 answers ``GetExecutionHistory`` with the whole history in one page and ignores
``maxResults``, ``nextToken`` and ``reverseOrder``. The ``paging`` fixture makes the moto server
page as the API reference says Step Functions does (at most ``maxResults`` events, 100 by default;
newest first with ``reverseOrder``; a ``nextToken`` while events remain), so the follower's paging
is exercised over HTTP: https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html
"""
from __future__ import annotations

import json
import time

import boto3
import pytest
from deploy_helpers import enable_sfn_interpreter

from mlops_dsl.asl.history import PAGE_SIZE, HistoryFollower

ROLE = "arn:aws:iam::123456789012:role/test-states"
DEFAULT_PAGE = 100  # GetExecutionHistory's page size when maxResults is not given


@pytest.fixture
def sfn(moto_server):
    enable_sfn_interpreter(moto_server)
    yield boto3.client("stepfunctions")
    enable_sfn_interpreter(moto_server, enabled=False)


@pytest.fixture
def paging(monkeypatch, sfn):
    """The moto server pages GetExecutionHistory as AWS does; returns each request it answered as
    (maxResults, reverseOrder, number of events returned)."""
    from moto.core.responses import ActionResult
    from moto.stepfunctions.responses import StepFunctionResponse

    requests = []
    whole_history = StepFunctionResponse.get_execution_history

    def paged(self):
        events = list(whole_history(self).result["events"])
        size, reverse = self._get_param("maxResults"), bool(self._get_param("reverseOrder"))
        if reverse:
            events.reverse()
        token = self._get_param("nextToken")
        if token:  # the id of the last event already returned: stable while events are added
            events = events[next(i for i, e in enumerate(events) if str(e["id"]) == token) + 1:]
        page = events[:size or DEFAULT_PAGE]
        requests.append((size, reverse, len(page)))
        result = {"events": page}
        if len(events) > len(page):
            result["nextToken"] = str(page[-1]["id"])
        return ActionResult(result)

    monkeypatch.setattr(StepFunctionResponse, "get_execution_history", paged)
    return requests


def _start(sfn, name: str, definition: dict) -> str:
    machine = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)
    return sfn.start_execution(stateMachineArn=machine["stateMachineArn"])["executionArn"]


def _passes(count: int) -> dict:
    """A workflow of ``count`` Pass states: two history events each, plus four."""
    states = {f"Step {i}": {"Type": "Pass", "Next": f"Step {i + 1}"} for i in range(count)}
    states[f"Step {count}"] = {"Type": "Succeed"}
    return {"StartAt": "Step 0", "States": states}


def _whole_history(sfn, execution: str) -> list[dict]:
    """Every event, oldest first, read independently of the follower."""
    pages = sfn.get_paginator("get_execution_history").paginate(executionArn=execution)
    return sorted((e for page in pages for e in page["events"]), key=lambda e: e["id"])


@pytest.mark.parametrize("server", ["paging", "moto as it is"])
def test_a_history_longer_than_a_page_is_delivered_whole_in_order(sfn, server, request):
    if server == "paging":
        request.getfixturevalue("paging")
    execution = _start(sfn, "long", _passes(PAGE_SIZE))  # more events than one page holds
    seen = []
    outcome = HistoryFollower(sfn, execution, seen.append).follow(poll_seconds=0.05)
    expected = _whole_history(sfn, execution)
    assert len(expected) > PAGE_SIZE
    assert [e.id for e in seen] == [e["id"] for e in expected] == list(range(1, len(expected) + 1))
    assert [e.kind for e in seen] == [e["type"] for e in expected]
    assert [e.state for e in seen if e.entered] == [f"Step {i}" for i in range(PAGE_SIZE + 1)]
    assert outcome.succeeded and outcome.failed_state is None


def test_a_poll_reads_the_new_pages_newest_first_and_stops_at_a_known_event(sfn, paging):
    page = 30
    definition = _passes(40)
    definition["States"]["Step 20"] = {"Type": "Wait", "Seconds": 1, "Next": "Step 21"}
    execution = _start(sfn, "paged", definition)
    seen = []
    follower = HistoryFollower(sfn, execution, seen.append, page_size=page)
    while follower.current_state != "Step 20":  # wait in the middle of the run
        follower.poll()
        time.sleep(0.05)
    before = follower.last_id
    while sfn.describe_execution(executionArn=execution)["status"] == "RUNNING":
        time.sleep(0.05)
    paging.clear()
    new = follower.poll()
    total = len(_whole_history(sfn, execution))
    assert before > page and new == total - before
    asked = paging[:new // page + 1]  # full pages of the new events, then one that reaches the known
    assert paging[len(asked)][1] is False  # the next request is _whole_history's own
    assert all((size, reverse) == (page, True) for size, reverse, _ in asked)
    assert [count for _, _, count in asked] == [page] * len(asked)
    assert [e.id for e in seen] == list(range(1, total + 1))  # each event once, in order
    paging.clear()
    assert follower.poll() == 0 and len(paging) == 1  # nothing new: one request


def test_history_seconds_reads_the_history_less_often_than_the_status(sfn):
    """``follow(history_seconds=...)`` (the local runner's: moto serializes the whole history on
    every read) checks the status every poll, reads the history at most that often, and still
    delivers every event before it returns."""
    definition = _passes(3)
    definition["States"]["Step 1"] = {"Type": "Wait", "Seconds": 1, "Next": "Step 2"}
    execution = _start(sfn, "seldom", definition)
    calls = []

    def count(model, **_):
        calls.append(model.name)

    sfn.meta.events.register("before-call.sfn.*", count)
    seen = []
    outcome = HistoryFollower(sfn, execution, seen.append).follow(poll_seconds=0.02,
                                                                  history_seconds=60)
    sfn.meta.events.unregister("before-call.sfn.*", count)
    statuses, reads = calls.count("DescribeExecution"), calls.count("GetExecutionHistory")
    assert outcome.succeeded
    assert [e.id for e in seen] == [e["id"] for e in _whole_history(sfn, execution)]
    assert reads == 2  # when it started and when the execution had ended
    assert statuses > 10  # the Wait of 1 s, checked every 0.02 s

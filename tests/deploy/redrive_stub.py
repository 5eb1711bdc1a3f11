"""A recorded stand-in for Step Functions' RedriveExecution, in front of the moto server.

Why a stub: moto (5.2.x, the pinned version) has no RedriveExecution; its Step Functions API
answers ``UnknownOperationException``. Everything else goes through to moto unchanged (CloudFormation,
S3, ECR, and Step Functions' other calls), so the executions, their state machine and their
first attempt's history are moto's own. The stub answers, on 127.0.0.1, in Step Functions' JSON
protocol (awsJson1_0, ``X-Amz-Target: AWSStepFunctions.<Operation>``):

- ``RedriveExecution``: ``{"redriveDate": ...}``, or the service's errors (ExecutionDoesNotExist;
  ExecutionNotRedrivable for an execution that did not end FAILED/ABORTED/TIMED_OUT, or one the
  test marks with its own reason);
- for a redriven execution, ``DescribeExecution`` and ``GetExecutionHistory``: moto's answer
  with what AWS adds after a redrive (``redriveCount``, ``redriveDate``, ``redriveStatus``; an
  ``ExecutionRedriven`` event and then the states from the failed one on, as the state machine's
  definition orders them, ending ``ExecutionSucceeded``).

Every answer the stub makes (and every request it takes) is checked against botocore's service
model for Step Functions; a mismatch is kept in ``errors`` and answered with HTTP 500.
"""
from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import botocore.session
from botocore.validate import ParamValidator

MODEL = botocore.session.get_session().get_service_model("stepfunctions")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


def shape_problems(value: dict, operation: str, *, output: bool = True) -> str:
    """botocore's report of how ``value`` departs from the operation's output (or input) shape."""
    model = MODEL.operation_model(operation)
    report = ParamValidator().validate(value, model.output_shape if output else model.input_shape)
    return report.generate_report() if report.has_errors() else ""


def _json_default(value):
    if isinstance(value, dt.datetime):
        return value.timestamp()
    raise TypeError(type(value))


class RedriveStub:
    """``url`` is where clients go; ``redriven`` lists the ARNs redriven; ``refuse[arn] = reason``
    makes the service refuse one with ExecutionNotRedrivable."""

    def __init__(self, moto_url: str, definition: dict):
        self.moto_url = moto_url
        self.definition = definition
        self.redriven: list[str] = []
        self.refuse: dict[str, str] = {}
        self.errors: list[str] = []
        self._extra: dict[str, dict] = {}  # execution -> {"date": ..., "events": [...]}
        self.sfn = boto3.client("stepfunctions", endpoint_url=moto_url)
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                target = self.headers.get("X-Amz-Target", "")
                if target.startswith("AWSStepFunctions."):
                    answered = stub.answer(target.split(".", 1)[1], json.loads(body or b"{}"))
                    if answered is not None:
                        status, payload = answered
                        return self._reply(status, json.dumps(payload, default=_json_default).encode(),
                                           {"Content-Type": "application/x-amz-json-1.0"})
                self._forward(body)

            def _forward(self, body: bytes):
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                request = urllib.request.Request(stub.moto_url + self.path, data=body or None,
                                                 method=self.command, headers=headers)
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        self._reply(response.status, response.read(), response.headers)
                except urllib.error.HTTPError as error:
                    self._reply(error.code, error.read(), error.headers)

            def _reply(self, status: int, payload: bytes, headers):
                self.send_response(status)
                for key, value in dict(headers).items():
                    if key.lower() not in HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    # -- the answers ----------------------------------------------------------------------------

    def answer(self, operation: str, request: dict):
        """(HTTP status, body) for the calls the stub answers; None to pass to moto."""
        if operation == "RedriveExecution":
            return self._checked(operation, request, self._redrive(request))
        arn = request.get("executionArn")
        if arn not in self._extra:
            return None
        if operation == "DescribeExecution":
            return self._checked(operation, request, (200, self._describe(arn)))
        if operation == "GetExecutionHistory":
            return self._checked(operation, request, (200, self._history(arn, request)))
        return None

    def _checked(self, operation: str, request: dict, answer):
        problem = shape_problems(request, operation, output=False)
        status, payload = answer
        if status == 200:
            problem += shape_problems(payload, operation)
        elif payload.get("__type", "").split("#")[-1] not in {
                e.name for e in MODEL.operation_model(operation).error_shapes}:
            problem += f"{payload['__type']} is not an error of {operation}"
        if problem:
            self.errors.append(f"{operation}: {problem}")
            return 500, {"__type": "InternalStubError", "message": problem}
        return status, payload

    @staticmethod
    def _error(name: str, message: str):
        return 400, {"__type": f"com.amazonaws.states#{name}", "message": message}

    def _redrive(self, request: dict):
        arn = request.get("executionArn", "")
        try:
            described = self.sfn.describe_execution(executionArn=arn)
        except self.sfn.exceptions.ExecutionDoesNotExist:
            return self._error("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'")
        status = self._describe(arn)["status"] if arn in self._extra else described["status"]
        if status not in ("FAILED", "ABORTED", "TIMED_OUT"):
            # the reason DescribeExecution's redriveStatusReason gives for such a run
            return self._error("ExecutionNotRedrivable",
                               f"Execution is {status} and cannot be redriven.")
        if arn in self.refuse:
            return self._error("ExecutionNotRedrivable", self.refuse[arn])
        now = dt.datetime.now(dt.timezone.utc)
        self._extra[arn] = {"date": now, "events": self._resumed_events(arn, now)}
        self.redriven.append(arn)
        return 200, {"redriveDate": now}

    def _first_history(self, arn: str) -> list[dict]:
        events = []
        for page in self.sfn.get_paginator("get_execution_history").paginate(executionArn=arn):
            events += page["events"]
        return events

    def _resumed_events(self, arn: str, now: dt.datetime) -> list[dict]:
        """What AWS appends after a redrive: ExecutionRedriven, then the failed state and those
        after it (by the definition's Next/Default), each entered and exited, then success."""
        first = self._first_history(arn)
        entered = [e for e in first if e["type"].endswith("StateEntered")]
        state = entered[-1]["stateEnteredEventDetails"]["name"]
        next_id = max(e["id"] for e in first) + 1
        events = [{"timestamp": now, "type": "ExecutionRedriven", "id": next_id,
                   "previousEventId": next_id - 1,
                   "executionRedrivenEventDetails": {"redriveCount": 1}}]
        states = self.definition["States"]
        seen = set()
        while state and state not in seen:
            seen.add(state)
            kind = states[state]["Type"]
            for suffix, key, detail in (("StateEntered", "stateEnteredEventDetails", "input"),
                                        ("StateExited", "stateExitedEventDetails", "output")):
                next_id += 1
                events.append({"timestamp": now, "type": f"{kind}{suffix}", "id": next_id,
                               "previousEventId": next_id - 1,
                               key: {"name": state, detail: "{}"}})
            if kind in ("Succeed", "Fail") or states[state].get("End"):
                break
            state = states[state].get("Next") or states[state].get("Default")
        next_id += 1
        events.append({"timestamp": now, "type": "ExecutionSucceeded", "id": next_id,
                       "previousEventId": next_id - 1,
                       "executionSucceededEventDetails": {"output": "{}"}})
        return events

    def _describe(self, arn: str) -> dict:
        described = {k: v for k, v in self.sfn.describe_execution(executionArn=arn).items()
                     if k != "ResponseMetadata"}
        extra = self._extra[arn]
        described.pop("error", None)
        described.pop("cause", None)
        described.update(status="SUCCEEDED", stopDate=extra["date"], output="{}",
                         redriveCount=1, redriveDate=extra["date"], redriveStatus="NOT_REDRIVABLE",
                         redriveStatusReason="Execution is SUCCEEDED and cannot be redriven.")
        return described

    def _history(self, arn: str, request: dict) -> dict:
        events = self._first_history(arn) + self._extra[arn]["events"]
        if request.get("reverseOrder"):
            events.reverse()
        return {"events": events}

"""Live progress as plain text lines: each state as it runs, each training job, the gate decision.

``Reporter`` prints lines prefixed with the time since the run started, from any thread, and keeps
named timings for the summary and the benchmark. ``Follower`` reads the execution's history from
the (in-process) Step Functions service and reports what the interpreter did, exactly as
``run --follow`` reads it from AWS.
"""
from __future__ import annotations

import json
import sys
import threading
import time

OPERATOR_SYMBOLS = {"NumericGreaterThan": ">", "NumericGreaterThanEquals": ">=",
                    "NumericLessThan": "<", "NumericLessThanEquals": "<=", "NumericEquals": "=="}


class Reporter:
    """Thread-safe progress printer and stopwatch."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout
        self.started = time.monotonic()
        self.timings: dict[str, float] = {}
        self._lock = threading.Lock()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def say(self, text: str, indent: int = 0) -> None:
        with self._lock:
            for line in str(text).splitlines() or [""]:
                self.stream.write(f"[{self.elapsed():6.1f}s] {'  ' * indent}{line}\n")
            self.stream.flush()

    def record(self, name: str, seconds: float) -> None:
        with self._lock:
            self.timings[name] = seconds


def lookup(document, path: str):
    """The value at a simple JSONPath (``$.a.b.c``) in a document, or None."""
    value = document
    for part in path.lstrip("$").strip(".").split("."):
        if not part:
            continue
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def describe_choice(state: dict, state_input: str, next_state: str) -> str:
    """``roc_auc 0.8312 > 0.8: yes -> Create model`` for a Choice state with one numeric rule."""
    rules = state.get("Choices", [])
    if len(rules) != 1 or "Variable" not in rules[0]:
        return f"-> {next_state}"
    rule = rules[0]
    operator = next((key for key in rule if key in OPERATOR_SYMBOLS), None)
    if operator is None:
        return f"-> {next_state}"
    try:
        document = json.loads(state_input)
    except ValueError:
        document = {}
    value = lookup(document, rule["Variable"])
    name = rule["Variable"]
    if name.endswith(".Value"):  # a SageMaker metric: {MetricName, Value}
        name = lookup(document, name[:-len(".Value")] + ".MetricName") or name
    verdict = "passed" if next_state == rule.get("Next") else "failed"
    shown = f"{value:g}" if isinstance(value, (int, float)) else repr(value)
    return (f"{name} {shown} {OPERATOR_SYMBOLS[operator]} {rule[operator]:g}? {verdict} "
            f"-> {next_state}")


class Follower:
    """Prints new events of one execution's history; ``poll`` may be called from any thread."""

    def __init__(self, sfn, execution_arn: str, definition: dict, reporter: Reporter):
        self.sfn = sfn
        self.arn = execution_arn
        self.states = definition.get("States", {})
        self.reporter = reporter
        self.seen = 0
        self.entered: dict[str, float] = {}
        self.pending_choice: tuple[str, str] | None = None  # (choice state, its input)
        self.gate_line: str | None = None
        self.current_state: str | None = None
        self.last_failure: dict | None = None
        self._lock = threading.Lock()

    def poll(self) -> None:
        with self._lock:
            events = self.sfn.get_execution_history(executionArn=self.arn,
                                                    maxResults=1000)["events"]
            for event in events[self.seen:]:
                self._report(event)
            self.seen = len(events)

    def _report(self, event: dict) -> None:
        kind = event["type"]
        say = self.reporter.say
        if kind.endswith("StateEntered"):
            details = event["stateEnteredEventDetails"]
            name = details["name"]
            if self.pending_choice:
                choice, choice_input = self.pending_choice
                line = describe_choice(self.states.get(choice, {}), choice_input, name)
                self.gate_line = f"{choice}: {line}"
                say(line, indent=1)
                self.pending_choice = None
            self.entered[name] = time.monotonic()
            self.current_state = name
            say(f"> {name}")
            if kind == "ChoiceStateEntered":
                self.pending_choice = (name, details.get("input", "{}"))
        elif kind.endswith("StateExited") and kind != "ChoiceStateExited":
            name = event["stateExitedEventDetails"]["name"]
            started = self.entered.get(name)
            took = f" in {time.monotonic() - started:.1f}s" if started else ""
            if started:
                self.reporter.record(f"state: {name}", time.monotonic() - started)
            say(f"done{took}", indent=1)
        elif kind in ("TaskFailed", "LambdaFunctionFailed"):
            details = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
            self.last_failure = details
            say(f"failed: {details.get('error')}", indent=1)
        elif kind == "ExecutionFailed":
            details = event.get("executionFailedEventDetails", {})
            say(f"execution failed: {details.get('error')}")
        elif kind == "ExecutionSucceeded":
            say("execution succeeded")

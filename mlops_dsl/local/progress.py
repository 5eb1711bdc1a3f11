"""Live progress as plain text lines: each state as it runs, each training job, the gate decision.

``Reporter`` prints lines prefixed with the time since the run started, from any thread, keeps
named timings for the summary and the benchmark and the run's warnings for its record, and
prints a heartbeat line every minute while a long step runs. ``StatePrinter`` turns the events of the
execution's history, which ``mlops_dsl.asl.history`` reads from the (in-process) Step Functions
service exactly as ``run --follow`` reads them from AWS, into lines of what the interpreter did.
"""
from __future__ import annotations

import contextlib
import json
import sys
import threading
import time

from ..asl.history import Event
from ..asl.operators import NUMERIC
from ..asl.paths import value_at

HEARTBEAT_SECONDS = 60.0  # a line this often while one step runs
CAUSE_CHARS = 300  # of a failed state's cause, in its progress line


def silence_stdout() -> None:
    """Point stdout at /dev/null once its reader is gone (a terminal closed by SIGHUP, a closed
    pipe), so the rest of the run, and the interpreter's last flush, write nowhere instead of
    failing (the exit status stays the run's)."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


class Reporter:
    """Thread-safe progress printer and stopwatch."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout
        self.started = time.monotonic()
        self.timings: dict[str, float] = {}
        self.warnings: list[str] = []
        self._lock = threading.Lock()

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def say(self, text: str, indent: int = 0) -> None:
        """Print ``text``; a closed terminal (SIGHUP) or pipe does not stop the run."""
        with self._lock:
            try:
                for line in str(text).splitlines() or [""]:
                    self.stream.write(f"[{self.elapsed():6.1f}s] {'  ' * indent}{line}\n")
                self.stream.flush()
            except (OSError, ValueError):  # EIO, EPIPE, or a closed stream
                if self.stream is sys.stdout:
                    silence_stdout()


    def record(self, name: str, seconds: float) -> None:
        with self._lock:
            self.timings[name] = seconds

    def warn(self, text: str, indent: int = 1) -> None:
        """A ``warning: ...`` line, kept for the run's record (each text once)."""
        with self._lock:
            if text in self.warnings:
                return
            self.warnings.append(text)
        self.say(f"warning: {text}", indent=indent)

    @contextlib.contextmanager
    def heartbeat(self, label: str, every: float | None = None):
        """While the block runs, ``<label>: still running, N min so far`` every minute."""
        every = every or HEARTBEAT_SECONDS
        done = threading.Event()
        began = time.monotonic()

        def beat():
            while not done.wait(every):
                minutes = (time.monotonic() - began) / 60
                self.say(f"{label}: still running, {minutes:.0f} min so far"
                         if minutes >= 1 else f"{label}: still running, "
                         f"{time.monotonic() - began:.0f}s so far", indent=1)

        thread = threading.Thread(target=beat, name=f"heartbeat {label}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()


def _numeric_tests(rule: dict) -> list[tuple[str, str, float]] | None:
    """``[(variable, operator, value)]`` of a rule made of numeric comparisons with literals (one,
    or an ``And`` of them, as the gate compiles), else None."""
    parts = rule["And"] if "And" in rule else [rule]
    tests = []
    for part in parts:
        operator = next((key for key in part if key in NUMERIC), None)
        if operator is None or "Variable" not in part:
            return None
        tests.append((part["Variable"], operator, part[operator]))
    return tests if len({variable for variable, _, _ in tests}) == 1 else None


def describe_choice(state: dict, state_input: str, next_state: str) -> str:
    """``roc_auc 0.8312 > 0.8? passed -> Create model`` for a Choice state with one rule of numeric
    comparisons on one value (``roc_auc 0.9995 > 0.9 and < 0.999? failed (not < 0.999) -> ...``
    for a gate with two bounds); other Choice states show where they went."""
    rules = state.get("Choices", [])
    tests = _numeric_tests(rules[0]) if len(rules) == 1 else None
    if not tests:
        return f"-> {next_state}"
    try:
        document = json.loads(state_input)
    except ValueError:
        document = {}
    variable = tests[0][0]
    value = value_at(document, variable)
    name = variable
    if name.endswith(".Value"):  # a SageMaker metric: {MetricName, Value}
        name = value_at(document, name[:-len(".Value")] + ".MetricName") or name
    verdict = "passed" if next_state == rules[0].get("Next") else "failed"
    shown = f"{value:g}" if isinstance(value, (int, float)) else repr(value)
    bounds = [f"{NUMERIC[operator].symbol} {threshold:g}" for _, operator, threshold in tests]
    missed = [bound for bound, (_, operator, threshold) in zip(bounds, tests)
              if isinstance(value, (int, float)) and not NUMERIC[operator].compare(value, threshold)]
    why = f" (not {' and not '.join(missed)})" if verdict == "failed" and missed and len(tests) > 1 else ""
    return f"{name} {shown} {' and '.join(bounds)}? {verdict}{why} -> {next_state}"


class StatePrinter:
    """Prints each state as it runs, how long it took, failures, and the gate's decision; give its
    ``show`` to a ``HistoryFollower``. ``gate_line`` is the last Choice decision it printed."""

    def __init__(self, definition: dict, reporter: Reporter):
        self.states = definition.get("States", {})
        self.reporter = reporter
        self.entered: dict[str, float] = {}
        self.pending_choice: tuple[str, str] | None = None  # (choice state, its input)
        self.gate_line: str | None = None

    def show(self, event: Event) -> None:
        kind = event.kind
        say = self.reporter.say
        if event.entered:
            name = event.state
            if self.pending_choice:
                choice, choice_input = self.pending_choice
                line = describe_choice(self.states.get(choice, {}), choice_input, name)
                self.gate_line = f"{choice}: {line}"
                say(line, indent=1)
                self.pending_choice = None
            self.entered[name] = time.monotonic()
            say(f"> {name}")
            if kind == "ChoiceStateEntered":
                self.pending_choice = (name, event.details.get("input", "{}"))
        elif event.exited and kind != "ChoiceStateExited":
            name = event.state
            started = self.entered.get(name)
            took = f" in {time.monotonic() - started:.1f}s" if started else ""
            if started:
                self.reporter.record(f"state: {name}", time.monotonic() - started)
            say(f"done{took}", indent=1)
        elif kind in ("TaskFailed", "LambdaFunctionFailed"):
            from .summary import explain_cause

            reason = (explain_cause(event.details.get("cause")) or "").strip()
            reason = reason.splitlines()[-1][:CAUSE_CHARS] if reason else ""  # the last: why
            say(f"failed: {event.details.get('error')}{': ' + reason if reason else ''}",
                indent=1)
        elif kind == "ExecutionFailed":
            say(f"execution failed: {event.details.get('error')}")
        elif kind == "ExecutionSucceeded":
            say("execution succeeded")

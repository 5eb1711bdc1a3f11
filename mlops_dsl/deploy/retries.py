"""What botocore's retries look like from the outside: a line per retry, and a time limit on calls
that get no answer.

botocore retries by itself (standard mode: exponential backoff with jitter, ``max_attempts``
attempts) but silently, and a call to an endpoint that never answers waits a whole read timeout
per attempt: with botocore's defaults (60 s, and our 8 attempts) that is 8 minutes of silence.
``Limits`` keeps the timeouts short, and ``RetryWatcher``, registered on each client's events,

- records why an attempt failed (the ``needs-retry`` event, emitted after every attempt with the
  exception caught or the response received),
- says so when the next attempt goes out (``before-send``, botocore's documented event, whose
  ``request.context`` is the call's context, ``retries.attempt`` included:
  https://docs.aws.amazon.com/botocore/latest/topics/events.html), and
- gives up on a call that got no answer once ``unanswered_seconds`` have passed since its first
  attempt (raising ``Unanswered`` from the handler ends the call), so an endpoint that never
  answers is reported within about ``unanswered_seconds + read_timeout``.

Throttling and 5xx answers come back quickly and keep botocore's full ``max_attempts``.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from botocore.exceptions import (BotoCoreError, ConnectionClosedError, ConnectionError,
                                 ConnectTimeoutError, EndpointConnectionError, HTTPClientError,
                                 ReadTimeoutError)

CONTEXT_KEY = "mlops_dsl_retries"  # our record in botocore's per-call context
NO_ANSWER = (ConnectionError, HTTPClientError)  # timeouts, refused or closed connections


@dataclass(frozen=True)
class Limits:
    """How long one call may take. The defaults: a never-answering endpoint is given up on after
    about 2 minutes (90 s + one read timeout), with a line per retry."""

    connect_timeout: float = 10.0   # botocore's default: 60
    read_timeout: float = 30.0      # botocore's default: 60; a wait between bytes, not per call
    max_attempts: int = 8           # per call, the first included (botocore standard mode)
    unanswered_seconds: float = 90.0


class Unanswered(BotoCoreError):
    """A call that got no answer, given up on before botocore's attempts ran out."""

    fmt = ("{service} {operation} at {endpoint} failed {attempts} attempt{plural} over "
           "{elapsed} (the last: {reason})")


def duration(seconds: float) -> str:
    """``45 s``, ``2 min 5 s``, ``1 h 3 min``: for messages."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def _seconds(value: float) -> str:
    return f"{value:g} s"


def reason(limits: Limits, caught_exception=None, response=None) -> str | None:
    """Why an attempt failed, in a few words; None when it did not."""
    if isinstance(caught_exception, ReadTimeoutError):
        return f"no answer within {_seconds(limits.read_timeout)}"
    if isinstance(caught_exception, ConnectTimeoutError):
        return f"could not connect within {_seconds(limits.connect_timeout)}"
    if isinstance(caught_exception, EndpointConnectionError):
        return "could not connect"
    if isinstance(caught_exception, ConnectionClosedError):
        return "the connection was closed before an answer came"
    if caught_exception is not None:
        return f"{type(caught_exception).__name__}: {caught_exception}"
    if response is None:
        return None
    http, parsed = response
    status = getattr(http, "status_code", 0) or 0
    error = (parsed or {}).get("Error", {}) if isinstance(parsed, dict) else {}
    if status < 400 and not error:
        return None
    code, message = error.get("Code", ""), error.get("Message", "")
    if code and not code.isdigit():
        return f"{code}" + (f" ({message})" if message else "")
    return f"HTTP {status}" + (f" {message}" if message else "")


class RetryWatcher:
    """The two event handlers of one client; ``notify`` gets one line per retry."""

    def __init__(self, service: str, limits: Limits, notify, clock=time.monotonic):
        self.service = service
        self.limits = limits
        self.notify = notify
        self.clock = clock

    def register(self, events) -> None:
        events.register("needs-retry", self.after_attempt)
        events.register("before-send", self.before_send)

    def _record(self, context) -> dict:
        return context.setdefault(CONTEXT_KEY, {"started": self.clock(), "reason": None})

    def before_send(self, request, event_name: str = "", **_):
        context = getattr(request, "context", None)
        if context is None:
            return None
        record = self._record(context)
        attempt = (context.get("retries") or {}).get("attempt", 1)
        if attempt > 1 and record["reason"]:
            operation = event_name.rsplit(".", 1)[-1]
            self.notify(f"  ... {record['reason']}: retrying {self.service} {operation} "
                        f"(attempt {attempt} of {self.limits.max_attempts})")
        return None

    def after_attempt(self, attempts: int, request_dict=None, operation=None, endpoint=None,
                      caught_exception=None, response=None, **_):
        if request_dict is None:
            return None
        why = reason(self.limits, caught_exception, response)
        if why is None:
            return None
        record = self._record(request_dict["context"])
        record["reason"] = why
        if isinstance(caught_exception, NO_ANSWER) and not isinstance(caught_exception, Unanswered):
            elapsed = self.clock() - record["started"]
            if elapsed >= self.limits.unanswered_seconds or attempts >= self.limits.max_attempts:
                raise Unanswered(service=self.service, operation=getattr(operation, "name", "?"),
                                 endpoint=getattr(endpoint, "host", "?"), attempts=attempts,
                                 plural="" if attempts == 1 else "s", elapsed=duration(elapsed),
                                 reason=why)
        return None  # botocore's own handler decides whether and when to retry

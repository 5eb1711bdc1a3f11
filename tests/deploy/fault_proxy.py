"""A fault-injecting HTTP proxy between boto3 and the moto server, both on 127.0.0.1.

Tests point ``AWS_ENDPOINT_URL`` at the proxy; every request goes on to moto unless a rule says
otherwise. A rule names the requests it affects (an API operation such as ``DescribeStacks`` for
the query and JSON protocols, or ``"PUT /bucket/key"`` glob patterns for S3's REST calls) and
what happens to them:

- ``drop``: the connection is closed without an answer (botocore: ConnectionClosedError);
- ``hang``: the request is read and never answered (botocore: ReadTimeoutError);
- ``status``: an HTTP error such as 502 or 503, with a proxy's HTML body;
- ``slow``: the answer comes after ``delay`` seconds;
- ``rewrite``: moto's answer, its body passed through a function;
- ``pass``: forwarded unchanged (with ``times``, lets the first N requests through before a
  later rule).

``then`` is called (on the proxy's thread) when a rule fires, before its fault: a test uses it to
act at an exact moment of the exchange, e.g. to press Ctrl-C (SIGINT to the main thread) while
the request it hangs is in flight, or to delete a file mid-deploy. ``times`` limits a rule to its
first N matching requests. Every request is recorded in ``seen``
(operation, time, the fault applied), so tests can count attempts and order them.
"""
from __future__ import annotations

import fnmatch
import http.client
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PROXY_502_BODY = b"<html><body><h1>502 Bad Gateway</h1></body></html>"


@dataclass
class Rule:
    pattern: str
    fault: str                       # drop, hang, status, slow, rewrite
    status: int = 502
    delay: float = 0.0
    times: int | None = None         # None: every matching request
    rewrite: object = None           # bytes -> bytes, for "rewrite"
    then: object = None              # called when the rule fires
    used: int = 0

    def matches(self, operation: str) -> bool:
        return fnmatch.fnmatchcase(operation, self.pattern)


@dataclass
class Seen:
    operation: str
    at: float
    fault: str = ""


@dataclass
class FaultProxy:
    upstream: str
    rules: list[Rule] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    url: str = ""

    def __post_init__(self):
        self._lock = threading.Lock()
        self._release = threading.Event()  # lets hanging requests go when the proxy stops
        proxy = self

        class Handler(_Forwarder):
            owner = proxy

        self._server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    # -- rules ------------------------------------------------------------------------------
    def add(self, pattern: str, fault: str, **options) -> Rule:
        rule = Rule(pattern, fault, **options)
        with self._lock:
            self.rules.append(rule)
        return rule

    def hang(self, pattern: str = "*", **options) -> Rule:
        return self.add(pattern, "hang", **options)

    def drop(self, pattern: str = "*", **options) -> Rule:
        return self.add(pattern, "drop", **options)

    def answer(self, pattern: str, status: int, **options) -> Rule:
        return self.add(pattern, "status", status=status, **options)

    def slow(self, pattern: str, delay: float, **options) -> Rule:
        return self.add(pattern, "slow", delay=delay, **options)

    def rewrite(self, pattern: str, function, **options) -> Rule:
        return self.add(pattern, "rewrite", rewrite=function, **options)

    def let_through(self, pattern: str, times: int, **options) -> Rule:
        return self.add(pattern, "pass", times=times, **options)

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def calls(self, pattern: str, fault: str | None = None) -> list[Seen]:
        return [s for s in self.seen if fnmatch.fnmatchcase(s.operation, pattern)
                and (fault is None or s.fault == fault)]

    def _rule_for(self, operation: str) -> Rule | None:
        with self._lock:
            for rule in self.rules:
                if rule.matches(operation) and (rule.times is None or rule.used < rule.times):
                    rule.used += 1
                    self.seen.append(Seen(operation, time.monotonic(), rule.fault))
                    return rule
            self.seen.append(Seen(operation, time.monotonic()))
        return None

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()


def press_ctrl_c() -> None:
    """What a terminal does on Ctrl-C: SIGINT to the process, handled by its main thread (the
    test's, blocked in a boto3 call), where Python raises KeyboardInterrupt."""
    import signal

    signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """A client that gave up (its timeout) closes the connection first: not an error here."""
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def operation_of(method: str, path: str, headers, body: bytes) -> str:
    """``DescribeStacks`` (query protocol: Action=), ``StartExecution`` (JSON: X-Amz-Target), or
    ``PUT /bucket/key`` for the REST protocols (S3)."""
    target = headers.get("X-Amz-Target")
    if target:
        return target.rsplit(".", 1)[-1]
    if body and "x-www-form-urlencoded" in (headers.get("Content-Type") or ""):
        action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return action[0]
    return f"{method} {urllib.parse.urlsplit(path).path}"


class _Forwarder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    owner: FaultProxy

    def log_message(self, *args):  # quiet
        pass

    def _body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or ""):
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _handle(self):
        body = self._body()
        operation = operation_of(self.command, self.path, self.headers, body)
        rule = self.owner._rule_for(operation)
        if rule is not None and rule.then is not None:
            rule.then()
        if rule is not None and rule.fault == "drop":
            self.close_connection = True
            self.connection.close()
            return
        if rule is not None and rule.fault == "hang":
            self.owner._release.wait()
            self.close_connection = True
            return
        if rule is not None and rule.fault == "status":
            self._reply(rule.status, {"Content-Type": "text/html"}, PROXY_502_BODY)
            return
        if rule is not None and rule.fault == "slow":
            time.sleep(rule.delay)
        status, headers, answer = self._forward(body)
        if rule is not None and rule.fault == "rewrite":
            answer = rule.rewrite(answer)
        self._reply(status, headers, answer)

    def _forward(self, body: bytes):
        target = urllib.parse.urlsplit(self.owner.upstream)
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("transfer-encoding", "content-length", "connection")}
        headers["Content-Length"] = str(len(body))
        try:
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read()
            dropped = ("transfer-encoding", "connection") if self.command == "HEAD" else \
                ("transfer-encoding", "content-length", "connection")  # HEAD: the object's size
            kept = {k: v for k, v in response.getheaders() if k.lower() not in dropped}
            return response.status, kept, answer
        finally:
            connection.close()

    def _reply(self, status: int, headers: dict, body: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if not any(key.lower() == "content-length" for key in headers):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

"""The runner's side of the fork server (``forkserver.py``): start one, fork programs from it.

``ForkServer(python, program, env, modules).launch()`` starts the server in its own session and
returns at once (it imports the modules while the run goes on); ``spawn`` waits until it is
ready and returns a ``ForkedProcess``, which has the part of ``subprocess.Popen``'s interface the
runner uses (``pid``, ``poll``, ``wait``, ``send_signal``, ``terminate``, ``kill``,
``returncode``). A server that cannot start, or dies, raises ``ForkServerError``: the caller
falls back to a plain subprocess.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

SERVER = Path(__file__).with_name("forkserver.py")
READY_SECONDS = 120  # importing the preloaded modules (a cold disk cache can take a while)
SPAWN_SECONDS = 30


class ForkServerError(RuntimeError):
    """The fork server did not start, did not answer or exited."""


class ForkedProcess:
    """A program forked by the server: a process of its own, in its own process group."""

    def __init__(self, args: list[str], pid: int):
        self.args = args
        self.pid = pid
        self.returncode: int | None = None
        self._ended = threading.Event()

    def _end(self, status: int) -> None:
        self.returncode = status
        self._ended.set()

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if not self._ended.wait(timeout):
            raise subprocess.TimeoutExpired(self.args, timeout)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class _Request:
    def __init__(self, args):
        self.args = args
        self.answered = threading.Event()
        self.process: ForkedProcess | None = None
        self.error: str | None = None


class ForkServer:
    """One server: ``python forkserver.py`` with ``env`` (the jobs' environment without their
    per-job variables), preloading ``modules``; forks the program of each request. ``program``
    (the program, or the folder of the programs, it is for) names it in messages."""

    def __init__(self, python: str, program: Path, env: dict, modules: list[str], log: Path):
        self.python = python
        self.program = Path(program)
        self.env = dict(env)
        self.modules = list(modules)
        self.log = Path(log)
        self.info: dict = {}
        self.error: str | None = None
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._requests: dict[int, _Request] = {}
        self._next_id = 0
        self._socket: socket.socket | None = None
        self._process: subprocess.Popen | None = None
        self._closed = False

    def launch(self, after: "ForkServer | None" = None) -> "ForkServer":
        """Start the server and return at once; with ``after`` (a server still loading), once
        that one is ready or has failed: servers loaded one after another on a machine with
        few cores make the one needed first ready soonest."""
        if after is None or after._ready.is_set():
            with self._lock:
                self._start()
        else:
            threading.Thread(target=self._start_after, args=(after,), daemon=True,
                             name=f"forkserver-after {after.program.name}").start()
        return self

    def _start_after(self, after: "ForkServer") -> None:
        after._ready.wait(READY_SECONDS)
        with self._lock:
            if not self._closed:
                self._start()

    def _start(self) -> None:
        ours, theirs = socket.socketpair()
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "wb") as log:
            try:
                self._process = subprocess.Popen(
                    [self.python, str(SERVER), str(theirs.fileno()), *self.modules],
                    pass_fds=(theirs.fileno(),), env=self.env, stdin=subprocess.DEVNULL,
                    stdout=log, stderr=subprocess.STDOUT, cwd=self.log.parent,
                    start_new_session=True)
            except OSError as error:
                ours.close()
                self._fail(f"cannot start {self.python}: {error}")
                return
            finally:
                theirs.close()
        self._socket = ours
        threading.Thread(target=self._read, name="forkserver-reader", daemon=True).start()

    def ready(self, timeout: float = READY_SECONDS, cancelled: threading.Event | None = None
              ) -> dict:
        """The server's ready message, once it has imported the modules (ForkServerError when
        it cannot start, or ``cancelled`` is set while waiting)."""
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.1):
            if cancelled is not None and cancelled.is_set():
                raise ForkServerError("cancelled while the fork server was loading")
            if time.monotonic() > deadline:
                self._fail(f"not ready after {timeout:g}s")
        if self.error:
            raise ForkServerError(self.error)
        return self.info

    @property
    def usable(self) -> bool:
        return self.error is None

    def spawn(self, argv: list[str], env: dict, cwd: Path, log: Path,
              cancelled: threading.Event | None = None) -> ForkedProcess:
        self.ready(cancelled=cancelled)
        with self._lock:
            self._next_id += 1
            request_id = self._next_id
            request = self._requests[request_id] = _Request(argv)
            message = {"id": request_id, "argv": [str(a) for a in argv], "env": dict(env),
                       "cwd": str(cwd), "log": str(log)}
            try:
                self._socket.sendall((json.dumps(message) + "\n").encode())
            except OSError as error:
                self._requests.pop(request_id, None)
                raise ForkServerError(f"the fork server is gone: {error}") from None
        if not request.answered.wait(SPAWN_SECONDS):
            raise ForkServerError(f"no answer to a fork request in {SPAWN_SECONDS}s")
        if request.error:
            raise ForkServerError(request.error)
        return request.process

    def close(self, timeout: float = 5) -> None:
        """Close the socket: the server kills what it still runs and exits (a server waiting
        to start never starts)."""
        with self._lock:
            self._closed = True
            if self._process is None:
                self._fail("closed before it started")
        if self._socket is not None:
            try:
                self._socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._socket.close()
        process = self._process
        if process is not None:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except OSError:
                    pass
                process.wait()

    def _fail(self, why: str) -> None:
        if self.error is None:
            self.error = why
        self._ready.set()

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                data = self._socket.recv(1 << 16)
            except OSError:
                data = b""
            if not data:
                break
            buffer += data
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                self._dispatch(json.loads(line))
        self._lost()

    def _dispatch(self, message: dict) -> None:
        if message.get("ready"):
            self.info = message
            self._ready.set()
            return
        request = self._requests.get(message.get("id"))
        if request is None:
            return
        if "pid" in message:
            request.process = ForkedProcess(request.args, message["pid"])
            request.answered.set()
        elif "error" in message:
            request.error = message["error"]
            self._requests.pop(message["id"], None)
            request.answered.set()
        elif "status" in message:
            self._requests.pop(message["id"], None)
            request.process._end(message["status"])

    def _lost(self) -> None:
        """The server exited: no more forks; programs it still ran are killed (nobody can wait
        for them now) and count as killed."""
        self._fail(f"the fork server exited (see {self.log})")
        with self._lock:
            requests, self._requests = list(self._requests.values()), {}
        for request in requests:
            if request.process is None:
                request.error = self.error
                request.answered.set()
            elif request.process.returncode is None:
                # its group, and itself: it may not have made its own group yet (setsid)
                for kill in (os.killpg, os.kill):
                    try:
                        kill(request.process.pid, signal.SIGKILL)
                    except OSError:
                        pass
                request.process._end(-signal.SIGKILL)

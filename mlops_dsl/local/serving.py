"""The image's inference server on 127.0.0.1: what an endpoint or a batch transform job runs.

The ``serve`` program starts with ``OPT_ML`` pointing at a sandbox whose ``model/`` holds the
unpacked model artifact and ``SERVE_BIND=127.0.0.1:<port>`` (gunicorn alone, no nginx). A program
folder without ``serve`` but with ``wsgi.py`` is served by gunicorn directly.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from .image import command_for

HOST = "127.0.0.1"
START_TIMEOUT = 60  # seconds for /ping to answer 200


class ServerError(RuntimeError):
    """The server did not start or did not answer; the message includes its log's last lines."""


def free_port(preferred: int | None = None) -> int:
    for port in ([preferred] if preferred else []) + [0]:
        with socket.socket() as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise ServerError("no free port on 127.0.0.1")


def unpack_model(archive: Path, sandbox: Path) -> Path:
    """Unpack model.tar.gz into ``sandbox/model``; returns the sandbox (the OPT_ML root)."""
    model = sandbox / "model"
    model.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        tar.extractall(model, filter="data")
    return sandbox


class Server:
    """One running inference server; ``url`` is its base address."""

    def __init__(self, program: Path, opt_ml: Path, port: int | None = None, workers: int = 1,
                 children=None):
        self.program = Path(program)
        self.children = children
        self.opt_ml = Path(opt_ml)
        self.port = free_port(port)
        self.workers = workers
        self.url = f"http://{HOST}:{self.port}"
        self.log_path = self.opt_ml / "serve.log"
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        if (self.program / "serve").is_file():
            return command_for(self.program / "serve")
        if (self.program / "wsgi.py").is_file():
            return [sys.executable, "-m", "gunicorn", "--chdir", str(self.program), "--bind",
                    f"{HOST}:{self.port}", "--workers", str(self.workers), "wsgi:app"]
        raise ServerError(f"{self.program}: no `serve` program and no wsgi.py to serve")

    def start(self) -> "Server":
        env = dict(os.environ, OPT_ML=str(self.opt_ml), SERVE_BIND=f"{HOST}:{self.port}",
                   MODEL_SERVER_WORKERS=str(self.workers))
        log = open(self.log_path, "w", encoding="utf-8")
        popen = self.children.popen if self.children else subprocess.Popen
        self.process = popen(self.command(), stdout=log, stderr=subprocess.STDOUT, env=env,
                             cwd=self.opt_ml, start_new_session=True)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerError(f"the server exited with status {self.process.returncode}: "
                                  f"{self.log_tail()}")
            try:
                if self.request("GET", "/ping", timeout=2)[0] == 200:
                    return self
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        self.stop()
        raise ServerError(f"/ping did not answer 200 within {START_TIMEOUT}s: {self.log_tail()}")

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None, timeout: float = 600) -> tuple[int, bytes]:
        headers = {"Content-Type": content_type} if content_type else {}
        request = urllib.request.Request(self.url + path, data=body, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def log_tail(self, lines: int = 5) -> str:
        try:
            text = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(text[-lines:]) or "(empty log)"

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and self.children:
            self.children.release(process)
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

"""The image's inference server on 127.0.0.1: what an endpoint or a batch transform job runs.

The ``serve`` program starts with ``OPT_ML`` pointing at a sandbox whose ``model/`` holds the
unpacked model artifact and ``SERVE_BIND=127.0.0.1:<port>`` (gunicorn alone, no nginx). A program
folder without ``serve`` but with ``wsgi.py`` is served by gunicorn directly.

A batch transform's server is forked from the run's fork server for ``serve`` (``fork_server``),
which has imported what the program folder's Python code imports (the shipped ``serve`` runs
gunicorn in its own process, so its workers inherit them): the server answers ``/ping`` in a
fraction of a second instead of ~1.5 s of interpreter starts and imports. An endpoint's server
outlives the run (fork servers stop with it), so it starts fresh.
"""
from __future__ import annotations

import socket
import tarfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from .image import command_for
from .image import fork_server as image_fork_server

HOST = "127.0.0.1"
START_TIMEOUT = 60  # seconds for /ping to answer 200
PING_SECONDS = 0.05  # between /ping attempts while the server starts
STOP_GRACE = 15  # seconds between SIGTERM and SIGKILL (SageMaker gives a container 30)


class ServerError(RuntimeError):
    """The server did not start or did not answer; the message includes its log's last lines."""


def free_port(preferred: int | None = None) -> int:
    for port in ([preferred] if preferred else []) + [0]:
        with socket.socket() as probe:
            # as gunicorn binds (SO_REUSEADDR): a port left in TIME_WAIT by a stopped server is free
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
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


def fork_server(children, environment, base: dict, program_folder: Path, work: Path):
    """The run's fork server for the ``serve`` program (``image.fork_server``: the training
    jobs' when their environments agree), with the servers' environment ``base``."""
    return image_fork_server(children, environment, environment.environ(base), program_folder,
                             "serve", work)


class Server:
    """One running inference server; ``url`` is its base address. ``environment`` (an
    ``environment.ProgramEnvironment``) says which Python runs it; ``base`` is the environment
    it starts from."""

    def __init__(self, program: Path, opt_ml: Path, children, environment, base: dict,
                 port: int | None = None, workers: int = 1, fork_server=None):
        self.program = Path(program)
        self.children = children
        self.environment = environment
        self.base = base
        self.opt_ml = Path(opt_ml)
        self.port = free_port(port)
        self.workers = workers
        self.fork_server = fork_server  # fork_server(...) for `serve`, or None: a fresh process
        self.url = f"http://{HOST}:{self.port}"
        self.log_path = self.opt_ml / "serve.log"
        self.child = None  # children.Child

    @property
    def process(self):
        return self.child.process if self.child else None

    def command(self) -> list[str]:
        if (self.program / "serve").is_file():
            return command_for(self.program / "serve", self.environment.python)
        if (self.program / "wsgi.py").is_file():
            return [self.environment.python, "-m", "gunicorn", "--chdir", str(self.program),
                    "--bind", f"{HOST}:{self.port}", "--workers", str(self.workers), "wsgi:app"]
        raise ServerError(f"{self.program}: no `serve` program and no wsgi.py to serve")

    def start(self) -> "Server":
        env = self.environment.environ(dict(self.base, OPT_ML=str(self.opt_ml),
                                            SERVE_BIND=f"{HOST}:{self.port}",
                                            MODEL_SERVER_WORKERS=str(self.workers)))
        self.child = self.children.start(self.command(), log=self.log_path, env=env,
                                         cwd=self.opt_ml, label=f"server {self.url}",
                                         server=self.fork_server)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.child.returncode is not None:
                self.children.check()  # stopped by Ctrl-C or a signal
                raise ServerError(f"the server exited with status {self.child.returncode}: "
                                  f"{self.log_tail()}")
            try:
                if self.request("GET", "/ping", timeout=2)[0] == 200:
                    return self
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(PING_SECONDS)
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

    def stop(self, wait: bool = True) -> None:
        """SIGTERM to the server's process group, SIGKILL to it STOP_GRACE seconds later; with
        ``wait=False`` in the background (the run waits for it before it ends)."""
        child, self.child = self.child, None
        if child is None:
            return
        if wait:
            self.children.stop(child, STOP_GRACE)
        else:
            self.children.stop_later(child, STOP_GRACE)

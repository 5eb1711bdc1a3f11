"""The programs of one local run (Glue script, training jobs, model servers) and how they stop.

The one process-group helper of the runner. Every program starts in a session of its own, so it
leads a process group holding everything it starts; stopping a program signals the whole group
(SIGTERM, then SIGKILL after a grace period), and when a program ends on its own what it left
behind in its group is killed, as a Glue job's or a training job's container ends with its main
process. Output goes to a log file, never through a pipe, and the runner waits on the process:
a program that leaves a background process running cannot hang the run.

``stop_all`` (Ctrl-C, SIGTERM, SIGHUP) stops every program, whatever thread is running it, and
makes ``start`` and ``check`` raise the ``Interrupted`` task failure so no new one starts.
Python programs can be forked from a pre-loaded fork server (``forkclient``) instead of started
fresh; ``forkserver`` returns the run's server for a program, starting it on first use.
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .context import TaskFailed

INTERRUPTED = "Interrupted"  # the error name of the state that was running when the run stopped
STOP_GRACE = 10  # seconds between SIGTERM and SIGKILL when the run is stopped


def signal_group(pid: int, sig: int) -> bool:
    """Send ``sig`` to the process group ``pid`` leads; False when none of it is left."""
    try:
        os.killpg(pid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


THREAD_VARIABLES = ("OMP_NUM_THREADS",)  # read once, when OpenMP (and BLAS) libraries load


def usable_cpus() -> int:
    """The CPUs this process may run on: what OpenMP uses when OMP_NUM_THREADS is unset."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def import_key(env: dict) -> tuple:
    """``env`` as libraries see it when they load: OMP_NUM_THREADS set to the usable CPUs is the
    same as unset (OpenMP's default; OpenBLAS and MKL fall back to it), so a model server
    (no OMP_NUM_THREADS, as in AWS) can fork from the training jobs' server when one job runs
    at a time (their OMP_NUM_THREADS is every CPU)."""
    normal = dict(env)
    for name in THREAD_VARIABLES:
        if normal.get(name) == str(usable_cpus()):
            del normal[name]
    return tuple(sorted(normal.items()))


@dataclass(eq=False)
class Child:
    """One running program: its process (``subprocess.Popen`` or ``forkclient.ForkedProcess``),
    the leader of its own process group."""

    process: object
    label: str
    log: Path
    forked: bool = False
    started: float = field(default_factory=time.monotonic)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        return self.process.poll()

    def running(self) -> bool:
        return self.process.poll() is None


class Children:
    def __init__(self, fork_server: bool = True):
        self.cancelled = threading.Event()
        self.reason = "Ctrl-C"
        self.fork_server = fork_server
        self._running: set[Child] = set()
        self._servers: dict[tuple, object] = {}
        self._stopping: list[threading.Thread] = []
        self._lock = threading.Lock()

    # -- starting ------------------------------------------------------------------------------
    def check(self) -> None:
        """Raise the Interrupted task failure once the run is cancelled."""
        if self.cancelled.is_set():
            raise TaskFailed(INTERRUPTED, f"the local run was stopped ({self.reason})")

    def start(self, command: list[str], *, log: Path, env: dict, cwd: Path, label: str,
              server=None) -> Child:
        """Start ``command`` with stdout and stderr to ``log`` (created or truncated), stdin
        from /dev/null, in its own session. With ``server`` (a ForkServer for ``command[1]``,
        the Python program ``command[0]`` would run), it is forked from that server."""
        self.check()
        child = None
        if server is not None and server.usable:
            from .forkclient import ForkServerError

            try:
                process = server.spawn(command[1:], env, cwd, log, cancelled=self.cancelled)
                child = Child(process, label, Path(log), forked=True)
            except ForkServerError:
                self.check()  # cancelled while the server was loading: no fresh start either
        if child is None:
            with open(log, "wb") as output:
                process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=output,
                                           stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                           start_new_session=True)
            child = Child(process, label, Path(log))
        with self._lock:
            cancelled = self.cancelled.is_set()
            if not cancelled:
                self._running.add(child)
        if cancelled:  # stop_all ran while it was starting: it did not see this one
            self._stop_group([child], STOP_GRACE)
            self.check()
        return child

    def forkserver(self, python: str, folder: Path, env: dict, modules, log: Path):
        """The run's fork server for the programs of ``folder`` under ``python`` with ``env``
        (the programs' environment without their per-program variables), preloading
        ``modules()`` (called once, when it starts), started (in the background) on first use,
        after the servers asked for before it have loaded; None when fork servers are off.
        Programs whose ``env`` agree on what libraries read when they load (``import_key``)
        share a server; its own output goes to ``log`` of the first that asked."""
        if not self.fork_server:
            return None
        from .forkclient import ForkServer

        key = (python, str(folder), import_key(env))
        with self._lock:
            server = self._servers.get(key)
            if server is None:
                self.check()
                earlier = list(self._servers.values())
                server = self._servers[key] = ForkServer(python, folder, env, modules(),
                                                         log).launch(
                    after=earlier[-1] if earlier else None)
        return server

    # -- waiting and stopping ------------------------------------------------------------------
    def wait(self, child: Child, timeout: float | None = None) -> int | None:
        """The program's exit status once it ends (what it left in its group is then killed);
        None when it ran longer than ``timeout`` seconds and was stopped."""
        try:
            status = child.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop(child)
            return None
        signal_group(child.pid, signal.SIGKILL)
        self.release(child)
        return status

    def release(self, child: Child) -> None:
        with self._lock:
            self._running.discard(child)

    def stop(self, child: Child, grace: float = STOP_GRACE) -> None:
        """SIGTERM to the program's group, SIGKILL to it ``grace`` seconds later (or at once when
        the program itself is gone but its group is not)."""
        self._stop_group([child], grace)
        self.release(child)

    def stop_later(self, child: Child, grace: float = STOP_GRACE) -> None:
        """``stop`` in a background thread (a server whose work is done); ``close`` joins it."""
        thread = threading.Thread(target=self.stop, args=(child, grace), daemon=True,
                                  name=f"stop {child.label}")
        thread.start()
        with self._lock:
            self._stopping.append(thread)

    def stop_all(self, reason: str | None = None) -> None:
        """Cancel the run: stop every running program (killed after STOP_GRACE seconds)."""
        with self._lock:
            if reason:
                self.reason = reason
            self.cancelled.set()
            running = list(self._running)
        self._stop_group(running, STOP_GRACE)
        for child in running:
            self.release(child)

    def kill_all(self) -> None:
        """SIGKILL every running program's group now (a second Ctrl-C while stopping)."""
        with self._lock:
            self.cancelled.set()
            running = list(self._running)
        for child in running:
            signal_group(child.pid, signal.SIGKILL)

    def close(self) -> None:
        """At the end of the run: wait for background stops, stop the fork servers."""
        with self._lock:
            stopping, self._stopping = self._stopping, []
            servers, self._servers = list(self._servers.values()), {}
        for thread in stopping:
            thread.join()
        for server in servers:
            server.close()

    @staticmethod
    def _stop_group(children: list[Child], grace: float) -> None:
        for child in children:
            signal_group(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for child in children:
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            signal_group(child.pid, signal.SIGKILL)
            try:
                child.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

"""The subprocesses of one local run (Glue script, training programs, servers), so that Ctrl-C
stops all of them and no new one starts, whatever thread the interpreter is running them in."""
from __future__ import annotations

import subprocess
import threading

from .adapter import TaskFailed

INTERRUPTED = "Interrupted"  # the error name of the state that was running at Ctrl-C


class Children:
    def __init__(self):
        self.cancelled = threading.Event()
        self._running: set[subprocess.Popen] = set()
        self._lock = threading.Lock()

    def check(self) -> None:
        """Raise the Interrupted task failure once the run is cancelled."""
        if self.cancelled.is_set():
            raise TaskFailed(INTERRUPTED, "the local run was stopped with Ctrl-C")

    def popen(self, command, **options) -> subprocess.Popen:
        with self._lock:
            self.check()
            process = subprocess.Popen(command, **options)
            self._running.add(process)
        return process

    def release(self, process: subprocess.Popen) -> None:
        with self._lock:
            self._running.discard(process)

    def stop_all(self) -> None:
        """Cancel the run: terminate every running subprocess (killed after 10 s)."""
        with self._lock:
            self.cancelled.set()
            running = list(self._running)
        for process in running:
            if process.poll() is None:
                process.terminate()
        for process in running:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

"""SIGINT (Ctrl-C), SIGTERM and SIGHUP stop a local run the same way.

Within ``with StopSignals():`` (entered by the command and by ``run_pipeline``, on the main
thread) the first of them raises KeyboardInterrupt in the main thread, where the runner stops
every program, records the run as aborted and exports the stores. Cleanup runs ``shielded``: a
signal then does not interrupt it; a second one calls ``on_repeat`` (the runner kills every
program at once instead of waiting for them). ``received`` names the first signal.
"""
from __future__ import annotations

import contextlib
import signal
import threading

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
NAMES = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM", signal.SIGHUP: "SIGHUP"}

_current: "StopSignals | None" = None


def current() -> "StopSignals":
    """The installed handler (a detached one, which never raises, when none is)."""
    return _current or StopSignals()


class StopSignals:
    def __init__(self):
        self.received: str | None = None
        self.on_repeat = None
        self._shield = 0
        self._previous: dict | None = None
        self._outer: StopSignals | None = None

    def __enter__(self) -> "StopSignals":
        global _current
        if _current is not None:  # already installed by an outer block: share it
            self._outer = _current
            return _current
        if threading.current_thread() is threading.main_thread():
            self._previous = {sig: signal.signal(sig, self._handle) for sig in STOP_SIGNALS}
            _current = self
        return self

    def __exit__(self, *exc) -> None:
        global _current
        if self._outer is not None or self._previous is None:
            return
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        _current = None

    def _handle(self, signum, frame) -> None:
        if self.received is not None:  # a second signal: hurry
            if self.on_repeat is not None:
                self.on_repeat()
            return
        self.received = NAMES.get(signum, str(signum))
        if not self._shield:
            raise KeyboardInterrupt

    def rearm(self) -> None:
        """Let the next signal interrupt again (a new phase, e.g. serving after the run)."""
        self.received = None
        self.on_repeat = None

    @contextlib.contextmanager
    def shielded(self):
        self._shield += 1
        try:
            yield
        finally:
            self._shield -= 1

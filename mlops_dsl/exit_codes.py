"""The exit codes of ``python -m mlops_dsl``: one table for every command.

The README lists them ("The exit codes are:"); ``tests/test_cli.py`` checks that the list there is
exactly ``MEANINGS``. Commands return these names, never bare numbers.
"""
from __future__ import annotations

OK = 0
FAILED = 1
INVALID = 2
INTERRUPTED = 130  # 128 + SIGINT, as shells report a process stopped by Ctrl-C

MEANINGS = {
    OK: "success (for `run`, the workflow succeeded)",
    FAILED: "a failure: AWS refused or could not be reached, the run failed, the change set was "
            "declined, a library mlops_dsl needs is not installed in this Python, or an "
            "unexpected error (a bug, and the message says so)",
    INVALID: "an invalid blueprint or config (every problem is listed)",
    INTERRUPTED: "interrupted (Ctrl-C)",
}

"""Ctrl-C handling: every subprocess of a run is stopped and no new one starts."""
from __future__ import annotations

import sys

import pytest

from mlops_dsl.local.adapter import TaskFailed
from mlops_dsl.local.children import INTERRUPTED, Children


def test_stop_all_terminates_running_programs_and_refuses_new_ones():
    children = Children()
    process = children.popen([sys.executable, "-c", "import time; time.sleep(60)"])
    children.stop_all()
    assert process.wait(timeout=5) != 0
    with pytest.raises(TaskFailed) as raised:
        children.popen([sys.executable, "-c", "pass"])
    assert raised.value.error == INTERRUPTED
    assert "Ctrl-C" in raised.value.cause


def test_released_programs_are_left_alone():
    children = Children()
    process = children.popen([sys.executable, "-c", "pass"])
    assert process.wait(timeout=10) == 0
    children.check()  # not cancelled: no error
    children.release(process)
    children.stop_all()  # nothing left to stop
    assert process.returncode == 0

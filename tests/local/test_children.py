"""The programs of a run: each in its own process group, stopped as a group, waited on as a process
(never through a pipe), and refused once the run is stopped."""
from __future__ import annotations

import os
import sys
import time

import pytest
from local_helpers import gone, wait_for_file

from mlops_dsl.local.adapter import TaskFailed
from mlops_dsl.local.children import INTERRUPTED, Children

# A program that starts a grandchild (in its own process group), writes both pids, then sleeps.
FAMILY = ("import os, subprocess, sys, time\n"
          "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'])\n"
          "open(sys.argv[1] + '.tmp', 'w').write(f'{os.getpid()} {child.pid}')\n"
          "os.rename(sys.argv[1] + '.tmp', sys.argv[1])\n"
          "time.sleep(float(sys.argv[2]))\n")


def start_family(children, tmp_path, sleep: float):
    pids = tmp_path / "pids"
    child = children.start([sys.executable, "-c", FAMILY, str(pids), str(sleep)],
                           log=tmp_path / "family.log", env=dict(os.environ), cwd=tmp_path,
                           label="family")
    wait_for_file(pids)
    leader, grandchild = map(int, pids.read_text().split())
    return child, leader, grandchild


def test_a_program_leads_its_own_process_group_with_its_output_in_its_log(tmp_path):
    children = Children()
    child = children.start([sys.executable, "-c", "import os; print(os.getpgid(0), os.getsid(0))"],
                           log=tmp_path / "out.log", env=dict(os.environ), cwd=tmp_path,
                           label="probe")
    assert children.wait(child, timeout=30) == 0
    assert (tmp_path / "out.log").read_text().split() == [str(child.pid)] * 2
    assert os.getpgid(0) != child.pid


def test_stop_all_stops_every_program_with_its_grandchildren_and_refuses_new_ones(tmp_path):
    children = Children()
    child, leader, grandchild = start_family(children, tmp_path, 300)
    began = time.monotonic()
    children.stop_all("SIGTERM")
    assert time.monotonic() - began < 5  # SIGTERM ends them: no grace period used up
    assert child.returncode is not None and child.returncode != 0
    assert gone(leader) and gone(grandchild)
    with pytest.raises(TaskFailed) as raised:
        children.start([sys.executable, "-c", "pass"], log=tmp_path / "late.log",
                       env=dict(os.environ), cwd=tmp_path, label="late")
    assert raised.value.error == INTERRUPTED
    assert raised.value.cause == "the local run was stopped (SIGTERM)"
    assert not (tmp_path / "late.log").exists()


def test_a_program_that_leaves_a_background_process_does_not_hang_and_leaves_nothing(tmp_path):
    children = Children()
    child, leader, grandchild = start_family(children, tmp_path, 0)
    began = time.monotonic()
    assert children.wait(child, timeout=60) == 0
    assert time.monotonic() - began < 10
    assert gone(grandchild)  # the program's group ended with it


def test_a_program_over_its_time_limit_is_stopped_with_its_group(tmp_path):
    children = Children()
    child, leader, grandchild = start_family(children, tmp_path, 300)
    began = time.monotonic()
    assert children.wait(child, timeout=0.5) is None
    assert time.monotonic() - began < 10
    assert gone(leader) and gone(grandchild)


def test_a_finished_program_is_left_alone(tmp_path):
    children = Children()
    child = children.start([sys.executable, "-c", "pass"], log=tmp_path / "a.log",
                           env=dict(os.environ), cwd=tmp_path, label="quick")
    assert children.wait(child, timeout=30) == 0
    children.check()  # not cancelled: no error
    children.stop_all()
    assert child.returncode == 0

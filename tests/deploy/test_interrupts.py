"""Ctrl-C, end of input and a closed output during deploy (and run --follow).

At the confirmation, no answer is "no": the change set is deleted and the stack is unchanged.
Later, the message says what state the stack and the uploads are in and what to do, and doing it
(rerunning deploy) finishes the job. Ctrl-C is pressed for real: SIGINT to this process while a
request it makes hangs in the fault proxy (``press_ctrl_c``), or to a deploy run as a subprocess.
"""
from __future__ import annotations

import io
import os
import re
import select
import signal
import subprocess
import sys
import time

import boto3
import pytest
from deploy_helpers import SAMPLE
from fault_proxy import press_ctrl_c
from helpers import ROOT

from mlops_dsl import exit_codes
from mlops_dsl.compiler import compile_file

QUESTION = "Execute this change set? [y/N] "


class Terminal(io.StringIO):
    """A stdin that is a terminal, as far as deploy can tell."""

    def isatty(self) -> bool:
        return True


def moto(service, server):
    return boto3.client(service, endpoint_url=server)


def assert_nothing_was_created(server, stack_name="demo"):
    cf = moto("cloudformation", server)
    assert cf.list_change_sets(StackName=stack_name)["Summaries"] == []
    stack = cf.describe_stacks(StackName=stack_name)["Stacks"][0]
    assert stack["StackStatus"] == "REVIEW_IN_PROGRESS"
    assert cf.list_stack_resources(StackName=stack_name)["StackResourceSummaries"] == []


@pytest.mark.parametrize("stop, code, first_line", [
    (EOFError, exit_codes.FAILED,
     'error: the input ended (Ctrl-D) before the question "Execute this change set?" was '
     'answered: taken as no'),
    (BrokenPipeError, exit_codes.FAILED,
     'error: the output was closed (broken pipe) before the question "Execute this change set?" '
     'was answered: taken as no'),
    (KeyboardInterrupt, exit_codes.INTERRUPTED,
     "interrupted: deploy stopped by Ctrl-C while waiting for the confirmation"),
])
def test_no_answer_at_the_confirmation_is_no(moto_server, cli, monkeypatch, stop, code, first_line):
    asked = []

    def answer(prompt=""):
        asked.append(prompt)
        raise stop()

    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("builtins.input", answer)
    result, out, err = cli("deploy", SAMPLE, "--stack-name", "demo")
    assert asked == [""] and out.endswith(QUESTION)  # deploy writes the prompt itself
    assert result == code
    lines = err.strip().splitlines()
    assert lines[0] == first_line
    assert re.fullmatch(r"  stack demo is unchanged: the change set mlops-dsl-\S+ was deleted "
                        r"\(a stack never created .*\)", lines[1]), lines[1]
    assert lines[-1].startswith("  what to do: ")
    assert "change set for stack demo (create)" in out  # the plan was shown before the question
    assert_nothing_was_created(moto_server)


def test_answering_no_on_the_terminal_deletes_the_change_set(moto_server, cli, monkeypatch):
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt="": "n")
    code, out, _ = cli("deploy", SAMPLE, "--stack-name", "demo")
    assert code == exit_codes.FAILED
    assert re.search(rf"^{re.escape(QUESTION)}not executed: stack demo is unchanged: the change "
                     r"set mlops-dsl-\S+ was deleted", out, re.M), out
    assert_nothing_was_created(moto_server)


def test_no_terminal_to_ask_in_deletes_the_change_set(moto_server, cli, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, out, err = cli("deploy", SAMPLE, "--stack-name", "demo")
    assert code == exit_codes.FAILED
    assert err.startswith("error: the change set needs a confirmation and there is no terminal")
    assert "  stack demo is unchanged: the change set mlops-dsl-" in err
    assert_nothing_was_created(moto_server)


def _read_until(fd: int, marker: bytes, seconds: float = 120.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + seconds
    while marker not in seen:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise AssertionError(f"no {marker!r} in the output: {seen.decode(errors='replace')}")
        chunk = os.read(fd, 65536)
        if not chunk:
            raise AssertionError(f"the output ended before {marker!r}: {seen.decode(errors='replace')}")
        seen += chunk
    return seen


def _wait_until_reading(pid: int) -> None:
    """Until the process sleeps (in its read of the terminal), and a moment more: a SIGINT that
    lands between input()'s prompt and its read is only seen once the read returns, exactly as
    with a person pressing Ctrl-C in that microsecond."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/stat") as stat:
            if stat.read().rsplit(")", 1)[1].split()[0] == "S":
                break
        time.sleep(0.05)
    time.sleep(0.5)


@pytest.mark.parametrize("how", ["ctrl-d", "ctrl-c", "closed output"])
def test_a_real_terminal_at_the_confirmation(moto_server, how):
    """``python -m mlops_dsl deploy`` with a pseudo-terminal as its input: Ctrl-D typed at the
    prompt, SIGINT while it waits, or its output a pipe already closed by the reader (a
    ``deploy ... | head`` that has gone)."""
    import pty

    master, slave = pty.openpty()
    read_end, write_end = os.pipe()
    if how == "closed output":
        os.close(read_end)
    env = dict(os.environ)
    env.pop("PYTHONUNBUFFERED", None)  # a user's default: output to a pipe is block-buffered
    process = subprocess.Popen(
        [sys.executable, "-m", "mlops_dsl", "deploy", str(SAMPLE), "--stack-name", "demo"],
        stdin=slave, stdout=write_end, stderr=subprocess.PIPE, cwd=ROOT, env=env)
    os.close(slave)
    os.close(write_end)
    try:
        if how != "closed output":
            shown = _read_until(read_end, QUESTION.encode())
            assert b"change set for stack demo (create)" in shown
            if how == "ctrl-d":
                os.write(master, b"\x04")  # VEOF at the start of a line: end of input
            else:
                _wait_until_reading(process.pid)
                process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=120)
    finally:
        process.kill() if process.poll() is None else None
        os.close(master)
        if how != "closed output":
            os.close(read_end)
    err = err.decode()
    expected = {"ctrl-d": (exit_codes.FAILED, "error: the input ended (Ctrl-D)"),
                "ctrl-c": (exit_codes.INTERRUPTED, "interrupted: deploy stopped by Ctrl-C"),
                "closed output": (exit_codes.FAILED, "error: the output was closed (broken pipe)")}
    code, said = expected[how]
    assert process.returncode == code, err
    assert said in err and "was deleted" in err
    assert "Traceback" not in err and "Exception ignored" not in err
    assert_nothing_was_created(moto_server)


def test_ctrl_c_while_the_change_set_is_computed_deletes_it(fault_proxy, moto_server, cli):
    fault_proxy.hang("DescribeChangeSet", then=press_ctrl_c, times=1)
    code, out, err = cli("deploy", SAMPLE, "--stack-name", "demo", "--yes")
    assert code == exit_codes.INTERRUPTED
    assert err.startswith("interrupted: deploy stopped by Ctrl-C while creating the change set\n")
    assert "stack demo is unchanged: the change set mlops-dsl-" in err and "was deleted" in err
    assert_nothing_was_created(moto_server)


def test_ctrl_c_while_following_the_stack_says_it_carries_on_and_a_rerun_finishes(
        fault_proxy, moto_server, cli):
    pipeline = compile_file(SAMPLE).pipeline
    fault_proxy.let_through("DescribeStackEvents", times=1)  # the events before executing
    fault_proxy.hang("DescribeStackEvents", then=press_ctrl_c, times=1)
    code, out, err = cli("deploy", SAMPLE, "--stack-name", "demo", "--yes")
    assert code == exit_codes.INTERRUPTED
    lines = err.splitlines()
    assert lines[0] == "interrupted: deploy stopped by Ctrl-C while following the stack's events"
    assert re.fullmatch(r"  stack demo: its change set mlops-dsl-\S+ is executing \(create\); "
                        r"CloudFormation carries on without us and settles the stack by itself "
                        r"\(or rolls it back\)", lines[1]), lines[1]
    pending = [a.key for a in pipeline.assets] + [pipeline.data.score_key, pipeline.data.train_key]
    assert lines[2] == f"  not uploaded: {', '.join(pending)}"
    assert "aws cloudformation wait stack-create-complete --stack-name demo" in lines[3]
    assert lines[3].startswith("  what to do: ") and "rerun `python -m mlops_dsl deploy" in lines[3]

    fault_proxy.clear()  # doing what the message says
    code, out, err = cli("deploy", SAMPLE, "--stack-name", "demo", "--yes")
    assert code == 0, err
    assert "no changes: stack demo is up to date" in out
    assert "  uploading  transform.py" in out and "  uploading  score.csv" in out


def test_ctrl_c_during_an_upload_says_what_was_sent(fault_proxy, moto_server, cli):
    pipeline = compile_file(SAMPLE).pipeline
    fault_proxy.hang(f"PUT /*/{pipeline.data.score_key}", then=press_ctrl_c, times=1)
    code, out, err = cli("deploy", SAMPLE, "--stack-name", "demo", "--yes")
    assert code == exit_codes.INTERRUPTED
    lines = err.splitlines()
    assert lines[0].startswith("interrupted: deploy stopped by Ctrl-C while uploading the data to "
                               "demo-featurestorebucket")
    assert lines[1] == "  stack demo is CREATE_COMPLETE"
    assert lines[2] == f"  uploaded: {', '.join(a.key for a in pipeline.assets)}"
    assert lines[3] == f"  held back until the image is pushed: {pipeline.data.train_key}"
    assert lines[4] == f"  not uploaded: {pipeline.data.score_key} (cut short: S3 keeps no " \
                       f"partial object)"
    assert lines[5].startswith("  what to do: rerun `python -m mlops_dsl deploy")
    s3 = moto("s3", moto_server)
    bucket = next(b["Name"] for b in s3.list_buckets()["Buckets"]
                  if b["Name"].startswith("demo-featurestorebucket"))
    assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0

    fault_proxy.clear()
    code, out, err = cli("deploy", SAMPLE, "--stack-name", "demo", "--yes")
    assert code == 0, err
    assert "  uploading  score.csv" in out and "  uploading  transform.py" not in out


def test_ctrl_c_while_following_a_run_says_it_goes_on(deployed, fault_proxy, cli):
    fault_proxy.hang("GetExecutionHistory", then=press_ctrl_c, times=1)
    code, out, err = cli("run", SAMPLE, "--stack-name", "demo", "--follow")
    assert code == exit_codes.INTERRUPTED
    execution = re.search(r"^started (\S+)$", out, re.M).group(1)
    assert err.startswith("interrupted: stopped following the run (Ctrl-C); the run itself goes "
                          "on in AWS\n")
    assert f"aws stepfunctions stop-execution --execution-arn {execution}" in err


class ClosingPipe(io.StringIO):
    """A stdout whose reader goes away once a line containing ``after`` has been written."""

    def __init__(self, after: str):
        super().__init__()
        self.after, self.closed_now = after, False

    def write(self, text):
        if self.closed_now:
            raise BrokenPipeError(32, "Broken pipe")
        self.closed_now = self.after in text
        return super().write(text)


def test_output_closed_mid_deploy_stops_it_and_says_where_it_stands(moto_server, cli, monkeypatch):
    """``deploy --yes | head -3``: once head has gone, the next line fails; deploy stops there
    and reports on stderr."""
    monkeypatch.setattr("sys.stdout", ClosingPipe("CREATE_IN_PROGRESS"))  # the first event
    code, _, err = cli("deploy", SAMPLE, "--stack-name", "demo", "--yes")
    assert code == exit_codes.FAILED
    lines = err.splitlines()
    assert lines[0] == "error: deploy stopped: its output was closed (broken pipe) while " \
                       "following the stack's events"
    assert "CloudFormation carries on without us" in lines[1]
    assert "Traceback" not in err and "internal error" not in err


def test_ctrl_c_during_diff_deletes_its_preview_change_set(deployed, fault_proxy, moto_server,
                                                            cli, tmp_path):
    from deploy_helpers import blueprint_variant

    cf = moto("cloudformation", moto_server)
    before = cf.list_change_sets(StackName="demo")["Summaries"]
    fault_proxy.hang("DescribeChangeSet", then=press_ctrl_c, times=1)
    code, out, err = cli("diff", blueprint_variant(tmp_path, threshold=0.9), "--stack-name", "demo")
    assert code == exit_codes.INTERRUPTED
    assert err.startswith("interrupted: diff stopped by Ctrl-C; stack demo was not changed and "
                          "the preview change set was deleted\n")
    assert cf.list_change_sets(StackName="demo")["Summaries"] == before

"""Local-run faults: signals stop a real run like Ctrl-C, nothing is orphaned, a script's
background process cannot hang the run, the Glue job's timeout is applied with heartbeats on the
way, a training job without a model is a warning, a failed transform says why."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from local_helpers import BLUEPRINTS, ROOT, gone, run, sample, small, wait_for_file

from mlops_dsl import GlueTransform, metric
from mlops_dsl.compiler import compile_blueprint
from mlops_dsl.emit import names as n
from mlops_dsl.local.runner import RunOptions, run_pipeline
from mlops_dsl.local.summary import record, render

TRANSFORM = ROOT / "glue" / "transform.py"


def glue_script(path: Path, body: str) -> Path:
    path.write_text("import os, subprocess, sys, time\n" + body)
    return path


def background_then(pids: Path, then: str) -> str:
    """Script lines: start `sleep 300` in the background, write both pids, then ``then``."""
    return (f"child = subprocess.Popen(['sleep', '300'])\n"
            f"open({str(pids)!r} + '.tmp', 'w').write(f'{{os.getpid()}} {{child.pid}}')\n"
            f"os.rename({str(pids)!r} + '.tmp', {str(pids)!r})\n" + then)


def descendants(marker: str) -> list[int]:
    """Every process whose environment carries ``marker`` (all a run started, at any depth)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in environ and state not in ("Z", "X"):
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("sig, hung_up", [(signal.SIGTERM, False), (signal.SIGHUP, False),
                                          (signal.SIGHUP, True)])
def test_a_signal_stops_a_real_run_like_ctrl_c(tmp_path, sig, hung_up):
    """SIGTERM and SIGHUP to `python -m mlops_dsl run --local`: every program stopped (the
    Glue script and what it started), the run recorded as aborted, the stores exported, 130;
    also when the terminal is gone (``hung_up``: its output pipe closed before the signal)."""
    pids = tmp_path / "pids"
    script = glue_script(tmp_path / "slow_transform.py", background_then(pids, "time.sleep(300)\n"))
    module = tmp_path / "slow.py"
    module.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(BLUEPRINTS)!r})\n"
        "from attrition import attrition\n"
        "from mlops_dsl import GlueTransform\n"
        f"slow = attrition.with_(name='slow', transform=GlueTransform(script={str(script)!r}, "
        "wheels=()), tuning=attrition.tuning.with_(max_jobs=1, max_parallel_jobs=1))\n")
    marker = f"MLOPS_DSL_TEST_{uuid.uuid4().hex}"
    env = dict(os.environ, AWS_EC2_METADATA_DISABLED="true", **{marker: "1"})
    with open(tmp_path / "out.txt", "wb") as out:
        runner = subprocess.Popen([sys.executable, "-m", "mlops_dsl", "run", str(module),
                                   "--local", "--no-serve", "--workspace", str(tmp_path / "runs")],
                                  stdout=subprocess.PIPE if hung_up else out,
                                  stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
        try:
            wait_for_file(pids, 120, runner)
            glue, background = map(int, pids.read_text().split())
            if hung_up:
                runner.stdout.close()  # the terminal is gone: every later write fails
            runner.send_signal(sig)
            status = runner.wait(timeout=60)
        finally:
            if runner.poll() is None:
                runner.kill()
    output = (tmp_path / "out.txt").read_text()
    name = signal.Signals(sig).name
    assert status == 130, output
    if not hung_up:
        assert f"interrupted ({name}): stopping the running programs" in output
        assert f"Run interrupted ({name}) in state 'Transform data'" in output
    (run_dir,) = (tmp_path / "runs").iterdir()
    recorded = json.loads((run_dir / "run.json").read_text())
    assert (recorded["status"], recorded["error"]) == ("ABORTED", "Interrupted")
    assert recorded["stopped_by"] == name
    assert recorded["failed_state"] == "Transform data"
    assert recorded["cause"] == f"the local run was stopped ({name})"
    assert (run_dir / "feature-store" / "data" / "train" / "train.csv").is_file()  # exported
    assert gone(glue) and gone(background)
    deadline = time.monotonic() + 5
    while descendants(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert descendants(marker) == []  # nothing the run started survives it (fork server too)


def test_a_glue_script_that_leaves_a_background_process_does_not_hang_the_run(tmp_path,
                                                                             progress):
    pids = tmp_path / "pids"
    script = glue_script(tmp_path / "transform_and_leave.py", background_then(
        pids, f"import runpy\nrunpy.run_path({str(TRANSFORM)!r}, run_name='__main__')\n"))
    blueprint = small(sample()).with_(transform=GlueTransform(script=str(script), wheels=()),
                                      gate=metric("roc_auc") > 0.999)  # stop after tuning
    began = time.monotonic()
    result = run(blueprint, tmp_path / "runs", progress)
    assert result.failed_state == "Metric below threshold", (result.error, result.cause)
    assert result.timings["glue job"] < 60
    assert time.monotonic() - began < 120
    glue, background = map(int, pids.read_text().split())
    assert gone(glue) and gone(background)  # the job's group ended with the job


@pytest.fixture(scope="module")
def timed_out(tmp_path_factory):
    """A run whose Glue job sleeps past a short timeout, with heartbeats every 0.3 s."""
    from mlops_dsl.local import progress as progress_module
    from mlops_dsl.local.progress import Reporter

    import io

    folder = tmp_path_factory.mktemp("timeout")
    pids = folder / "pids"
    script = glue_script(folder / "sleepy.py", background_then(pids, "time.sleep(60)\n"))
    compiled = compile_blueprint(small(sample()).with_(
        transform=GlueTransform(script=str(script), wheels=())))
    template = json.loads(json.dumps(compiled.template))
    job = template["Resources"][n.GLUE_JOB]["Properties"]
    assert job["Timeout"] == 60  # minutes, as compiled; the test shortens it to 1.5 s
    job["Timeout"] = 0.025
    compiled = dataclasses.replace(compiled, template=template)
    reporter = Reporter(io.StringIO())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(progress_module, "HEARTBEAT_SECONDS", 0.3)
        began = time.monotonic()
        result = run_pipeline(compiled, RunOptions(workspace=folder / "runs"), reporter)
        took = time.monotonic() - began
    return result, reporter.stream.getvalue(), took, pids


def test_a_glue_job_over_its_timeout_is_stopped_and_reported(timed_out):
    result, output, took, pids = timed_out
    assert took < 30
    assert (result.status, result.failed_state) == ("FAILED", "Transform data")
    assert result.error == "States.TaskFailed"
    run = json.loads(result.cause)
    assert run["JobRunState"] == "TIMEOUT"
    assert run["Timeout"] == 0.025
    assert run["ErrorMessage"] == ("the job run exceeded its timeout of 0.025 minutes and was "
                                   "stopped")
    assert "cause: the job run exceeded its timeout of 0.025 minutes" in render(result)
    assert "timeout 0.025 min" in output
    glue, background = map(int, pids.read_text().split())
    assert gone(glue) and gone(background)


def test_a_long_step_prints_a_heartbeat(timed_out):
    _, output, _, _ = timed_out
    beats = [line for line in output.splitlines() if "Transform data: still running, " in line]
    assert len(beats) >= 3, output  # 1.5 s at one beat every 0.3 s
    assert beats[0].endswith("s so far")


def program_folder(tmp_path, train: str, serve: str | None = None) -> Path:
    folder = tmp_path / "image"
    folder.mkdir()
    (folder / "train").write_text("#!/usr/bin/env python3\n" + train)
    if serve is not None:
        (folder / "serve").write_text("#!/usr/bin/env python3\n" + serve)
    return folder


def test_a_training_job_that_writes_no_model_is_a_warning(tmp_path, progress):
    image = program_folder(tmp_path, "print('roc_auc: 0.5')\n")
    blueprint = small(sample()).with_(gate=metric("roc_auc") > 0.9)  # no model to serve
    result = run(blueprint, tmp_path / "runs", progress, local_image=str(image))
    assert result.failed_state == "Metric below threshold", (result.error, result.cause)
    (job,) = result.jobs.values()
    expected = (f"training job 1/1 {job.name}: it wrote no model (its model/ folder is empty): "
                "its model.tar.gz is empty, and serving it would fail")
    assert expected in result.warnings
    assert f"warning: {expected}" in progress.stream.getvalue()
    assert expected in record(result)["warnings"]
    assert f"Warning: {expected}" in render(result)


def test_a_failed_transform_shows_its_failure_reason(tmp_path, progress):
    image = program_folder(tmp_path, "", serve=(
        "import sys\nprint('serve: cannot load the model: schema.json missing', file=sys.stderr)"
        "\nsys.exit(3)\n"))
    shutil.copy(ROOT / "container" / "xgboost" / "train", image / "train")
    result = run(small(sample()), tmp_path / "runs", progress, local_image=str(image))
    assert (result.status, result.failed_state) == ("FAILED", "Batch transform")
    reason = json.loads(result.cause)["FailureReason"]
    assert reason == ("the server exited with status 3: serve: cannot load the model: "
                      "schema.json missing")
    assert f"failed: States.TaskFailed: {reason}" in progress.stream.getvalue()
    assert record(result)["failure_reason"] == reason
    assert f"  cause: {reason}" in render(result).splitlines()


def test_a_run_stopped_before_its_workflow_starts_is_recorded_as_aborted(tmp_path, progress,
                                                                        monkeypatch):
    from mlops_dsl.local import stores
    from mlops_dsl.local.summary import write_record

    def interrupted(self):  # Ctrl-C while the stores are being made
        raise KeyboardInterrupt

    monkeypatch.setattr(stores.Stores, "create", interrupted)
    result = run(small(sample()), tmp_path / "runs", progress)
    assert (result.status, result.error) == ("ABORTED", "Interrupted")
    assert result.cause == "the local run was stopped (Ctrl-C) before its workflow started"
    recorded = json.loads(write_record(result).read_text())
    assert recorded["status"] == "ABORTED" and recorded["stopped_by"] == "Ctrl-C"
    assert "> Transform data" not in progress.stream.getvalue()

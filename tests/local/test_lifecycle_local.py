"""Issue 14 locally: a run started as the schedule starts it, spot checkpoints synced with the
model store, and a batch transform that outruns max_runtime_minutes stopped and failed."""
from __future__ import annotations

import dataclasses
import shutil
import textwrap
import threading
import time
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest

from local_helpers import ROOT, run, sample, small
from mlops_dsl import ByoImage

CHECKPOINTING = '''
    folder = os.path.join(opt_ml, "checkpoints", os.environ["TRAINING_JOB_NAME"])
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "state.txt"), "w") as stream:
        stream.write("trained\\n")
    return 0


if __name__'''

SLOW_INVOCATIONS = '''@app.route("/invocations", methods=["POST"])
def invocations() -> flask.Response:
    import time
    time.sleep(6)
    return _slow_invocations()


def _slow_invocations() -> flask.Response:'''


def _container(tmp_path, name: str, old: str, new: str):
    """The shipped container, copied, with one program changed."""
    folder = tmp_path / "container"
    shutil.copytree(ROOT / "container", folder)
    program = folder / "xgboost" / name
    text = program.read_text()
    assert old in text, f"{old!r} is not in the container's {name}"
    program.write_text(text.replace(old, new, 1))
    return folder


def test_a_scheduled_run_trains_on_the_schedules_object_and_syncs_checkpoints(tmp_path, progress):
    container = _container(tmp_path, "train", "    return 0\n\n\nif __name__", CHECKPOINTING)
    lifecycle = sample("attrition_lifecycle")
    blueprint = small(lifecycle).with_(image=ByoImage(source=str(container),
                                                      name=lifecycle.image.name,
                                                      tag=lifecycle.image.tag))
    result = run(blueprint, tmp_path / "runs", progress, scheduled=True)
    shown = progress.stream.getvalue()
    assert result.succeeded, shown
    assert f"started as the schedule {lifecycle.training_schedule} would" in shown
    # only an input with the object's key takes this state
    assert "> Train on the uploaded object" in shown and "Train on the compiled key" not in shown
    store = result.run_dir / "model-store" / "checkpoints"
    saved = [p.relative_to(store).parts for p in store.rglob("state.txt")]
    # each training job's files under the run's prefix (the tuning job), as SageMaker syncs them
    assert sorted(job for _, job, _ in saved) == sorted(result.jobs)
    assert all(job.startswith(tuning + "-") for tuning, job, _ in saved)


class _Slow(BaseHTTPRequestHandler):
    delay = 1.5

    def do_POST(self):  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(self.delay)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"id,score\n1,0.5\n")

    def log_message(self, *args):
        pass


@pytest.fixture()
def slow_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    from mlops_dsl.local.serving import Server

    # the real request code of the local endpoint, on a server that answers slowly
    yield SimpleNamespace(request=partial(Server.request,
                                          SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}")))
    server.shutdown()


def test_a_request_past_the_transforms_bound_fails_the_state_with_states_timeout(slow_server):
    from mlops_dsl.local.context import TaskFailed
    from mlops_dsl.local.sagemaker import LocalSageMaker

    began = time.monotonic()
    with pytest.raises(TaskFailed) as failed:
        LocalSageMaker._invoke(slow_server, b"id\n1\n", "text/csv", 0.5, began)
    assert failed.value.error == "States.Timeout"
    assert time.monotonic() - began < _Slow.delay  # it gave up at the bound, not the answer
    status, body = LocalSageMaker._invoke(slow_server, b"id\n1\n", "text/csv", None, time.monotonic())
    assert status == 200 and body.startswith(b"id,score")


def test_a_transform_that_outruns_its_bound_is_stopped_and_the_run_fails(tmp_path, progress):
    container = _container(tmp_path, "predictor.py",
                           '@app.route("/invocations", methods=["POST"])\n'
                           'def invocations() -> flask.Response:', SLOW_INVOCATIONS)
    lifecycle = sample("attrition_lifecycle")
    blueprint = small(lifecycle).with_(image=ByoImage(source=str(container),
                                                      name=lifecycle.image.name,
                                                      tag=lifecycle.image.tag))
    from mlops_dsl.compiler import compile_blueprint
    from mlops_dsl.local.runner import RunOptions, run_pipeline

    compiled = compile_blueprint(blueprint)
    # the compiled bound is max_runtime_minutes (an hour); the test's is two seconds
    limits = dataclasses.replace(compiled.pipeline.limits, transform_timeout_seconds=2)
    compiled = dataclasses.replace(compiled, pipeline=dataclasses.replace(compiled.pipeline,
                                                                          limits=limits))
    result = run_pipeline(compiled, RunOptions(workspace=tmp_path / "runs"), progress)
    shown = progress.stream.getvalue()
    assert not result.succeeded
    # the Task failed and was caught: the run ended in the Fail state it was caught to
    assert (result.failed_state, result.error) == ("Transform timed out", "TransformTimeout"), shown
    assert "> Stop the overdue transform" in shown
    assert "stopped" in shown

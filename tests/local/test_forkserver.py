"""The fork server: a forked program is a fresh process of its own, as if started with
``python PROGRAM`` (derived by running the same probe both ways), and the server falls back,
reports and cleans up."""
from __future__ import annotations

import json
import os
import signal
import sys
import textwrap
import time
from pathlib import Path

import pytest
from local_helpers import gone, wait_for_file

from mlops_dsl.local.children import Children
from mlops_dsl.local.forkclient import ForkServer, ForkServerError

PROBE = textwrap.dedent("""\
    import atexit, json, os, random, sys
    import numpy
    here = {"argv": sys.argv, "cwd": os.getcwd(), "name": __name__, "file": __file__,
            "path0": sys.path[0], "env": os.environ.get("JOB_VALUE"), "shared": os.environ.get(
            "SHARED"), "leader": os.getpgid(0) == os.getpid() == os.getsid(0),
            "stdin": sys.stdin.read(), "main": sys.modules["__main__"].__dict__ is globals(),
            "runner_on_path": any(p.endswith("mlops_dsl/local") for p in sys.path)}
    print(json.dumps(here))
    print(json.dumps({"random": random.random(), "numpy": float(numpy.random.rand())}),
          file=sys.stderr)
    atexit.register(lambda: print("atexit ran"))
    unclosed = open("unclosed.txt", "w")
    unclosed.write("kept")  # never closed: flushed when the interpreter ends
    if len(sys.argv) > 1:
        exec(sys.argv[1])
    """)


EXEC_LINE = 2 + PROBE.splitlines().index("    exec(sys.argv[1])")  # after the #! line


@pytest.fixture()
def probe(tmp_path):
    program = tmp_path / "program" / "probe"
    program.parent.mkdir()
    program.write_text("#!/usr/bin/env python3\n" + PROBE)
    return program


@pytest.fixture()
def server(tmp_path, probe):
    env = dict(os.environ, SHARED="yes")
    started = ForkServer(sys.executable, probe, env, ["numpy", "no_such_module_here"],
                         tmp_path / "server.log").launch()
    yield started
    started.close()


def run(children, probe, folder, *arguments, server=None):
    folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, SHARED="yes", JOB_VALUE=folder.name)
    child = children.start([sys.executable, str(probe), *arguments], log=folder / "log",
                           env=env, cwd=folder, label=folder.name, server=server)
    status = children.wait(child, timeout=60)
    lines = (folder / "log").read_text().splitlines()
    return child, status, lines


def test_a_forked_program_sees_what_a_fresh_one_sees(tmp_path, probe, server):
    children = Children()
    fresh, fresh_status, fresh_lines = run(children, probe, tmp_path / "fresh")
    forked, forked_status, forked_lines = run(children, probe, tmp_path / "forked", server=server)
    again, _, again_lines = run(children, probe, tmp_path / "again", server=server)
    assert forked.forked and again.forked and not fresh.forked
    assert fresh_status == forked_status == 0
    seen = {name: json.loads(lines[0]) for name, lines in
            (("fresh", fresh_lines), ("forked", forked_lines), ("again", again_lines))}
    for name, facts in seen.items():
        assert facts == {"argv": [str(probe)], "cwd": str(tmp_path / name), "name": "__main__",
                         "file": str(probe), "path0": str(probe.parent), "env": name,
                         "shared": "yes", "leader": True, "stdin": "", "main": True,
                         "runner_on_path": False}
        assert (tmp_path / name / "unclosed.txt").read_text() == "kept"
    for lines in (fresh_lines, forked_lines, again_lines):
        assert lines[-1] == "atexit ran"
    assert len({fresh.pid, forked.pid, again.pid}) == 3
    # each process has random state of its own, as a new interpreter has
    assert forked_lines[1] != again_lines[1]
    assert server.info["preloaded"] == ["numpy"]
    assert "No module named 'no_such_module_here'" in server.info["failed"]["no_such_module_here"]


@pytest.mark.parametrize("code, status, last", [
    ("sys.exit(3)", 3, "atexit ran"),
    ("sys.exit('a reason')", 1, "atexit ran"),
    ("raise ValueError('bad value')", 1, "atexit ran"),
    ("raise KeyboardInterrupt", -signal.SIGINT, "atexit ran"),
])
def test_a_forked_program_ends_with_the_status_and_output_a_fresh_one_has(
        tmp_path, probe, server, code, status, last):
    children = Children()
    _, fresh_status, fresh_lines = run(children, probe, tmp_path / "fresh", code)
    _, forked_status, forked_lines = run(children, probe, tmp_path / "forked", code,
                                         server=server)
    assert fresh_status == forked_status == status
    strip = [line for line in fresh_lines[2:]]  # after the facts and the random numbers
    assert [line for line in forked_lines[2:]] == strip
    assert forked_lines[-1] == last
    if "ValueError" in code:  # the traceback starts at the program, not in the server
        assert forked_lines[2:5] == ["Traceback (most recent call last):",
                                     f'  File "{probe}", line {EXEC_LINE}, in <module>',
                                     "    exec(sys.argv[1])"]


def test_stopping_a_forked_program_stops_its_group(tmp_path, probe, server):
    children = Children()
    pids = tmp_path / "forked" / "pids"
    code = ("import subprocess, time; p = subprocess.Popen(['sleep', '300']); "
            f"open({str(pids)!r}, 'w').write(str(p.pid)); time.sleep(300)")
    (tmp_path / "forked").mkdir()
    child = children.start([sys.executable, str(probe), code], log=tmp_path / "forked" / "log",
                           env=dict(os.environ), cwd=tmp_path / "forked", label="slow",
                           server=server)
    wait_for_file(pids)
    time.sleep(0.1)
    children.stop_all("SIGTERM")
    assert child.returncode == -signal.SIGTERM
    assert gone(child.pid) and gone(int(pids.read_text()))


def test_a_server_that_cannot_start_falls_back_to_a_fresh_process(tmp_path, probe):
    broken = ForkServer(str(tmp_path / "no-python"), probe, dict(os.environ), [],
                        tmp_path / "server.log").launch()
    with pytest.raises(ForkServerError, match="cannot start"):
        broken.ready()
    child, status, lines = run(Children(), probe, tmp_path / "job", server=broken)
    assert status == 0 and not child.forked
    assert json.loads(lines[0])["env"] == "job"


def _start_time(pid: int) -> str | None:
    """When process ``pid`` started (/proc/<pid>/stat field 22), or None when there is none."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None


def test_closing_the_server_kills_what_it_still_runs(tmp_path, probe, server):
    (tmp_path / "job").mkdir()
    process = server.spawn([str(probe), "import time; time.sleep(300)"], dict(os.environ),
                           tmp_path / "job", tmp_path / "job" / "log")
    started = _start_time(process.pid)
    server.close()
    assert process.wait(timeout=10) == -signal.SIGKILL
    # gone, or its pid already reused by a new process (a busy machine forks many)
    assert gone(process.pid) or _start_time(process.pid) != started
    with pytest.raises(ForkServerError):
        server.spawn([str(probe)], dict(os.environ), tmp_path / "job", tmp_path / "job" / "l2")


def test_parallel_jobs_share_one_server_started_before_the_run(tmp_path, progress, monkeypatch):
    """The server is started (and `train` read) once, before the workflow starts; jobs running
    side by side find it and neither parse the program again (CPython 3.11's ast.parse is not
    safe in two threads at once) nor start another server."""
    from local_helpers import run, sample

    from mlops_dsl import metric
    from mlops_dsl.local import forkclient, pythons
    from mlops_dsl.local.children import usable_cpus
    from mlops_dsl.local.tuning import concurrency

    reads, launches = [], []
    real_read, real_launch = pythons.imported_modules, forkclient.ForkServer.launch
    monkeypatch.setattr(pythons, "imported_modules",
                        lambda program: reads.append(program) or real_read(program))
    monkeypatch.setattr(forkclient.ForkServer, "launch",
                        lambda server, **how: launches.append(server) or real_launch(server,
                                                                                      **how))
    blueprint = sample().with_(gate=metric("roc_auc") > 0.999)  # stop after tuning
    blueprint = blueprint.with_(tuning=blueprint.tuning.with_(max_jobs=3, max_parallel_jobs=2))
    result = run(blueprint, tmp_path / "runs", progress)
    assert result.failed_state == "Metric below threshold", (result.error, result.cause)
    assert all(job.status == "Completed" for job in result.jobs.values())
    assert len(result.jobs) == 3
    # one server for the jobs; the model server's has its own when the jobs get fewer OpenMP
    # threads than a fresh process would (every usable CPU), loaded after the jobs' one
    _, threads = concurrency(2, 3)
    expected = ["train.log"] if threads == usable_cpus() else ["train.log", "serve.log"]
    assert [server.log.name for server in launches] == expected
    # read once per server (the program folder's code: what it preloads), not once per job
    assert [path.name for path in reads if path.name == "train"] == ["train"] * len(expected)


@pytest.fixture()
def slow_module(tmp_path):
    """A module that takes a second to import, and the environment that finds it."""
    folder = tmp_path / "modules"
    folder.mkdir()
    (folder / "slow_to_load.py").write_text("import time\ntime.sleep(1)\n")
    return dict(os.environ, PYTHONPATH=str(folder))


def test_a_server_asked_for_after_another_starts_once_that_one_has_loaded(
        tmp_path, probe, slow_module):
    first = ForkServer(sys.executable, probe, slow_module, ["slow_to_load"],
                       tmp_path / "first.log").launch()
    second = ForkServer(sys.executable, probe, dict(os.environ), ["numpy"],
                        tmp_path / "second.log").launch(after=first)
    try:
        assert not (tmp_path / "second.log").exists()  # not started: the first is loading
        assert first.ready()["preloaded"] == ["slow_to_load"]
        assert second.ready()["preloaded"] == ["numpy"]
        child, status, lines = run(Children(), probe, tmp_path / "job", server=second)
        assert status == 0 and child.forked and json.loads(lines[0])["env"] == "job"
    finally:
        first.close()
        second.close()


def test_a_server_closed_before_its_turn_never_starts(tmp_path, probe, slow_module):
    first = ForkServer(sys.executable, probe, slow_module, ["slow_to_load"],
                       tmp_path / "first.log").launch()
    second = ForkServer(sys.executable, probe, dict(os.environ), [],
                        tmp_path / "second.log").launch(after=first)
    second.close()
    with pytest.raises(ForkServerError, match="closed before it started"):
        second.ready()
    first.ready()
    time.sleep(0.3)  # when it would have started
    first.close()
    assert not (tmp_path / "second.log").exists()
    child, status, _ = run(Children(), probe, tmp_path / "job", server=second)
    assert status == 0 and not child.forked  # started fresh instead


def test_environments_that_differ_only_in_an_unset_thread_count_share_a_server():
    """OMP_NUM_THREADS of every usable CPU is OpenMP's default: the same as unset."""
    from mlops_dsl.local.children import import_key, usable_cpus

    base = {"PATH": "/bin", "HOME": "/home/x"}
    every = dict(base, OMP_NUM_THREADS=str(usable_cpus()))
    assert import_key(every) == import_key(base)
    assert import_key(dict(base, OMP_NUM_THREADS=str(usable_cpus() + 1))) != import_key(base)
    assert import_key(dict(base, OTHER="1")) != import_key(base)


def test_the_batch_transforms_model_server_is_forked_like_the_training_jobs(
        tmp_path, progress, monkeypatch):
    """The transform's `serve` comes from a fork server that preloaded the program folder's
    imports (with one job at a time, the jobs' own server), and answers as a fresh one does."""
    from local_helpers import csv_rows, sample, small
    from local_helpers import run as run_local

    started = []
    real_start = Children.start

    def start(self, command, **how):
        child = real_start(self, command, **how)
        started.append((how["label"].split()[0], Path(command[-1]).name, child.forked))
        return child

    monkeypatch.setattr(Children, "start", start)
    result = run_local(small(sample()), tmp_path / "runs", progress)
    assert result.succeeded, progress.stream.getvalue()
    assert ("training", "train", True) in started
    assert ("server", "serve", True) in started
    transform = next(iter(result.sagemaker.transforms.values()))
    assert transform["rows"] == len(csv_rows(result.run_dir / "extracts" / "score" / "score.csv"))

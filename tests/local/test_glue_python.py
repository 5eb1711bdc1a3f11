"""The Glue script runs on the Python its job names (Python shell 3.9) when this machine has one
that works and can import what the script imports; otherwise on this Python, with one warning."""
from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from local_helpers import run, sample, small

from mlops_dsl import GlueTransform
from mlops_dsl.local.pythons import find_python, imported_modules, this_python
from mlops_dsl.local.summary import record

JOB = "the Glue pythonshell job"
HERE = f"so the script runs on this Python {this_python()} ({sys.executable})"


def real_python(version: str) -> str | None:
    """A working ``python<version>`` on this machine (PATH, or pyenv's versions), or None."""
    candidates = [os.popen(f"command -v python{version}").read().strip(),
                  *sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}*/bin/"
                                                       f"python{version}"))),
                  f"/usr/bin/python{version}"]
    for candidate in filter(None, candidates):
        try:
            done = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"],
                                  capture_output=True, text=True, timeout=20)
        except OSError:
            continue
        if done.returncode == 0 and done.stdout.strip() == str(tuple(map(int,
                                                                       version.split(".")))):
            return candidate
    return None


PYTHON39 = real_python("3.9")
needs_39 = pytest.mark.skipif(PYTHON39 is None, reason="no working Python 3.9 on this machine")


def on_path(tmp_path, name: str, target: str | None = None, body: str | None = None) -> dict:
    """An environment whose PATH is one folder holding ``name`` (a link to ``target``, or a
    shell script ``body``)."""
    folder = tmp_path / "bin"
    folder.mkdir(exist_ok=True)
    if target:
        (folder / name).symlink_to(target)
    elif body is not None:
        (folder / name).write_text("#!/bin/sh\n" + body)
        (folder / name).chmod(0o755)
    return dict(os.environ, PATH=str(folder))


def script(tmp_path, text: str) -> Path:
    path = tmp_path / "job.py"
    path.write_text(text)
    return path


def test_the_script_imports_are_read_without_running_it(tmp_path):
    path = script(tmp_path, "import os, json\nimport pandas.io.common\nfrom numpy import array\n"
                            "from . import sibling\ndef f():\n    import awsglue.utils\n")
    assert imported_modules(path) == ["awsglue", "awsglue.utils", "json", "numpy", "os",
                                      "pandas", "pandas.io", "pandas.io.common"]


def test_no_python_of_that_version_on_path_is_a_warning(tmp_path):
    choice = find_python("3.9", script(tmp_path, "import os\n"), on_path(tmp_path, "other"), JOB)
    assert choice.python == sys.executable
    assert choice.warning == f"{JOB} runs on Python 3.9 in AWS; there is no python3.9 on PATH, {HERE}"


def test_a_python_on_path_that_is_another_version_is_not_used(tmp_path):
    env = on_path(tmp_path, "python3.9", body=f'exec {sys.executable} "$@"\n')
    choice = find_python("3.9", script(tmp_path, "import os\n"), env, JOB)
    assert choice.python == sys.executable
    assert choice.warning == (f"{JOB} runs on Python 3.9 in AWS; {tmp_path / 'bin' / 'python3.9'}"
                              f" is Python {this_python()}, {HERE}")


def test_a_python_on_path_that_does_not_run_is_not_used(tmp_path):
    env = on_path(tmp_path, "python3.9", body="echo 'shim: python3.9: not installed' >&2\nexit 3\n")
    choice = find_python("3.9", script(tmp_path, "import os\n"), env, JOB)
    assert choice.python == sys.executable
    assert choice.warning == (f"{JOB} runs on Python 3.9 in AWS; {tmp_path / 'bin' / 'python3.9'}"
                              f" did not run (exit status 3: shim: python3.9: not installed), {HERE}")


def test_this_python_is_used_when_it_is_the_version_asked_for(tmp_path):
    choice = find_python(this_python(), script(tmp_path, "import os\n"), {"PATH": ""}, JOB)
    assert (choice.python, choice.warning) == (sys.executable, None)


@needs_39
def test_a_python_39_that_lacks_the_scripts_modules_is_not_used(tmp_path):
    import pandas  # noqa: F401 - here, the script's import works

    lacking = subprocess.run([PYTHON39, "-c", "import pandas"], capture_output=True).returncode
    if lacking == 0:
        pytest.skip(f"{PYTHON39} has pandas")
    env = on_path(tmp_path, "python3.9", target=PYTHON39)
    choice = find_python("3.9", script(tmp_path, "import os\nimport pandas as pd\n"), env, JOB)
    found = tmp_path / "bin" / "python3.9"
    assert choice.python == sys.executable
    assert choice.warning == (f"{JOB} runs on Python 3.9 in AWS; {found} cannot import pandas, "
                              f"which the script imports, {HERE}; to run it on 3.9: {found} -m "
                              "pip install pandas")


@needs_39
def test_the_glue_script_runs_on_python_39_when_there_is_one(tmp_path, progress, monkeypatch):
    env = on_path(tmp_path, "python3.9", target=PYTHON39)
    monkeypatch.setenv("PATH", env["PATH"] + os.pathsep + os.environ["PATH"])
    path = script(tmp_path, "import sys\nprint('transform: this is Python %d.%d' % "
                            "sys.version_info[:2])\nsys.exit(1)\n")
    blueprint = small(sample()).with_(transform=GlueTransform(script=str(path), wheels=()))
    result = run(blueprint, tmp_path / "runs", progress)
    assert result.failed_state == "Transform data"
    assert json.loads(result.cause)["ErrorMessage"] == "transform: this is Python 3.9"
    assert not [w for w in result.warnings if "Glue" in w]
    assert record(result)["environment"]["glue python"] == (f"{tmp_path / 'bin' / 'python3.9'} "
                                                            "(Python 3.9)")


def test_the_glue_script_runs_on_this_python_with_one_warning_when_there_is_none(
        tmp_path, progress, monkeypatch):
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + "/usr/bin:/bin")
    if real_python("3.9") and os.popen("command -v python3.9").read().strip():
        pytest.skip("a working python3.9 is on /usr/bin")
    path = script(tmp_path, "import sys\nprint('transform: this is Python %d.%d' % "
                            "sys.version_info[:2])\nsys.exit(1)\n")
    blueprint = small(sample()).with_(transform=GlueTransform(script=str(path), wheels=()))
    result = run(blueprint, tmp_path / "runs", progress)
    assert json.loads(result.cause)["ErrorMessage"] == f"transform: this is Python {this_python()}"
    warning = f"{JOB} runs on Python 3.9 in AWS; there is no python3.9 on PATH, {HERE}"
    assert result.warnings == [warning]
    assert record(result)["warnings"] == [warning]
    assert progress.stream.getvalue().count(f"warning: {warning}") == 1


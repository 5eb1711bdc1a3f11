"""The container's requirements.txt locally: met by this Python (nothing built), met by a cached
environment built with pip (offline, from a local wheel), or refused before anything runs
(MLD505). pip never reaches a network here: PIP_NO_INDEX and a local PIP_FIND_LINKS."""
from __future__ import annotations

import base64
import hashlib
import shutil
import sys
import zipfile
from pathlib import Path

import pytest
from local_helpers import run, sample, small

from mlops_dsl import metric
from mlops_dsl.errors import BlueprintError
from mlops_dsl.local import requirements as reqs
from mlops_dsl.local.summary import record

PACKAGE = "mlops_dsl_probe_pkg"  # a package that exists only as the wheel these tests make
TRAIN = (
    "#!/usr/bin/env python3\n"
    "import os, sys\n"
    "import numpy\n"  # from the environment's base: this interpreter's packages
    f"import {PACKAGE}\n"
    "print('python', sys.executable)\n"
    f"print('roc_auc:', {PACKAGE}.SCORE)\n"
    "open(os.path.join(os.environ['OPT_ML'], 'model', 'model.txt'), 'w').write('m')\n")


def make_wheel(folder: Path, version: str = "1.0") -> Path:
    """A pure-Python wheel of PACKAGE (its module holds SCORE = 0.5)."""
    dist = f"{PACKAGE}-{version}"
    files = {f"{PACKAGE}/__init__.py": "SCORE = 0.5\n",
             f"{dist}.dist-info/METADATA": (f"Metadata-Version: 2.1\nName: {PACKAGE}\n"
                                            f"Version: {version}\n"),
             f"{dist}.dist-info/WHEEL": ("Wheel-Version: 1.0\nGenerator: mlops_dsl-tests\n"
                                         "Root-Is-Purelib: true\nTag: py3-none-any\n")}
    record_lines = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record_lines.append(f"{name},sha256={digest.decode()},{len(text.encode())}")
    record_lines.append(f"{dist}.dist-info/RECORD,,")
    files[f"{dist}.dist-info/RECORD"] = "\n".join(record_lines) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return wheel


@pytest.fixture()
def offline(tmp_path, monkeypatch):
    """pip with no index and only ``tmp_path/wheels`` to install from; a private cache."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return wheels


def image(tmp_path, requirements: str) -> Path:
    folder = tmp_path / "image"
    folder.mkdir()
    (folder / "train").write_text(TRAIN)
    (folder / "requirements.txt").write_text(requirements)
    return folder


def test_requirements_files_are_read_as_pip_reads_them(tmp_path):
    (tmp_path / "base.txt").write_text("numpy>=1 ; python_version >= '3'  # comment\n")
    (tmp_path / "requirements.txt").write_text(
        "# the container's packages\n--extra-index-url https://example.invalid/simple\n"
        "-r base.txt\npandas==99.0 --hash=sha256:abc\nscikit-\\\nlearn\n./local.whl\n"
        "mlops-dsl-no-such-package\n")
    lines = reqs.read(tmp_path / "requirements.txt")
    assert [(Path(line.file).name, line.line, line.text, line.name) for line in lines] == [
        ("base.txt", 1, "numpy>=1 ; python_version >= '3'", "numpy"),
        ("requirements.txt", 4, "pandas==99.0", "pandas"),
        ("requirements.txt", 6, "scikit-learn", "scikit-learn"),
        ("requirements.txt", 7, "./local.whl", None),
        ("requirements.txt", 8, "mlops-dsl-no-such-package", "mlops-dsl-no-such-package")]
    import numpy
    import pandas

    assert [(u.requirement.line, u.why) for u in reqs.unmet(lines)] == [
        (4, f"{pandas.__version__} installed"), (7, "cannot be checked without pip"),
        (8, "not installed")]
    assert numpy.__version__  # met: numpy>=1 is not reported


def test_a_container_whose_requirements_are_met_runs_on_this_python(tmp_path, progress,
                                                                     offline):
    make_wheel(offline)  # available, but not needed
    folder = image(tmp_path, "numpy\npackaging>=20 ; python_version >= '3.8'\n")
    (folder / "train").write_text(TRAIN.replace(f"import {PACKAGE}\n", "").replace(
        f"{PACKAGE}.SCORE", "0.5"))
    result = run(small(sample()).with_(gate=metric("roc_auc") > 0.9), tmp_path / "runs",
                 progress, local_image=str(folder))
    assert result.failed_state == "Metric below threshold", (result.error, result.cause)
    assert f"{folder / 'requirements.txt'}: 2 requirement(s) met by this Python" in \
        progress.stream.getvalue()
    assert record(result)["environment"]["programs python"] == sys.executable
    assert not (tmp_path / "cache").exists()  # nothing built


def test_a_container_whose_requirements_are_missing_stops_before_anything_runs(
        tmp_path, progress, offline):
    folder = image(tmp_path, "numpy\nmlops-dsl-no-such-package==1.0\n")
    with pytest.raises(BlueprintError) as raised:
        run(small(sample()), tmp_path / "runs", progress, local_image=str(folder))
    [problem] = raised.value.problems
    assert problem.code == "MLD505" and problem.field == "image"
    assert str(problem.location) == f"{folder / 'requirements.txt'}:2"
    message = str(problem)
    assert "mlops-dsl-no-such-package==1.0 (not installed)" in message
    assert "No matching distribution found for mlops-dsl-no-such-package==1.0" in message
    assert f"{sys.executable} -m pip install -r {folder / 'requirements.txt'}" in message
    assert "(missing: mlops-dsl-no-such-package)" in message
    assert message.endswith("[MLD505]")
    assert not (tmp_path / "runs").exists()  # stopped before the Glue job, the tuning, anything
    assert "> Transform data" not in progress.stream.getvalue()


def test_a_container_needing_other_packages_gets_a_cached_environment(tmp_path, progress,
                                                                      offline):
    make_wheel(offline)
    folder = image(tmp_path, f"numpy\n{PACKAGE}==1.0\n")
    blueprint = small(sample()).with_(gate=metric("roc_auc") > 0.9)
    result = run(blueprint, tmp_path / "runs", progress, local_image=str(folder))
    assert result.failed_state == "Metric below threshold", (result.error, result.cause)
    (job,) = result.jobs.values()
    assert job.status == "Completed" and job.metrics == {"roc_auc": 0.5}
    (venv,) = (tmp_path / "cache" / "mlops_dsl" / "envs").glob("*/pyvenv.cfg")
    python = venv.parent / "bin" / "python"
    log = (job.sandbox / "output" / "training.log").read_text()
    assert f"python {python}" in log
    assert record(result)["environment"]["programs python"] == str(python)
    out = progress.stream.getvalue()
    assert f"{PACKAGE}==1.0 (not installed) not met by this Python" in out
    assert "pip install -r" in out and "made by an earlier run" not in out
    assert "container environment" in result.timings

    progress.stream.truncate(0)
    shutil.rmtree(offline)  # a second run needs no wheel: the environment is reused
    again = run(blueprint, tmp_path / "runs", progress, local_image=str(folder))
    assert again.failed_state == "Metric below threshold", (again.error, again.cause)
    assert "made by an earlier run; reused" in progress.stream.getvalue()
    assert "pip install -r" not in progress.stream.getvalue()

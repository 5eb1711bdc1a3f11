"""Packaging: every package is listed in setup.cfg, and what a wheel carries (schemas, handlers,
the container and the Glue script that `new` copies) is there and usable without the checkout."""
from __future__ import annotations

import configparser
import os
import subprocess
import sys

import pytest

from helpers import ROOT


def _config() -> configparser.ConfigParser:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    return config


def _mapped() -> dict[str, str]:
    """setup.cfg's package_dir: package name -> folder of the checkout."""
    lines = _config()["options"]["package_dir"].strip().splitlines()
    return dict(tuple(part.strip() for part in line.split("=")) for line in lines)


def _folders_with_files(root, package: str) -> set[str]:
    """``package`` and every folder below ``root`` that holds a file, as package names."""
    found = set()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".")]
        if files:
            relative = os.path.relpath(folder, root)
            found.add(package if relative == "." else
                      ".".join([package, *relative.split(os.sep)]))
    return found


def test_every_package_and_data_folder_is_listed_in_setup_cfg():
    listed = set(_config()["options"]["packages"].split())
    mapped = _mapped()
    found = set()
    for package in _folders_with_files(ROOT / "mlops_dsl", "mlops_dsl"):
        if not any(package == m or package.startswith(m + ".") for m in mapped):
            found.add(package)
    for package, folder in mapped.items():
        found |= _folders_with_files(ROOT / folder, package)
    assert found == listed


def test_the_shipped_folders_are_mapped_into_the_package():
    assert _mapped() == {"mlops_dsl.handlers": "lambdas", "mlops_dsl.container": "container",
                         "mlops_dsl.glue": "glue"}
    assert "schemas/*.json" in _config()["options.package_data"]["mlops_dsl"]
    assert (ROOT / "lambdas" / "__init__.py").is_file()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """What a wheel installs: setuptools' build_py of this checkout into a folder of its own."""
    base = tmp_path_factory.mktemp("built")
    result = subprocess.run(
        [sys.executable, "-c", "from setuptools import setup; setup()", "-q",
         "egg_info", "--egg-base", str(base), "build_py", "--build-lib", str(base / "lib")],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "deprecated" not in result.stderr.lower(), result.stderr  # no unlisted data folder
    return base / "lib"


def test_the_wheel_carries_every_shipped_file(built):
    for package, folder in _mapped().items():
        target = built.joinpath(*package.split("."))
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                copy = target / path.relative_to(ROOT / folder)
                assert copy.is_file(), f"{path.relative_to(ROOT)} is not in the wheel"
                assert copy.read_bytes() == path.read_bytes()
                assert os.access(copy, os.X_OK) == os.access(path, os.X_OK), copy
    assert list((built / "mlops_dsl" / "scaffold" / "templates").glob("*.tmpl"))
    assert (built / "mlops_dsl" / "schemas" / "blueprint-config.schema.json").is_file()


def test_new_works_from_the_installed_package_alone(built, tmp_path):
    """Outside the checkout, with only the built package importable, `new` copies the
    package's own container/ and glue/ (there is no checkout beside it to fall back on)."""
    env = {**os.environ, "PYTHONPATH": str(built)}
    probe = subprocess.run(
        [sys.executable, "-c", "import mlops_dsl.scaffold.shipped as s; "
         "print(s.shipped_dir('container')); print(s.shipped_dir('glue'))"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=60)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.split() == [str(built / "mlops_dsl" / "container"),
                                    str(built / "mlops_dsl" / "glue")]
    result = subprocess.run([sys.executable, "-m", "mlops_dsl", "new", "demo", "--problem",
                             "multiclass"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    train = tmp_path / "demo" / "container" / "xgboost" / "train"
    assert train.read_bytes() == (ROOT / "container" / "xgboost" / "train").read_bytes()
    assert os.access(train, os.X_OK)
    assert 'LABEL = "segment"' in (tmp_path / "demo" / "glue" / "transform.py").read_text()


def test_shipped_sample_data_is_the_shared_sample():
    """blueprints/data/ ships the shared employee-attrition files unchanged (when shared/ is there)."""
    shared = ROOT.parent / "shared" / "data" / "employee-attrition"
    if not shared.is_dir():
        pytest.skip("../shared is not beside this checkout")
    for name in ("train.csv", "score.csv"):
        assert (ROOT / "blueprints" / "data" / name).read_bytes() == (shared / name).read_bytes()


def test_test_modules_have_unique_names():
    """setup.cfg puts tests/ and its subfolders on one sys.path: a helper named like another
    folder's would be imported in its place."""
    import collections

    names = collections.Counter(p.name for p in (ROOT / "tests").rglob("*.py")
                                if "node_modules" not in p.parts and p.name != "conftest.py")
    assert [name for name, count in names.items() if count > 1] == []


def test_test_modules_leave_sys_path_to_setup_cfg():
    """Helper folders are on ``pythonpath`` in setup.cfg, not put on ``sys.path`` by the module
    that imports them (which works in one import mode and order only). Code a test writes out
    for another process may still set its own path."""
    import configparser

    listed = configparser.ConfigParser()
    listed.read(ROOT / "setup.cfg")
    pythonpath = listed["tool:pytest"]["pythonpath"].split()
    edits = [f"{p.relative_to(ROOT)}:{n}" for p in (ROOT / "tests").rglob("*.py")
             if "node_modules" not in p.parts
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
             if line.startswith(("sys.path.insert", "sys.path.append"))]
    assert edits == []
    helpers = sorted({p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "tests").rglob("*.py")
                      if "node_modules" not in p.parts and p.name.endswith("_helpers.py")})
    assert [folder for folder in helpers if folder not in pythonpath] == []

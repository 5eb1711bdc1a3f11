"""Packaging: every package is listed in setup.cfg, and the wheel carries schemas and handlers."""
from __future__ import annotations

import configparser

from helpers import ROOT


def test_every_package_is_listed_in_setup_cfg():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "mlops_dsl").rglob("__init__.py")}
    found.add("mlops_dsl.handlers")  # mapped from lambdas/ by package_dir
    assert found == listed


def test_handlers_and_schema_are_package_data():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    assert "mlops_dsl.handlers = lambdas" in config["options"]["package_dir"]
    assert "schemas/*.json" in config["options.package_data"]["mlops_dsl"]
    assert (ROOT / "lambdas" / "__init__.py").is_file()


def test_shipped_sample_data_is_the_shared_sample():
    """blueprints/data/ ships the shared employee-attrition files unchanged (when shared/ is there)."""
    import pytest

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

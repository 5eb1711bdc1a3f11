"""The dependency rules of docs/ARCHITECTURE.md, checked on the source, and the one registry of
service integrations checked against what the compiled samples call and what runs locally."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from helpers import ROOT, sample_blueprints
from mlops_dsl.compiler import compile_file
from mlops_dsl.emit import tasks

PACKAGE = ROOT / "mlops_dsl"


def _imports(path: Path) -> set[str]:
    """Absolute names of the mlops_dsl modules a file imports."""
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.add(name)
            found.update(f"{name}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("mlops_dsl")}


@pytest.mark.parametrize("folder", ["emit", "model/names.py", "model/origin.py", "model/specs.py",
                                    "model/pipeline.py"])
def test_emitters_and_the_model_read_no_dsl(folder):
    """``dsl -> model -> emit``: the emitters see only the resolved model."""
    target = PACKAGE / folder
    files = [target] if target.is_file() else sorted(target.rglob("*.py"))
    offenders = {f"{path.relative_to(ROOT)}: {name}" for path in files for name in _imports(path)
                 if name == "mlops_dsl.dsl" or name.startswith("mlops_dsl.dsl.")}
    assert not offenders


def test_the_dsl_imports_nothing_of_aws_or_the_emitters():
    for path in sorted((PACKAGE / "dsl").rglob("*.py")):
        for name in _imports(path):
            assert not name.startswith(("mlops_dsl.emit", "mlops_dsl.model", "mlops_dsl.deploy",
                                        "mlops_dsl.local")), f"{path}: {name}"


@pytest.fixture(scope="module")
def called() -> set[str]:
    """Every integration a Task of a compiled sample calls (after ``states:::``)."""
    found = set()
    for path in sample_blueprints():
        for state in compile_file(path).definition["States"].values():
            if state["Type"] == "Task":
                found.add(state["Resource"].split(":::", 1)[1])
    return found


def test_every_task_the_samples_call_is_one_registered_integration(called):
    registered = [task.API for task in tasks.ALL]
    assert len(registered) == len(set(registered)), "an integration is registered twice"
    assert called <= set(registered)


def test_every_registered_integration_runs_locally():
    from mlops_dsl.local.runner import _fakes

    routed = [api for fake in _fakes() for api in fake.ROUTES]
    assert len(routed) == len(set(routed)), "two local fakes route one integration"
    assert set(routed) == {task.API for task in tasks.ALL}
    for fake in _fakes():
        for api, method in fake.ROUTES.items():
            assert callable(getattr(fake, method, None)), f"{fake.__name__}.{method} ({api})"

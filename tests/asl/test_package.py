"""mlops_dsl.asl stays light and at the bottom: the DSL imports its operator table, so its modules
import only the standard library and each other (no AWS SDK, no troposphere, nothing of dsl, model,
emit, deploy or local), at module level or anywhere else."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import mlops_dsl.asl

PACKAGE = Path(mlops_dsl.asl.__file__).parent
HEAVY = ("boto3", "botocore", "moto", "troposphere", "stepfunctions", "jsonschema")


def _imports(path: Path) -> list[tuple[int, str]]:
    """(relative level, module) of every import statement in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(0, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
    return found


def test_asl_imports_only_the_standard_library_and_itself():
    modules = sorted(PACKAGE.glob("*.py"))
    assert {p.stem for p in modules} >= {"history", "operators", "paths", "graph"}
    for path in modules:
        for level, module in _imports(path):
            if level:
                assert level == 1, f"{path.name} imports from outside mlops_dsl.asl: {module}"
            else:
                assert module.split(".")[0] in sys.stdlib_module_names, f"{path.name}: {module}"


def test_importing_every_asl_module_loads_no_heavy_library():
    names = sorted(f"mlops_dsl.asl.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__")
    code = (f"import importlib, json, sys\nfor m in {names!r}: importlib.import_module(m)\n"
            "print(json.dumps(sorted(sys.modules)))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                       check=True).stdout)
    assert "mlops_dsl.asl.history" in loaded
    assert [m for m in loaded if m.split(".")[0] in HEAVY] == []

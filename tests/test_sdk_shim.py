"""The SDK import shim: compiling never loads sagemaker, pkg_resources or boto3, nor changes globals.

Each check runs in a fresh interpreter, because sys.modules and global state are process-wide.
"""
from __future__ import annotations

import json
import subprocess
import sys

from helpers import ROOT

PROBE = r"""
import json, logging, sys, warnings
try:
    import yaml
    dumpers = {k: dict(getattr(yaml, k).yaml_representers) for k in ("Dumper", "SafeDumper")}
except ImportError:
    yaml, dumpers = None, {}
before = (logging.getLogger().level, list(warnings.filters), sys.excepthook)
import mlops_dsl
from mlops_dsl.compiler import compile_file
compiled = compile_file(sys.argv[1])
after = (logging.getLogger().level, list(warnings.filters), sys.excepthook)
yaml_after = {k: dict(getattr(yaml, k).yaml_representers) for k in dumpers} if yaml else {}
print(json.dumps({
    "modules": sorted(m for m in sys.modules if m.split(".")[0] in
                      ("sagemaker", "pkg_resources", "boto3", "botocore", "stepfunctions")),
    "logger_same": before[0] == after[0],
    "warnings_same": before[1] == after[1],
    "excepthook_same": before[2] is after[2],
    "yaml_same": dumpers == yaml_after,
    "tuning_task": compiled.definition["States"]["Tune model"]["Type"],
}))
"""


def probe(*args) -> dict:
    result = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                            check=True, timeout=120)
    return json.loads(result.stdout.splitlines()[-1])


def test_compile_loads_only_the_generic_sdk_states():
    found = probe(str(ROOT / "blueprints" / "attrition.py"))
    assert found["tuning_task"] == "Task"
    assert not [m for m in found["modules"] if m.split(".")[0] in ("sagemaker", "pkg_resources", "boto3", "botocore")]
    sdk = set(found["modules"])
    assert {"stepfunctions.steps.states", "stepfunctions.steps.choice_rule"} <= sdk
    # The stand-in packages are gone: a later `import stepfunctions` runs the real initialiser.
    assert "stepfunctions" not in sdk and "stepfunctions.steps" not in sdk
    assert "stepfunctions.steps.sagemaker" not in sdk and "stepfunctions.steps.compute" not in sdk


def test_compile_leaves_global_state_alone():
    found = probe(str(ROOT / "blueprints" / "attrition_endpoint.py"))
    assert found["logger_same"] and found["warnings_same"]
    assert found["excepthook_same"] and found["yaml_same"]


def test_help_and_version_do_not_import_the_compiler():
    code = ("import sys\nfrom mlops_dsl.cli import main\n"
            "for argv in (['--help'], ['--version'], ['compile', '--help']):\n"
            "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
            "heavy = [m for m in sys.modules if m.split('.')[0] in "
            "('stepfunctions', 'troposphere', 'boto3', 'jsonschema', 'sagemaker')]\n"
            "print('HEAVY', heavy)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY []" in result.stdout

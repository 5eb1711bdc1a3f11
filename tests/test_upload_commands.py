"""The UploadCommands output is a shell line users copy and run: every path and URI in it is one
quoted word, and user text never becomes live shell or Fn::Sub syntax."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from helpers import ROOT
from mlops_dsl.asl.fn_sub import fn_sub
from mlops_dsl.compiler import compile_file

RECORDING_AWS = """#!{python}
import json, os, sys
with open(os.environ["AWS_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
"""
HOSTILE = ["train$(touch PWNED).csv", "score `touch PWNED` ;x.csv", "a'b\"c $HOME ${AWS::Region}.csv"]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_data_file_names_stay_file_names(tmp_path, name):
    project = tmp_path / "project"
    shutil.copytree(ROOT / "container", project / "container")
    (project / "data").mkdir()
    shutil.copy(ROOT / "blueprints" / "data" / "train.csv", project / "data" / name)
    shutil.copy(ROOT / "glue" / "transform.py", project / "transform.py")
    source = (ROOT / "blueprints" / "attrition.py").read_text()
    source = source.replace('"../glue/transform.py"', '"transform.py"').replace(
        '"../container"', '"container"').replace('train="data/train.csv", score="data/score.csv"',
                                                 f"train={('data/' + name)!r}, score=None")
    (project / "attrition.py").write_text(source)
    compiled = compile_file(project / "attrition.py")
    command = compiled.template["Outputs"]["UploadCommands"]["Value"]["Fn::Sub"]
    # CloudFormation replaces only our own names; the user's ${...} was escaped as ${!...}
    resolved = fn_sub(command, {"SourceRepositoryBucket": "source", "FeatureStoreBucket": "features",
                                "AWS::StackName": "demo"})
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    for program in ("aws", "python"):
        fake = bin_folder / program
        fake.write_text(RECORDING_AWS.format(python=sys.executable))
        fake.chmod(0o755)
    log = tmp_path / "calls.log"
    env = {**os.environ, "PATH": f"{bin_folder}{os.pathsep}{os.environ['PATH']}",
           "AWS_LOG": str(log)}
    result = subprocess.run(["sh", "-c", resolved], cwd=project, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert not (project / "PWNED").exists()
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    copies = [call for call in calls if call[:2] == ["s3", "cp"]]
    assert ["s3", "cp", f"data/{name}", f"s3://features/data/train/{name}"] in copies

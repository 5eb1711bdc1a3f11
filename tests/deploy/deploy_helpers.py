"""Helpers of the deploy tests: blueprint variants, moto switches, a runnable test workflow."""
from __future__ import annotations

import copy
import json
import re
import urllib.request
from pathlib import Path

from helpers import BLUEPRINTS, ROOT

SAMPLE = BLUEPRINTS / "attrition.py"


def blueprint_variant(tmp_path: Path, *, threshold: float | None = None, image_name: str | None = None,
                      prefix: str | None = None) -> Path:
    """A copy of the sample with absolute paths and some values changed."""
    text = SAMPLE.read_text()
    text = text.replace('"../', f'"{ROOT}/').replace('"data/', f'"{BLUEPRINTS}/data/')
    if threshold is not None:
        text = re.sub(r'(gate=metric\("roc_auc"\) > )[0-9.]+', rf"\g<1>{threshold}", text)
    if image_name is not None:
        text = text.replace('name="byo-xgboost"', f'name="{image_name}"')
    if prefix is not None:
        text = re.sub(r'name_prefix="[^"]+"', f'name_prefix="{prefix}"', text)
    path = tmp_path / "variant.py"
    path.write_text(text)
    return path


def enable_sfn_interpreter(server: str, enabled: bool = True) -> None:
    """Make moto's Step Functions actually execute definitions (states, choices, history).

    The switch outlives ``/moto-api/reset``: switch it off again after the test.
    """
    body = json.dumps({"stepfunctions": {"execute_state_machine": enabled}}).encode()
    request = urllib.request.Request(f"{server}/moto-api/config", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).close()


def echo_definition(definition: dict, metric_value: float) -> dict:
    """The compiled workflow with every Task replaced by a Pass state that echoes a canned result.

    moto cannot run SageMaker ``.sync`` tasks or Lambda code without Docker; the structure (state
    names, order, the gate's Choice, the Fail state) is kept, so ``run --follow`` sees the real
    flow. One result serves every task (a job name, a tuning result, a model artifact, "endpoint
    does not exist"); ``metric_value`` is the tuned metric, which decides the gate.
    """
    result = {"JobName": "attrition-job-1", "Exists": False, "Id": "run-1", "JobRunState": "SUCCEEDED",
              "ModelArtifact": "s3://models/attrition-job-1/output/model.tar.gz", "FinalMetrics": [],
              "BestTrainingJob": {"TrainingJobName": "attrition-job-1",
                                  "FinalHyperParameterTuningJobObjectiveMetric": {"Value": metric_value}}}
    echoed = copy.deepcopy(definition)
    for name, state in echoed["States"].items():
        if state["Type"] == "Succeed":
            # moto 5.2.5 cannot serialise a timestamp ($$.Execution.StartTime) in the output
            state["OutputPath"] = "$.names"
        if state["Type"] != "Task":
            continue
        replacement = {"Type": "Pass", "Result": result}
        for key in ("Next", "End", "ResultPath", "Comment"):
            if key in state:
                replacement[key] = state[key]
        echoed["States"][name] = replacement
    return echoed

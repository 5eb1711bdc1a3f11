"""The compiled workflow: every step of the seed, valid ASL, and our own structural checks."""
from __future__ import annotations

import json
import subprocess

import pytest

from helpers import ROOT, sample_blueprints
from mlops_dsl.compiler import WORKFLOW, compile_file
from mlops_dsl.model.metrics import default_regex
from mlops_dsl.asl.fn_sub import fn_sub, placeholders
from mlops_dsl.validate.workflow import check_workflow

ASL_VALIDATOR = ROOT / "tests" / "asl" / "node_modules" / ".bin" / "asl-validator"
SAMPLES = sample_blueprints()


def deployed_form(text: str) -> str:
    """What CloudFormation's Fn::Sub makes of the definition in a real account."""
    values = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012",
              "AWS::URLSuffix": "amazonaws.com"}
    for name in placeholders(text) - set(values):
        logical, _, attribute = name.partition(".")
        if attribute == "Arn" and logical.endswith("Function"):
            values[name] = f"arn:aws:lambda:us-east-1:123456789012:function:{logical}"
        elif attribute == "Arn":
            values[name] = f"arn:aws:iam::123456789012:role/{logical}"
        elif attribute == "GroupId":
            values[name] = "sg-0123456789abcdef0"
        else:
            values[name] = f"{logical.lower()}-bucket"
    return fn_sub(text, values)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_workflow_passes_the_asl_validator(path, tmp_path):
    assert ASL_VALIDATOR.exists(), "run: npm install --prefix tests/asl (the .ci/run script does)"
    definition = tmp_path / WORKFLOW
    definition.write_text(deployed_form(compile_file(path).files[WORKFLOW].decode()))
    result = subprocess.run([str(ASL_VALIDATOR), "--json-path", str(definition)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_asl_validator_rejects_a_broken_workflow(tmp_path):
    """The validator test above can fail: a dangling Next is refused."""
    definition = json.loads(deployed_form(compile_file(SAMPLES[0]).files[WORKFLOW].decode()))
    definition["States"]["Transform data"]["Next"] = "Nowhere"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(definition))
    result = subprocess.run([str(ASL_VALIDATOR), "--json-path", str(path)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0


def test_batch_workflow_has_every_seed_step():
    definition = compile_file(ROOT / "blueprints" / "attrition.py").definition
    states = definition["States"]
    assert definition["StartAt"] == "Find training data"
    order, name = [], definition["StartAt"]
    while name:
        order.append(name)
        state = states[name]
        name = state.get("Next") or (state["Choices"][0]["Next"] if state["Type"] == "Choice" else None)
    assert order == ["Find training data", "Train on the uploaded object", "Transform data",
                     "Generate job name", "Tune model",
                     "Describe best training job", "Assemble run metadata", "Log tuning metadata", "Check metric threshold",
                     "Create model", "Batch transform", "Rename batch output",
                     "Delete raw batch output", "Start output crawler", "Done"]
    assert states["Transform data"]["Resource"].endswith(":states:::glue:startJobRun.sync")
    tuning = states["Tune model"]
    assert tuning["Resource"].endswith(":states:::sagemaker:createHyperParameterTuningJob.sync")
    config = tuning["Parameters"]["HyperParameterTuningJobConfig"]
    assert config["Strategy"] == "Bayesian"
    assert config["HyperParameterTuningJobObjective"] == {"MetricName": "roc_auc", "Type": "Maximize"}
    metric = tuning["Parameters"]["TrainingJobDefinition"]["AlgorithmSpecification"]["MetricDefinitions"]
    assert metric == [{"Name": "roc_auc", "Regex": default_regex("roc_auc")}]
    assert tuning["Parameters"]["TrainingJobDefinition"]["StoppingCondition"] == {"MaxRuntimeInSeconds": 86400}
    gate = states["Check metric threshold"]
    assert gate["Choices"][0]["NumericGreaterThan"] == 0.75
    assert gate["Default"] == "Metric below threshold"
    fail = states["Metric below threshold"]
    assert fail["Type"] == "Fail" and "roc_auc > 0.75" in fail["Cause"]
    for name, state in states.items():
        if state["Type"] == "Task":
            assert state.get("Retry"), f"{name} has no Retry"
    log = states["Log tuning metadata"]["Parameters"]
    assert log["Body.$"] == "States.JsonToString($.metadata)"
    assert states["Assemble run metadata"]["ResultPath"] == "$.metadata"


def test_endpoint_workflow_creates_or_updates():
    states = compile_file(ROOT / "blueprints" / "attrition_endpoint.py").definition["States"]
    choice = states["Create or update endpoint"]
    assert choice["Choices"][0] == {"BooleanEquals": False, "Next": "Create endpoint",
                                    "Variable": "$.endpoint.Exists"}
    assert choice["Choices"][1]["Next"] == "Update endpoint"
    assert {rule["StringEquals"] for rule in choice["Choices"][1]["Or"]} == {"InService",
                                                                          "OutOfService"}
    assert choice["Default"] == "Wait for busy endpoint"
    # neither create nor update ends the run: both wait until the endpoint serves this run's model
    assert states["Update endpoint"]["Next"] == states["Create endpoint"]["Next"] == "Describe endpoint"
    assert states["Create endpoint"]["Parameters"]["EndpointName"] == "attrition-endpoint"
    assert "Batch transform" not in states
    variant = states["Create endpoint config"]["Parameters"]["ProductionVariants"][0]
    assert variant["VariantName"] == "AllTraffic" and variant["InstanceType"] == "ml.m5.large"
    assert states["Transform data"]["Parameters"]["Arguments"]["--INFERENCE_TYPE"] == "endpoint"


def _minimal():
    return {"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "B"},
        "B": {"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericGreaterThan": 1, "Next": "C"}],
              "Default": "D"},
        "C": {"Type": "Succeed"}, "D": {"Type": "Fail"}}}


def _messages(definition):
    return [str(p) for p in check_workflow(definition)]


def test_minimal_workflow_is_clean():
    assert _messages(_minimal()) == []


def test_dangling_next_is_reported():
    definition = _minimal()
    definition["States"]["A"]["Next"] = "Nowhere"
    assert _messages(definition)[0] == (
        "statemachine.asl.json#/States/A/Next: A: Next target 'Nowhere' does not exist; "
        "states are: A, B, C, D [MLD301]")


def test_unreachable_state_is_reported():
    definition = _minimal()
    definition["States"]["Orphan"] = {"Type": "Succeed"}
    assert _messages(definition) == [
        "statemachine.asl.json#/States/Orphan: Orphan: state is unreachable from StartAt 'A' [MLD302]"]


def test_bad_jsonpath_is_reported():
    definition = _minimal()
    definition["States"]["A"]["Parameters"] = {"Name.$": "$..bad["}
    assert _messages(definition) == [
        "statemachine.asl.json#/States/A/Parameters/Name.$: A: '$..bad[' is not a valid JSONPath [MLD303]"]


def test_string_in_numeric_choice_is_reported():
    definition = _minimal()
    definition["States"]["B"]["Choices"][0]["NumericGreaterThan"] = "0.7"
    assert _messages(definition) == [
        "statemachine.asl.json#/States/B/Choices/0/NumericGreaterThan: B: NumericGreaterThan compares "
        "with '0.7', which is not a number [MLD304]"]


def test_missing_start_is_reported():
    definition = _minimal()
    definition["StartAt"] = "Z"
    assert _messages(definition)[0].endswith(
        "StartAt: 'Z' is not a state; states are: A, B, C, D [MLD305]")


def test_state_without_way_out_is_reported():
    definition = _minimal()
    del definition["States"]["A"]["Next"]
    assert "statemachine.asl.json#/States/A: A: Task state has neither Next nor End [MLD306]" in _messages(definition)


def test_overlong_state_name_is_reported():
    definition = _minimal()
    name = "S" * 81
    definition["States"][name] = {"Type": "Succeed"}
    definition["States"]["C"] = {"Type": "Pass", "Next": name}
    assert f"statemachine.asl.json#/States/{name}: {name}: state name has 81 characters; the limit is 80 [MLD307]" \
        in _messages(definition)


def test_the_state_machine_role_is_the_union_of_its_tasks_grants():
    """Grants of one kind of task with the same actions join their resources; grants on the
    same resources join their actions; nothing else is merged, and order is first use."""
    from mlops_dsl.emit.iam import task_grants
    from mlops_dsl.emit.tasks import awslambda, s3, sagemaker

    tasks = [awslambda.Invoke("A", function="F1", function_name="p-a", payload={}),
             s3.PutObject("B", bucket="b", prefix="logs/", parameters={}),
             sagemaker.CreateEndpoint("C", {}, prefix="j", endpoint="E"),
             awslambda.Invoke("D", function="F2", function_name="p-d", payload={}),
             sagemaker.UpdateEndpoint("E", {}, prefix="j", endpoint="E"),
             s3.CopyObject("F", bucket="b", source_prefix="raw/", target_prefix="out/",
                           parameters={}),
             s3.DeleteObject("G", bucket="b", prefix="raw/", parameters={})]
    grants = task_grants(tasks)
    shown = [(g.actions, tuple(r.rsplit(":", 1)[-1] for r in g.resources)) for g in grants]
    assert shown == [
        (("lambda:InvokeFunction",), ("p-a", "p-d")),
        (("s3:PutObject",), ("b/logs/*",)),
        (("sagemaker:AddTags", "sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint"),
         ("endpoint/e", "endpoint-config/j*")),
        (("s3:DeleteObject", "s3:GetObject"), ("b/raw/*",)),
        (("s3:PutObject",), ("b/out/*",)),  # a put of another task is not merged into B's
    ]

"""End-to-end local runs of the sample blueprint: success, each way to fail, the endpoint."""
from __future__ import annotations

import argparse
import json

import pytest
from local_helpers import BLUEPRINTS, ROOT, csv_rows, run, sample, small

from helpers import data_rows
from mlops_dsl import GlueTransform, metric
from mlops_dsl.compiler import compile_blueprint
from mlops_dsl.local import run_local
from mlops_dsl.local.summary import render

SCORED_ROWS = len(data_rows("score"))  # one prediction per employee of the scoring data


def test_the_sample_runs_end_to_end_through_run_local(tmp_path, capsys):
    module = tmp_path / "two_jobs.py"
    module.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(BLUEPRINTS)!r})\n"
        "from attrition import attrition\n"
        "two_jobs = attrition.with_(name='two_jobs', "
        "tuning=attrition.tuning.with_(max_jobs=2, max_parallel_jobs=2))\n")
    args = argparse.Namespace(blueprint=str(module), name=None, local_image=None, no_serve=True,
                              workspace=str(tmp_path / "runs"), follow=False)
    assert run_local(args) == 0
    out = capsys.readouterr().out
    (run_dir,) = (tmp_path / "runs").iterdir()
    record = json.loads((run_dir / "run.json").read_text())
    assert record["status"] == "SUCCEEDED"

    # the best job is the best of the two, by the objective the log reported
    jobs = sorted((run_dir / "work" / "tuning").glob("*/jobs/*"))
    assert len(jobs) == 2
    scores = {}
    for job in jobs:
        log = (job / "output" / "training.log").read_text()
        scores[job.name] = float(log.split("roc_auc: ")[1].split()[0])
    best = max(scores, key=scores.get)
    assert record["best_training_job"] == best
    assert record["best_metrics"] == {"roc_auc": scores[best]}
    assert f"Best training job: {best}" in out
    assert (run_dir / "model-store" / "models" / best / "output" / "model.tar.gz").is_file()

    # the gate passed and said so
    assert record["gate_decision"].startswith("Check metric threshold: roc_auc ")
    assert "passed -> Create model" in record["gate_decision"]
    assert f"gate {sample().gate.describe()}: best roc_auc {scores[best]:g} passes" in out

    # the batch output, renamed like the cloud run, one row per scored employee
    (predictions,) = (run_dir / "output" / "predictions").glob("*/out.csv")
    rows = csv_rows(predictions)
    assert len(rows) == SCORED_ROWS
    assert {"EmployeeNumber", "probability"} <= set(rows[0])
    assert all(0.0 <= float(row["probability"]) <= 1.0 for row in rows)
    assert not list((run_dir / "output").glob("transform/*/score.csv.out"))  # deleted
    assert f"predictions: {predictions}  ({SCORED_ROWS} rows)" in out
    metadata = json.loads(next((run_dir / "metadata").rglob("*.json")).read_text())
    assert metadata["Tuning"]["BestTrainingJob"]["TrainingJobName"] == best

    # live progress: each state, each training job with its hyperparameters and metric
    for line in ("> Transform data", "> Tune model", "training job 1/2 ", " max_depth=",
                 "training job 2/2: roc_auc ", "> Check metric threshold", "> Batch transform",
                 "> Start output crawler", "execution succeeded", "Run succeeded in "):
        assert line in out, line


def test_a_gate_no_model_can_pass_ends_in_the_fail_state_with_its_message(tmp_path, progress):
    blueprint = small(sample()).with_(gate=metric("roc_auc") > 0.999)
    result = run(blueprint, tmp_path, progress)
    assert result.status == "FAILED"
    assert result.failed_state == "Metric below threshold"
    assert result.error == "MetricBelowThreshold"
    assert "did not pass the deployment gate roc_auc > 0.999" in result.cause
    text = render(result)
    assert "Run failed at state 'Metric below threshold'" in text
    assert "error: MetricBelowThreshold" in text
    assert "gate roc_auc > 0.999: best roc_auc 0." in text and "does not pass" in text
    assert "? failed -> Metric below threshold" in progress.stream.getvalue()
    assert not (result.run_dir / "output" / "predictions").exists()


def test_a_broken_glue_script_fails_the_transform_state(tmp_path, progress):
    script = tmp_path / "broken.py"
    script.write_text("import sys\nprint('transform: error: column Age is missing', "
                      "file=sys.stderr)\nsys.exit(1)\n")
    blueprint = small(sample()).with_(transform=GlueTransform(script=str(script), wheels=()))
    result = run(blueprint, tmp_path / "runs", progress)
    assert (result.status, result.failed_state) == ("FAILED", "Transform data")
    assert result.error == "States.TaskFailed"
    cause = json.loads(result.cause)
    assert cause["JobRunState"] == "FAILED"
    assert cause["ErrorMessage"] == "transform: error: column Age is missing"
    assert "cause: transform: error: column Age is missing" in render(result)
    assert "> Generate job name" not in progress.stream.getvalue()


def test_a_failing_training_job_fails_the_tuning_state(tmp_path, progress):
    blueprint = small(sample(), static_hyperparameters={"kfold_splits": "1"})
    result = run(blueprint, tmp_path, progress)
    assert (result.status, result.failed_state) == ("FAILED", "Tune model")
    assert result.error == "States.TaskFailed"
    cause = json.loads(result.cause)
    assert cause["HyperParameterTuningJobStatus"] == "Failed"
    assert cause["TrainingJobStatusCounters"]["NonRetryableError"] == 1
    assert "kfold_splits" in cause["FailureReason"]
    assert "AlgorithmError: " in cause["FailureReason"]
    assert "training job 1/1: failed: AlgorithmError: " in progress.stream.getvalue()


def test_the_endpoint_answers_ping_and_a_csv_request(tmp_path, progress):
    blueprint = small(sample("attrition_endpoint"))
    result = run(blueprint, tmp_path, progress)
    try:
        assert result.status == "SUCCEEDED", result.cause
        (server,) = result.sagemaker.endpoints.values()
        assert server.url.startswith("http://127.0.0.1:")
        assert server.request("GET", "/ping")[0] == 200
        extract = (result.run_dir / "extracts" / "train" / "train.csv").read_text().splitlines()
        header, row = extract[0].split(","), extract[1].split(",")
        del header[1], row[1]  # the label
        status, body = server.request("POST", "/invocations",
                                      f"{','.join(header)}\n{','.join(row)}\n".encode(),
                                      "text/csv")
        assert status == 200
        (answer,) = csv_rows_from(body)
        assert answer["EmployeeNumber"] == row[0]
        assert 0.0 <= float(answer["probability"]) <= 1.0
        assert f"endpoint attrition-endpoint serving at {server.url}" in progress.stream.getvalue()
        assert f"Endpoint attrition-endpoint: {server.url}" in render(result)
    finally:
        if result.sagemaker:
            result.sagemaker.stop_endpoints()


def csv_rows_from(body: bytes) -> list[dict]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(body.decode())))


@pytest.mark.parametrize("module", ["attrition_builtin"])
def test_a_builtin_image_is_refused_before_anything_runs(tmp_path, module):
    from mlops_dsl.errors import BlueprintError

    args = argparse.Namespace(blueprint=str(BLUEPRINTS / f"{module}.py"), name=None,
                              local_image=None, no_serve=True, workspace=str(tmp_path),
                              follow=False)
    with pytest.raises(BlueprintError, match=r"cannot run locally.*--local-image DIR"):
        run_local(args)
    assert not any(tmp_path.iterdir())
    assert (ROOT / "container" / "xgboost" / "train").is_file()


@pytest.mark.parametrize("region", ["eu-west-1", "ap-southeast-2"])
def test_a_run_outside_us_east_1_creates_its_stores_in_that_region(tmp_path, progress, region):
    """S3 refuses CreateBucket outside us-east-1 without a LocationConstraint; a local run in
    the docs' own eu-west-1 used to stop there."""
    from mlops_dsl import Environment

    blueprint = small(sample()).with_(environment=Environment(region=region))
    result = run(blueprint, tmp_path, progress)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert (result.run_dir / "output" / "predictions").is_dir()


def test_a_task_the_runner_cannot_run_is_refused_before_anything_runs(tmp_path, progress):
    import copy
    import dataclasses

    from mlops_dsl.errors import BlueprintError
    from mlops_dsl.local.runner import RunOptions, run_pipeline

    compiled = compile_blueprint(small(sample()))
    definition = copy.deepcopy(compiled.definition)
    definition["States"]["Describe best training job"]["Resource"] = \
        "arn:${AWS::Partition}:states:::aws-sdk:sagemaker:deleteEndpoint"
    odd = dataclasses.replace(compiled, workflow=dataclasses.replace(compiled.workflow,
                                                                     definition=definition))
    with pytest.raises(BlueprintError) as raised:
        run_pipeline(odd, RunOptions(workspace=tmp_path / "runs"), progress)
    [problem] = raised.value.problems
    assert problem.code == "MLD504" and problem.field == "Describe best training job"
    assert "'aws-sdk:sagemaker:deleteEndpoint'" in problem.message
    assert not (tmp_path / "runs").exists()
    assert progress.stream.getvalue() == ""


def test_a_trailing_hyphen_prefix_runs_locally(tmp_path, progress):
    result = run(small(sample()).with_(name_prefix="attrition-"), tmp_path, progress)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.stores["extracts"] == "attrition-extracts"

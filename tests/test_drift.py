"""The data-drift check (issue 14): the PSI of glue/drift.py against hand-checkable cases, its
edge cases, and what ``drift_check`` compiles to (fail and warn)."""
from __future__ import annotations

import importlib.util
import json
import math

import pandas as pd
import pytest

from helpers import ROOT, sample
from mlops_dsl import DriftCheck
from mlops_dsl.compiler import compile_blueprint
from test_production import _lint

SMOOTH = 1e-4  # an empty bin's share (glue/drift.py's SMOOTHING)


def _load_drift():
    spec = importlib.util.spec_from_file_location("drift_script", ROOT / "glue" / "drift.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


drift = _load_drift()


def psi_by_hand(expected: list[float], actual: list[float]) -> float:
    """sum((a - e) ln(a / e)) over bins, shares given (0 stands for an empty bin)."""
    total = 0.0
    for e, a in zip(expected, actual):
        e, a = max(e, SMOOTH), max(a, SMOOTH)
        total += (a - e) * math.log(a / e)
    return total


def column(values) -> pd.Series:
    return pd.Series([str(v) for v in values], dtype=object)


def test_the_same_distribution_does_not_drift():
    values = column(list(range(100)))
    assert drift.psi(values, values) == pytest.approx(0.0, abs=1e-12)


def test_a_categorical_shift():
    train = column(["a"] * 50 + ["b"] * 50)
    score = column(["a"] * 90 + ["b"] * 10)
    assert drift.psi(train, score) == pytest.approx(psi_by_hand([0.5, 0.5], [0.9, 0.1]))


def test_a_category_new_in_the_scoring_data_is_its_own_bin():
    train = column(["a"] * 50 + ["b"] * 50)
    score = column(["a"] * 50 + ["c"] * 50)
    assert drift.psi(train, score) == pytest.approx(
        psi_by_hand([0.5, 0.5, 0.0], [0.5, 0.0, 0.5]))  # levels a, b, c


def test_numeric_values_fall_in_ten_quantile_bins_of_the_training_data():
    train = column(range(100))  # ten values per decile bin
    score = column([95, 96, 97, 98, 99] * 4)  # all in the top bin
    assert drift.psi(train, score) == pytest.approx(psi_by_hand([0.1] * 10, [0.0] * 9 + [1.0]))


def test_missing_values_are_one_more_bin_and_keep_a_column_numeric():
    # two values, so two bins (edges 1, 1.5, 2) and the missing bin
    train = column([1, 2] * 45 + [""] * 10)
    score = column([1, 2] * 25 + [""] * 50)
    assert drift.psi(train, score) == pytest.approx(
        psi_by_hand([0.45, 0.45, 0.10], [0.25, 0.25, 0.50]))


def test_a_column_with_no_value_at_all_does_not_drift():
    empty = column([""] * 20)
    assert drift.psi(empty, empty) == 0.0


def test_the_row_id_the_label_and_text_identifiers_are_left_out():
    train = pd.DataFrame({"Id": [str(i) for i in range(10)], "Label": ["0", "1"] * 5,
                          "Name": [f"n{i}" for i in range(10)],
                          "Income": [str(1000 + 7 * i) for i in range(10)],
                          "Dept": ["x", "y"] * 5})
    score = train.drop(columns=["Label"]).assign(Id=[str(100 + i) for i in range(10)],
                                                 Name=[f"m{i}" for i in range(10)])
    result = drift.report(train, score, 0.25)
    assert set(result["left_out"]) == {"Id", "Label", "Name"}
    # a numeric column whose values are all distinct is a feature, not an identifier
    assert set(result["features"]) == {"Income", "Dept"}
    assert result["max_psi"] == pytest.approx(0.0, abs=1e-9) and result["drifted"] == []


def test_the_report_names_the_features_above_the_bound_highest_first():
    train = pd.DataFrame({"Id": [str(i) for i in range(100)], "A": ["a", "b"] * 50,
                          "B": ["a", "b"] * 50, "C": ["a", "b"] * 50})
    score = pd.DataFrame({"Id": [str(i) for i in range(100)], "A": ["a"] * 90 + ["b"] * 10,
                          "B": ["a"] * 60 + ["b"] * 40, "C": ["a"] * 99 + ["b"]})
    result = drift.report(train, score, 0.25)
    expected = {"A": psi_by_hand([0.5, 0.5], [0.9, 0.1]), "B": psi_by_hand([0.5, 0.5], [0.6, 0.4]),
                "C": psi_by_hand([0.5, 0.5], [0.99, 0.01])}
    assert result["features"] == pytest.approx(expected, abs=1e-6)
    assert result["drifted"] == [c for c in sorted(expected, key=expected.get, reverse=True)
                                 if expected[c] > 0.25] == ["C", "A"]
    assert result["drifted_features"] == "C, A"
    assert result["max_psi"] == pytest.approx(expected["C"], abs=1e-6)


@pytest.mark.parametrize("score_text, message", [
    ("Id,A\n", "has a header but no rows"),
    ("", "is empty (no header row)"),
])
def test_an_empty_extract_is_one_error_line(tmp_path, capsys, score_text, message):
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "train.csv").write_text("Id,A\n1,a\n2,b\n")
    (tmp_path / "score").mkdir()
    (tmp_path / "score" / "score.csv").write_text(score_text)
    status = drift.main(["drift.py", "--EXTRACTS", str(tmp_path), "--TRAIN_KEY", "train/",
                         "--SCORE_KEY", "score/score.csv", "--REPORT", str(tmp_path / "meta"),
                         "--REPORT_KEY", "drift/r.json", "--MAX_PSI", "0.25",
                         "--METRIC_NAMESPACE", "ns", "--PIPELINE", "p"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 1 and len(err) == 1
    assert err[0].startswith("drift: error: ") and message in err[0]
    assert not (tmp_path / "meta").exists()


def test_missing_arguments_and_a_bad_bound_are_refused(capsys):
    assert drift.main(["drift.py", "--EXTRACTS", "/x"]) == 1
    assert "missing argument(s): --TRAIN_KEY" in capsys.readouterr().err
    with pytest.raises(drift.DriftError, match="must be above 0"):
        drift.threshold("0")


# ---------------------------------------------------------------------------------------------
# What drift_check compiles to

def compiled_with(on_drift: str, max_psi: float = 0.2):
    return compile_blueprint(sample().with_(drift_check=DriftCheck(max_psi=max_psi,
                                                                   on_drift=on_drift)))


@pytest.mark.parametrize("on_drift", ["fail", "warn"])
def test_the_check_runs_after_the_transform_and_before_training(on_drift, tmp_path):
    compiled = compiled_with(on_drift, max_psi=0.2)
    states = compiled.definition["States"]
    names = compiled.pipeline.names
    assert states["Generate job name"]["Next"] == "Check data drift"
    check = states["Check data drift"]
    assert check["Resource"].endswith(":::glue:startJobRun.sync")
    assert check["Parameters"]["JobName"] == names.drift_job
    arguments = check["Parameters"]["Arguments"]
    assert arguments["--MAX_PSI"] == "0.2"
    assert arguments["--REPORT_KEY.$"] == "States.Format('drift/{}.json', $.names.JobName)"
    assert check["Next"] == "Read drift report"
    read = states["Read drift report"]
    assert read["Resource"].endswith(":::aws-sdk:s3:getObject")
    assert read["Parameters"]["Key.$"] == arguments["--REPORT_KEY.$"]
    assert read["Parameters"]["Bucket"] == arguments["--REPORT"] == "${MetadataBucket}"
    assert read["ResultSelector"] == {"Report.$": "States.StringToJson($.Body)"}
    choice = states[read["Next"]]
    (rule,) = choice["Choices"]
    assert rule == {"Variable": "$.drift.Report.max_psi", "NumericGreaterThan": 0.2,
                    "Next": rule["Next"]}
    assert choice["Default"] == "Tune model"
    target = states[rule["Next"]]
    if on_drift == "fail":
        assert target["Type"] == "Fail" and target["Error"] == "DataDrifted"
        assert "$.drift.Report.drifted_features" in target["CausePath"]
    else:
        assert target["Type"] == "Pass" and target["Next"] == "Tune model"
        assert target["ResultPath"] == "$.drift.Warning"
        assert "$.drift.Report.drifted_features" in target["Parameters"]["Message.$"]
    # the run's metadata keeps the report (and the warning)
    assert states["Assemble run metadata"]["Parameters"]["Drift.$"] == "$.drift"
    _lint(tmp_path, compiled)


def test_the_job_runs_the_shipped_script_uploaded_as_an_asset():
    compiled = compiled_with("fail")
    job = compiled.template["Resources"]["DriftCheckJob"]["Properties"]
    asset = compiled.pipeline.drift.script
    assert job["Name"] == compiled.pipeline.names.drift_job
    assert job["Command"]["Name"] == "pythonshell"
    assert job["Command"]["ScriptLocation"] == {
        "Fn::Sub": "s3://${SourceRepositoryBucket}/" + asset.key}
    assert compiled.files[asset.key] == (ROOT / "glue" / "drift.py").read_bytes()
    assert asset in compiled.pipeline.assets
    upload = compiled.template["Outputs"]["UploadCommands"]["Value"]["Fn::Sub"]
    assert f"shipped_dir(\"glue\") / \"drift.py\"" in upload and asset.key in upload
    assert job["Role"] == {"Fn::GetAtt": ["DriftCheckRole", "Arn"]}


def test_the_metric_grant_is_held_to_the_namespace_the_job_is_given():
    compiled = compiled_with("warn")
    namespace = compiled.definition["States"]["Check data drift"]["Parameters"]["Arguments"][
        "--METRIC_NAMESPACE"]
    statements = compiled.template["Resources"]["DriftCheckRole"]["Properties"]["Policies"][0][
        "PolicyDocument"]["Statement"]
    (metric,) = [s for s in statements if s["Action"] == "cloudwatch:PutMetricData"]
    assert metric["Resource"] == "*"
    assert metric["Condition"] == {"StringEquals": {"cloudwatch:namespace": namespace}}
    # the transform job's role gains nothing
    glue = json.dumps(compiled.template["Resources"]["GlueRole"])
    assert glue == json.dumps(compile_blueprint(sample()).template["Resources"]["GlueRole"])


def test_without_drift_check_nothing_of_it_is_emitted():
    compiled = compile_blueprint(sample())
    assert not {"Check data drift", "Read drift report"} & set(compiled.definition["States"])
    assert "DriftCheckJob" not in compiled.template["Resources"]
    assert not any(key.endswith("/drift.py") for key in compiled.files)


def test_the_upload_command_finds_the_shipped_script_from_any_folder(tmp_path):
    """The UploadCommands line copies the installed package's glue/drift.py, wherever the user
    runs it (a fake ``aws`` records the call; ``python`` is this environment's)."""
    import os
    import subprocess
    import sys

    from mlops_dsl.asl.fn_sub import fn_sub
    from mlops_dsl.scaffold.shipped import shipped_dir

    compiled = compiled_with("warn")
    command = compiled.template["Outputs"]["UploadCommands"]["Value"]["Fn::Sub"]
    resolved = fn_sub(command, {"SourceRepositoryBucket": "source", "FeatureStoreBucket": "fs",
                                "AWS::StackName": "demo"})
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    (bin_folder / "aws").write_text(f"#!{sys.executable}\nimport json, os, sys\n"
                                    "open(os.environ['AWS_LOG'], 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n")
    (bin_folder / "aws").chmod(0o755)
    (bin_folder / "python").write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    (bin_folder / "python").chmod(0o755)
    log = tmp_path / "calls.log"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    first = resolved.split(" && ")[1]  # the transform script's copy comes first
    result = subprocess.run(["sh", "-c", first], cwd=elsewhere, capture_output=True, text=True,
                            timeout=60, env={**os.environ, "AWS_LOG": str(log),
                                             "PATH": f"{bin_folder}{os.pathsep}{os.environ['PATH']}"})
    assert result.returncode == 0, result.stderr
    (call,) = [json.loads(line) for line in log.read_text().splitlines()]
    asset = compiled.pipeline.drift.script
    assert call == ["s3", "cp", str(shipped_dir("glue") / "drift.py"), f"s3://source/{asset.key}"]


def test_a_drift_check_is_refused_with_an_endpoint_and_a_clashing_job_name():
    from mlops_dsl.errors import BlueprintError

    with pytest.raises(BlueprintError) as raised:
        compile_blueprint(sample("attrition_endpoint").with_(drift_check=DriftCheck()))
    [problem] = raised.value.problems
    assert (problem.code, problem.field) == ("MLD162", "Blueprint.drift_check")
    assert "an endpoint has no scoring data" in problem.message
    assert problem.location.file.endswith("test_drift.py")

    base = sample()
    clash = base.with_(transform=base.transform.with_(job_name="drift-check"),
                       drift_check=DriftCheck())
    with pytest.raises(BlueprintError) as raised:
        compile_blueprint(clash)
    [problem] = raised.value.problems
    assert (problem.code, problem.field) == ("MLD163", "GlueTransform.job_name")
    assert "names the drift check's Glue job (attrition-drift-check)" in problem.message
    # without a drift check the name is free
    assert compile_blueprint(clash.with_(drift_check=None)).pipeline.names.glue_job == \
        "attrition-drift-check"

"""glue/transform.py on the shared sample: local folders, S3 through moto, and error cases."""
from __future__ import annotations

import io

import boto3
import pandas as pd
import pytest

from helpers import data_rows
from runtime_helpers import SAMPLE, TRANSFORM, load, run, sample_source, transform_args

transform = load(TRANSFORM, "glue_transform")
FEATURES = transform.feature_columns()


def read(path) -> pd.DataFrame:
    return pd.read_csv(path)


def test_feature_columns_are_fixed():
    assert len(FEATURES) == len(set(FEATURES)) == 48
    assert "RatioYearsPerCompany" in FEATURES
    assert "Department_Research_Development" in FEATURES
    for dropped in ("EmployeeCount", "StandardHours", "Over18", "Department", "JobRole"):
        assert dropped not in FEATURES


@pytest.mark.slow
def test_sample_train_and_score(extracts):
    train = read(extracts / "train" / "train.csv")
    score = read(extracts / "score" / "score.csv")
    raw_train = data_rows("train")
    assert len(train) == len(raw_train) and len(score) == len(data_rows("score"))
    assert list(train.columns) == ["EmployeeNumber", "Attrition", *FEATURES]
    assert list(score.columns) == ["EmployeeNumber", *FEATURES]
    assert train["Attrition"].sum() == sum(row["Attrition"] == "Yes" for row in raw_train)
    assert set(train["Attrition"]) == {0, 1}
    for frame in (train, score):
        # pandas 3 reads text as the `str` dtype, not object: check for numbers directly
        text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
        assert text == []
        assert not frame.isna().any().any()
        assert frame["EmployeeNumber"].is_unique
    one_hot = [c for c in FEATURES if c.startswith(("Department_", "EducationField_",
                                                     "JobRole_", "MaritalStatus_"))]
    assert (train[one_hot].sum(axis=1) == 4).all()


@pytest.mark.slow
def test_small_score_batch_gives_the_training_columns(tmp_path, extracts):
    source = sample_source(tmp_path / "source", score_rows=5)
    result = run(transform_args(source, tmp_path / "dest"))
    assert result.returncode == 0, result.stderr
    score = read(tmp_path / "dest" / "score" / "score.csv")
    assert len(score) == 5
    assert list(score.columns) == list(read(extracts / "score" / "score.csv").columns)


def test_encodings_of_known_rows(extracts):
    raw = pd.read_csv(SAMPLE / "train.csv", encoding="utf-8-sig")
    out = read(extracts / "train" / "train.csv").set_index("EmployeeNumber")
    first = raw.iloc[0]  # 41, Yes, Travel_Rarely, Sales, Female, Single, Sales Executive, OverTime
    row = out.loc[first["EmployeeNumber"]]
    assert row["Attrition"] == 1 and row["BusinessTravel"] == 1
    assert row["Male"] == 0 and row["OverTime"] == 1
    assert row["Department_Sales"] == 1 and row["Department_Research_Development"] == 0
    assert row["JobRole_Sales_Executive"] == 1 and row["MaritalStatus_Single"] == 1
    assert row["RatioYearsPerCompany"] == pytest.approx(8 / 8)
    zero = raw[raw["NumCompaniesWorked"] == 0].iloc[0]  # guarded division
    assert out.loc[zero["EmployeeNumber"], "RatioYearsPerCompany"] == zero["TotalWorkingYears"]


def test_engineer_works_on_text_columns_under_copy_on_write():
    frame = pd.read_csv(SAMPLE / "score.csv", dtype=str, keep_default_na=False).head(3)
    before = frame.copy()
    result = transform.engineer(frame, "score.csv", with_label=False)
    assert all(pd.api.types.is_numeric_dtype(result[c]) for c in result.columns)
    pd.testing.assert_frame_equal(frame, before)  # the input is not modified


@pytest.mark.slow
def test_endpoint_inference_writes_no_score_output(tmp_path):
    source = sample_source(tmp_path / "source")
    result = run(transform_args(source, tmp_path / "dest", kind="endpoint"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "dest" / "train" / "train.csv").is_file()
    assert not (tmp_path / "dest" / "score").exists()


@pytest.mark.slow
def test_glue_arguments_are_tolerated_and_errors_exit_non_zero(tmp_path):
    source = sample_source(tmp_path / "source")
    glue = ["--JOB_ID", "j_0123", "--JOB_RUN_ID", "jr_4567", "--job-bookmark-option",
            "job-bookmark-disable", "--extra-py-files", "s3://source/pandasmodule.whl"]
    args = transform_args(source, tmp_path / "dest", kind="endpoint")
    result = run(args[:1] + glue + args[1:])
    assert result.returncode == 0, result.stderr
    (source / "data" / "train" / "train.csv").unlink()
    result = run(args)
    assert result.returncode == 1
    assert f"input {source}/data/train/train.csv does not exist" in result.stderr


def _main(capsys, args) -> str:
    assert transform.main(["transform.py", *args[1:]]) == 1
    return capsys.readouterr().err


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8-sig")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("edit, message", [
    (("Sales Executive", "Astronaut"),
     "train.csv: column JobRole: unknown value(s) 'Astronaut' (row 1); known: Healthcare"),
    (("Travel_Rarely", "Travel_Sometimes"), "column BusinessTravel: unknown value(s) "
                                            "'Travel_Sometimes' (row 1)"),
    ((",Yes,", ",Maybe,"), "column Attrition: unknown value(s) 'Maybe' (row 1); known: No, Yes"),
    (("41,Yes,Travel_Rarely,1102", "41,Yes,Travel_Rarely,lots"),
     "column DailyRate: 'lots' is not a number (row 1)"),
    ((",MonthlyIncome,", ",Income,"), "train.csv: missing column(s): MonthlyIncome"),
])
def test_data_errors_name_the_problem(tmp_path, capsys, edit, message):
    source = sample_source(tmp_path / "source", score_rows=5)
    _edit(source / "data" / "train" / "train.csv", *edit)
    assert message in _main(capsys, transform_args(source, tmp_path / "dest"))
    assert not (tmp_path / "dest").exists()  # nothing written when an input is bad


def test_score_errors_name_the_file(tmp_path, capsys):
    source = sample_source(tmp_path / "source", score_rows=5)
    _edit(source / "data" / "score" / "score.csv", "Single", "Complicated")
    err = _main(capsys, transform_args(source, tmp_path / "dest"))
    assert "score/score.csv: column MaritalStatus: unknown value(s) 'Complicated'" in err


@pytest.mark.parametrize("change, message", [
    (lambda a: [x for x in a if x != "--INFERENCE_TYPE" and x != "batch"] + ["--INFERENCE_TYPE",
                                                                              "stream"],
     "--INFERENCE_TYPE 'stream' must be one of batch, endpoint"),
    (lambda a: a[:1] + a[3:], "missing argument(s): --S3_SOURCE"),
    (lambda a: [x for x in a if x not in ("--SCORE_KEY", "data/score/score.csv")],
     "--SCORE_KEY is required when --INFERENCE_TYPE is batch"),
    (lambda a: [x.replace("data/score/score.csv", "data/score/missing.csv") for x in a],
     "data/score/missing.csv does not exist"),
])
def test_argument_errors(tmp_path, capsys, change, message):
    source = sample_source(tmp_path / "source", score_rows=5)
    args = change(transform_args(source, tmp_path / "dest"))
    assert message in _main(capsys, args)


def test_empty_and_header_only_inputs(tmp_path, capsys):
    source = sample_source(tmp_path / "source", score_rows=0)
    args = transform_args(source, tmp_path / "dest")
    assert "score/score.csv has a header but no rows" in _main(capsys, args)
    (source / "data" / "score" / "score.csv").write_text("")
    assert "score/score.csv is empty" in _main(capsys, args)


def test_through_s3(moto_server, capsys):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="feature-store")
    s3.create_bucket(Bucket="extracts")
    for key, name in (("data/train/train.csv", "train.csv"), ("data/score/score.csv", "score.csv")):
        body = (SAMPLE / name).read_bytes()
        if name == "score.csv":
            body = b"\n".join(body.splitlines()[:11]) + b"\n"
        s3.put_object(Bucket="feature-store", Key=key, Body=body)
    args = transform_args("feature-store", "extracts")
    assert transform.main(["transform.py", *args[1:]]) == 0
    train = pd.read_csv(io.BytesIO(
        s3.get_object(Bucket="extracts", Key="train/train.csv")["Body"].read()))
    score = pd.read_csv(io.BytesIO(
        s3.get_object(Bucket="extracts", Key="score/score.csv")["Body"].read()))
    # every training row with its id, label and features; the ten scoring rows sent, without label
    assert train.shape == (len(data_rows("train")), 2 + len(FEATURES))
    assert score.shape == (10, 1 + len(FEATURES))
    assert list(train.columns)[0] == "EmployeeNumber"  # the byte-order mark is gone
    s3.delete_object(Bucket="feature-store", Key="data/score/score.csv")
    assert "input s3://feature-store/data/score/score.csv does not exist" in _main(capsys, args)
    missing = transform_args("no-such-bucket", "extracts")
    assert "input bucket no-such-bucket does not exist" in _main(capsys, missing)


@pytest.mark.parametrize("kind, expected", [
    ("batch", ["S3_SOURCE", "S3_DEST", "TRAIN_KEY", "SCORE_KEY", "INFERENCE_TYPE"]),
    ("endpoint", ["S3_SOURCE", "S3_DEST", "TRAIN_KEY", "INFERENCE_TYPE"]),
])
def test_awsglue_parser_is_used_when_present(monkeypatch, kind, expected):
    import sys
    import types

    calls = []

    def get_resolved_options(argv, options):  # the shape of awsglue.utils.getResolvedOptions
        calls.append(list(options))
        return {name: argv[argv.index(f"--{name}") + 1] for name in options}

    utils = types.ModuleType("awsglue.utils")
    utils.getResolvedOptions = get_resolved_options
    monkeypatch.setitem(sys.modules, "awsglue", types.ModuleType("awsglue"))
    monkeypatch.setitem(sys.modules, "awsglue.utils", utils)
    argv = ["transform.py", "--JOB_ID", "j_1", *transform_args("src", "dest", kind)[1:]]
    args = transform.parse_arguments(argv)
    assert calls == [expected]
    assert args["S3_SOURCE"] == "src" and args["INFERENCE_TYPE"] == kind
    assert args["SCORE_KEY"] == ("data/score/score.csv" if kind == "batch" else None)

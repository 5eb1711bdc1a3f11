"""Glue job (Python shell): feature engineering of the employee attrition sample.

Arguments (as the compiled workflow passes them; Glue adds its own, which are ignored):
  --S3_SOURCE       feature store bucket name, or an absolute local folder (starts with "/")
  --S3_DEST         extracts bucket name, or an absolute local folder
  --TRAIN_KEY       key of the training CSV in the source, e.g. data/train/train.csv
  --SCORE_KEY       key of the scoring CSV in the source (batch inference only)
  --INFERENCE_TYPE  "batch" or "endpoint"; with "endpoint" no scoring data is processed

Outputs (keys in the destination):
  train/train.csv   EmployeeNumber, Attrition (0/1), then the features
  score/score.csv   EmployeeNumber, then the same features in the same order (batch only)

Category levels are fixed below, so any batch of scoring data, even a single row, gives exactly the
training columns. Any error (missing object, missing column, unknown value) ends the job with a
message naming it and a non-zero exit status.
"""
from __future__ import annotations

import argparse
import io
import os
import re
import sys

import numpy as np
import pandas as pd

ROW_ID = "EmployeeNumber"
LABEL = "Attrition"
LABEL_LEVELS = {"No": 0, "Yes": 1}
DROPPED = ("EmployeeCount", "StandardHours", "Over18")  # constant in the data: no information
NUMERIC = (
    "Age", "DailyRate", "DistanceFromHome", "Education", "EnvironmentSatisfaction", "HourlyRate",
    "JobInvolvement", "JobLevel", "JobSatisfaction", "MonthlyIncome", "MonthlyRate",
    "NumCompaniesWorked", "PercentSalaryHike", "PerformanceRating", "RelationshipSatisfaction",
    "StockOptionLevel", "TotalWorkingYears", "TrainingTimesLastYear", "WorkLifeBalance",
    "YearsAtCompany", "YearsInCurrentRole", "YearsSinceLastPromotion", "YearsWithCurrManager",
)
# column -> (output column, {value: code})
ORDINAL = {
    "BusinessTravel": ("BusinessTravel",
                       {"Non-Travel": 0, "Travel_Rarely": 1, "Travel_Frequently": 2}),
    "Gender": ("Male", {"Female": 0, "Male": 1}),
    "OverTime": ("OverTime", {"No": 0, "Yes": 1}),
}
# column -> fixed levels, in output order (one 0/1 column per level)
ONE_HOT = {
    "Department": ("Human Resources", "Research & Development", "Sales"),
    "EducationField": ("Human Resources", "Life Sciences", "Marketing", "Medical", "Other",
                       "Technical Degree"),
    "JobRole": ("Healthcare Representative", "Human Resources", "Laboratory Technician", "Manager",
                "Manufacturing Director", "Research Director", "Research Scientist",
                "Sales Executive", "Sales Representative"),
    "MaritalStatus": ("Divorced", "Married", "Single"),
}
ARGUMENTS = ("S3_SOURCE", "S3_DEST", "TRAIN_KEY", "SCORE_KEY", "INFERENCE_TYPE")
INFERENCE_TYPES = ("batch", "endpoint")
TRAIN_OUT = "train/train.csv"
SCORE_OUT = "score/score.csv"


class TransformError(Exception):
    """A problem with the arguments or the data; the message says which."""


def one_hot_name(column: str, level: str) -> str:
    return f"{column}_{re.sub(r'[^0-9A-Za-z]+', '_', level).strip('_')}"


def feature_columns() -> list[str]:
    """The feature columns, in output order; the same for every input."""
    columns = list(NUMERIC)
    columns += [out for out, _ in ORDINAL.values()]
    columns.append("RatioYearsPerCompany")
    for column, levels in ONE_HOT.items():
        columns += [one_hot_name(column, level) for level in levels]
    return columns


# ---------------------------------------------------------------------------------------------
# arguments

def parse_arguments(argv: list[str]) -> dict[str, str | None]:
    """Resolve the job arguments with awsglue when it is installed, else with argparse."""
    present = [name for name in ARGUMENTS
               if any(a == f"--{name}" or a.startswith(f"--{name}=") for a in argv[1:])]
    try:
        from awsglue.utils import getResolvedOptions
    except ImportError:
        getResolvedOptions = None
    if getResolvedOptions is not None:
        required = [name for name in ARGUMENTS if name != "SCORE_KEY" or name in present]
        resolved = getResolvedOptions(argv, required)
    else:
        parser = argparse.ArgumentParser(prog="transform.py", allow_abbrev=False)
        for name in ARGUMENTS:
            parser.add_argument(f"--{name}")
        known, _unknown = parser.parse_known_args(argv[1:])  # Glue adds --JOB_ID and friends
        resolved = vars(known)
    args = {name: resolved.get(name) for name in ARGUMENTS}
    missing = [f"--{name}" for name in ARGUMENTS
               if name != "SCORE_KEY" and not args[name]]
    if missing:
        raise TransformError(f"missing argument(s): {', '.join(missing)}")
    if args["INFERENCE_TYPE"] not in INFERENCE_TYPES:
        raise TransformError(f"--INFERENCE_TYPE {args['INFERENCE_TYPE']!r} must be one of "
                             f"{', '.join(INFERENCE_TYPES)}")
    if args["INFERENCE_TYPE"] == "batch" and not args["SCORE_KEY"]:
        raise TransformError("--SCORE_KEY is required when --INFERENCE_TYPE is batch")
    return args


# ---------------------------------------------------------------------------------------------
# storage: an S3 bucket, or a local folder when the location is an absolute path

def is_local(location: str) -> bool:
    return location.startswith("/")


def describe(location: str, key: str) -> str:
    return os.path.join(location, key) if is_local(location) else f"s3://{location}/{key}"


def read_text(location: str, key: str) -> str:
    if is_local(location):
        path = os.path.join(location, key)
        if not os.path.isfile(path):
            raise TransformError(f"input {path} does not exist")
        with open(path, "rb") as handle:
            data = handle.read()
    else:
        import boto3
        from botocore.exceptions import ClientError

        try:
            data = boto3.client("s3").get_object(Bucket=location, Key=key)["Body"].read()
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "")
            if code in ("NoSuchKey", "404", "NotFound"):
                raise TransformError(f"input s3://{location}/{key} does not exist") from None
            if code == "NoSuchBucket":
                raise TransformError(f"input bucket {location} does not exist") from None
            raise TransformError(f"cannot read s3://{location}/{key}: {err}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise TransformError(f"{describe(location, key)} is not UTF-8 text: {err}") from None


def write_text(location: str, key: str, text: str) -> None:
    if is_local(location):
        path = os.path.join(location, key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    else:
        import boto3

        boto3.client("s3").put_object(Bucket=location, Key=key, Body=text.encode("utf-8"),
                                      ContentType="text/csv")


def read_frame(location: str, key: str) -> pd.DataFrame:
    where = describe(location, key)
    text = read_text(location, key)
    if not text.strip():
        raise TransformError(f"{where} is empty")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as err:
        raise TransformError(f"{where} is not a valid CSV file: {err}") from None
    if frame.empty:
        raise TransformError(f"{where} has a header but no rows")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


# ---------------------------------------------------------------------------------------------
# feature engineering

def _rows(mask: pd.Series, limit: int = 5) -> str:
    """1-based data row numbers (the header is line 1 of the file, so line = row + 1)."""
    rows = [str(i + 1) for i in np.flatnonzero(mask.to_numpy())[:limit]]
    more = int(mask.sum()) - len(rows)
    return ", ".join(rows) + (f" and {more} more" if more > 0 else "")


def _numeric(frame: pd.DataFrame, column: str, where: str) -> pd.Series:
    text = frame[column].str.strip()
    values = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = values.isna() & (text != "")
    if bad.any():
        first = text[bad].iloc[0]
        raise TransformError(
            f"{where}: column {column}: {first!r} is not a number (row {_rows(bad)})")
    return values


def _coded(frame: pd.DataFrame, column: str, levels: dict[str, int], where: str) -> pd.Series:
    text = frame[column].str.strip()
    codes = text.map(levels)
    bad = codes.isna()
    if bad.any():
        unknown = sorted(set(text[bad]))
        raise TransformError(
            f"{where}: column {column}: unknown value(s) {', '.join(map(repr, unknown))} "
            f"(row {_rows(bad)}); known: {', '.join(levels)}")
    return codes.astype("int64")


def engineer(frame: pd.DataFrame, where: str, with_label: bool) -> pd.DataFrame:
    """The output frame: row id, label (when with_label), then feature_columns()."""
    required = [ROW_ID] + ([LABEL] if with_label else []) + list(NUMERIC)
    required += list(ORDINAL) + list(ONE_HOT)
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise TransformError(f"{where}: missing column(s): {', '.join(missing)}")
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated:
        raise TransformError(f"{where}: duplicated column(s): {', '.join(duplicated)}")
    ignored = [c for c in frame.columns if c not in required and c not in DROPPED]
    if ignored and not (ignored == [LABEL] and not with_label):
        print(f"transform: {where}: ignoring column(s) {', '.join(ignored)}", file=sys.stderr)

    out: dict[str, pd.Series] = {}
    row_id = _numeric(frame, ROW_ID, where)
    if row_id.isna().any():
        raise TransformError(f"{where}: column {ROW_ID} is empty (row {_rows(row_id.isna())})")
    dup = row_id.duplicated(keep=False)
    if dup.any():
        raise TransformError(f"{where}: column {ROW_ID} has duplicate values (row {_rows(dup)})")
    out[ROW_ID] = row_id
    if with_label:
        out[LABEL] = _coded(frame, LABEL, LABEL_LEVELS, where)
    for column in NUMERIC:
        out[column] = _numeric(frame, column, where)
    for column, (name, levels) in ORDINAL.items():
        out[name] = _coded(frame, column, levels, where)
    companies = out["NumCompaniesWorked"].clip(lower=1)  # 0 means the current one is the first
    out["RatioYearsPerCompany"] = (out["TotalWorkingYears"] / companies).astype("float64")
    for column, levels in ONE_HOT.items():
        codes = _coded(frame, column, {level: i for i, level in enumerate(levels)}, where)
        for i, level in enumerate(levels):
            out[one_hot_name(column, level)] = (codes == i).astype("int64")

    result = pd.DataFrame(out)
    expected = [ROW_ID] + ([LABEL] if with_label else []) + feature_columns()
    assert list(result.columns) == expected, "internal error: column order"
    not_numeric = [c for c in result.columns if not pd.api.types.is_numeric_dtype(result[c])]
    assert not not_numeric, f"internal error: non-numeric columns {not_numeric}"
    return result


def to_csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False)  # "\n" line ends on Linux; no lineterminator (pandas < 1.5)


def run(args: dict[str, str | None]) -> dict[str, int]:
    """Transform the training (and, for batch, scoring) data; returns row counts per output."""
    source, dest = args["S3_SOURCE"], args["S3_DEST"]
    counts = {}
    train = engineer(read_frame(source, args["TRAIN_KEY"]),
                     describe(source, args["TRAIN_KEY"]), with_label=True)
    if train[LABEL].nunique() < 2:
        raise TransformError(
            f"{describe(source, args['TRAIN_KEY'])}: column {LABEL} has a single class")
    outputs = [(TRAIN_OUT, train)]
    if args["INFERENCE_TYPE"] == "batch":
        score = engineer(read_frame(source, args["SCORE_KEY"]),
                         describe(source, args["SCORE_KEY"]), with_label=False)
        outputs.append((SCORE_OUT, score))
    for key, frame in outputs:  # written only once every input is known to be good
        write_text(dest, key, to_csv(frame))
        counts[key] = len(frame)
        print(f"transform: wrote {describe(dest, key)}: {len(frame)} rows, "
              f"{frame.shape[1]} columns")
    return counts


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    try:
        run(parse_arguments(argv))
    except TransformError as err:
        print(f"transform: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The data-drift check: how far the scoring extract has moved from the training extract.

A Glue Python shell job the workflow runs before a batch transform (mlops_dsl's ``drift_check``).
For every feature column the two extracts share, the population stability index
PSI = sum((score% - train%) * ln(score% / train%)) over bins: ten quantile bins of the training
values for a numeric column (numpy's quantiles; fewer when values repeat), one bin per category
otherwise (categories new in the scoring data count as their own bin); empty cells (missing
values) are one more bin of either kind, so a column that is missing more often drifts too. An
empty bin counts as a share of 1e-4 (ln(0) never happens). Left out: the first column (the row id
of the container contract, docs/contract.md), columns only one extract has (the label), and text
columns whose values are all distinct in both extracts (another identifier: a PSI over one-row
categories says nothing). A numeric column is one whose non-empty cells all parse as numbers in
both extracts; a column with no value at all in either is compared as text (all "missing").
Writes the report JSON (per-feature PSI, the worst and the drifted features, the maximum) to
``--REPORT``/``--REPORT_KEY`` and, in AWS, publishes the maximum as the CloudWatch metric
``MaxPSI`` (namespace ``--METRIC_NAMESPACE``, dimension ``Pipeline``).

Arguments: --EXTRACTS, --TRAIN_KEY (a key or a prefix ending in /), --SCORE_KEY, --REPORT,
--REPORT_KEY, --MAX_PSI (the blueprint's bound: features above it are the report's drifted ones),
--METRIC_NAMESPACE, --PIPELINE. A location that is an absolute path is a local folder
(``run --local``); there the metric is printed, not published. Exit status 1 with one
``drift: error:`` line when an input is missing, unreadable or has no data rows.

The report (docs/runtime.md): ``features`` {column: PSI}, ``worst`` [{feature, psi}] (at most
five, highest first), ``max_psi``, ``worst_features`` (their names joined with ", ", or "none"),
``rows`` {train, score}, ``left_out`` {column: why}, ``threshold`` (--MAX_PSI), ``drifted``
(the features above it, highest first) and ``drifted_features`` (joined, or "none").
"""
import argparse
import io
import json
import os
import sys

import numpy as np
import pandas as pd

ARGUMENTS = ("EXTRACTS", "TRAIN_KEY", "SCORE_KEY", "REPORT", "REPORT_KEY", "MAX_PSI",
             "METRIC_NAMESPACE", "PIPELINE")
BINS = 10  # quantile bins of a numeric feature
SMOOTHING = 1e-4  # an empty bin's share, so that ln(0) never happens
WORST = 5  # features named in the report's summary


class DriftError(Exception):
    """An input problem, reported on one line."""


def parse_arguments(argv):
    parser = argparse.ArgumentParser(prog="drift.py", allow_abbrev=False)
    for name in ARGUMENTS:
        parser.add_argument(f"--{name}")
    known, _unknown = parser.parse_known_args(argv[1:])  # Glue adds --JOB_ID and friends
    args = vars(known)
    missing = [f"--{name}" for name in ARGUMENTS if not args[name]]
    if missing:
        raise DriftError(f"missing argument(s): {', '.join(missing)}")
    return args


def threshold(text):
    try:
        value = float(text)
    except ValueError:
        raise DriftError(f"--MAX_PSI {text!r} is not a number") from None
    if not value > 0:
        raise DriftError(f"--MAX_PSI {text!r} must be above 0")
    return value


def _local(location):
    return location.startswith("/")


def _keys(location, key):
    """The objects at ``key``, or under it when it ends in '/'."""
    if not key.endswith("/"):
        return [key]
    if _local(location):
        folder = os.path.join(location, key)
        if not os.path.isdir(folder):
            raise DriftError(f"no folder {folder}")
        return sorted(os.path.join(key, name) for name in os.listdir(folder)
                      if os.path.isfile(os.path.join(folder, name)))
    import boto3

    pages = boto3.client("s3").get_paginator("list_objects_v2").paginate(Bucket=location, Prefix=key)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", ())
                  if not item["Key"].endswith("/"))


def _read(location, key):
    if _local(location):
        path = os.path.join(location, key)
        if not os.path.isfile(path):
            raise DriftError(f"input {path} does not exist")
        with open(path, "rb") as handle:
            data = handle.read()
    else:
        import boto3
        from botocore.exceptions import ClientError

        try:
            data = boto3.client("s3").get_object(Bucket=location, Key=key)["Body"].read()
        except ClientError as err:
            raise DriftError(f"cannot read s3://{location}/{key}: {err}") from None
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


def frame(location, key):
    keys = _keys(location, key)
    if not keys:
        raise DriftError(f"no objects under {key} in {location}")
    try:
        data = pd.concat([_read(location, k) for k in keys], ignore_index=True)
    except pd.errors.EmptyDataError:
        raise DriftError(f"{key} in {location} is empty (no header row)") from None
    if data.empty:
        raise DriftError(f"{key} in {location} has a header but no rows")
    return data


def _shares(counts):
    counts = np.asarray(counts, dtype=float)
    return np.maximum(counts / counts.sum(), SMOOTHING)


def _psi(expected, actual):
    """PSI of two histograms over the same bins (counts)."""
    e, a = _shares(expected), _shares(actual)
    return float(np.sum((a - e) * np.log(a / e)))


def _numbers(values):
    """The column as floats (NaN where empty), or None when a non-empty cell is not a number."""
    present = values[values != ""]
    numbers = pd.to_numeric(present, errors="coerce")
    if numbers.isna().any():
        return None
    return pd.to_numeric(values.replace("", np.nan), errors="coerce").to_numpy(dtype=float)


def _missing_bin(train, score):
    """Counts of empty cells, as one more bin."""
    return [int(np.isnan(train).sum())], [int(np.isnan(score).sum())]


def psi(train, score):
    """The population stability index of one column (text values, as read)."""
    numbers_train, numbers_score = _numbers(train), _numbers(score)
    if numbers_train is not None and numbers_score is not None:
        known = numbers_train[~np.isnan(numbers_train)]
        edges = np.unique(np.quantile(known, np.linspace(0, 1, BINS + 1))) if known.size else []
        if len(edges) > 2:  # at least two bins: else the distinct values are the categories
            edges[0], edges[-1] = -np.inf, np.inf
            expected = np.histogram(known, bins=edges)[0].tolist()
            actual = np.histogram(numbers_score[~np.isnan(numbers_score)], bins=edges)[0].tolist()
            missing_train, missing_score = _missing_bin(numbers_train, numbers_score)
            return _psi(expected + missing_train, actual + missing_score)
    levels = sorted(set(train) | set(score))  # "" (missing) is a level like any other
    train_counts, score_counts = train.value_counts(), score.value_counts()
    return _psi([int(train_counts.get(level, 0)) for level in levels],
                [int(score_counts.get(level, 0)) for level in levels])


def _left_out(column, train, score, first):
    if column == first:
        return "the row id (first column)"
    if column not in score.columns:
        return "not in the scoring data"
    if (_numbers(train[column]) is None and train[column].is_unique
            and score[column].is_unique):
        return "an identifier (every value distinct)"
    return None


def report(train, score, threshold=None):
    features, left_out = {}, {}
    first = score.columns[0] if len(score.columns) else None
    for column in train.columns:
        why = _left_out(column, train, score, first)
        if why:
            left_out[column] = why
            continue
        features[column] = round(psi(train[column], score[column]), 6)
    ranked = sorted(features, key=lambda c: (-features[c], c))
    worst = ranked[:WORST]
    drifted = [c for c in ranked if threshold is not None and features[c] > threshold]
    return {"threshold": threshold, "drifted": drifted,
            "drifted_features": ", ".join(drifted) or "none",
            "features": features, "worst": [{"feature": c, "psi": features[c]} for c in worst],
            "max_psi": max(features.values(), default=0.0),
            "worst_features": ", ".join(worst) or "none", "left_out": left_out,
            "rows": {"train": int(len(train)), "score": int(len(score))}}


def write(location, key, result):
    text = json.dumps(result, indent=2, sort_keys=True) + "\n"
    if _local(location):
        path = os.path.join(location, key)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        import boto3

        boto3.client("s3").put_object(Bucket=location, Key=key, Body=text.encode("utf-8"),
                                      ContentType="application/json")


def publish(args, value):
    if _local(args["EXTRACTS"]):
        print(f"drift: metric {args['METRIC_NAMESPACE']} MaxPSI {value:g} (not published locally)")
        return
    import boto3

    boto3.client("cloudwatch").put_metric_data(Namespace=args["METRIC_NAMESPACE"], MetricData=[{
        "MetricName": "MaxPSI", "Value": value, "Unit": "None",
        "Dimensions": [{"Name": "Pipeline", "Value": args["PIPELINE"]}]}])


def main(argv=None):
    argv = list(sys.argv if argv is None else argv)
    try:
        args = parse_arguments(argv)
        result = report(frame(args["EXTRACTS"], args["TRAIN_KEY"]),
                        frame(args["EXTRACTS"], args["SCORE_KEY"]), threshold(args["MAX_PSI"]))
        write(args["REPORT"], args["REPORT_KEY"], result)
        publish(args, result["max_psi"])
    except DriftError as err:
        print(f"drift: error: {err}", file=sys.stderr)
        return 1
    print(f"drift: max PSI {result['max_psi']:g} (bound {result['threshold']:g}); drifted: "
          f"{result['drifted_features']}; worst: {result['worst_features']}; "
          f"{len(result['features'])} features compared")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The data-drift check: how far the scoring extract has moved from the training extract.

A Glue Python shell job the workflow runs before a batch transform (mlops_dsl's ``drift_check``).
For every feature column the two extracts share, the population stability index
PSI = sum((score% - train%) * ln(score% / train%)) over bins: ten quantile bins of the training
values for a numeric column, one bin per category otherwise (categories new in the scoring data
count as their own bin). A column whose values are all distinct in both extracts is an
identifier and is left out. Writes the report JSON (per-feature PSI, the worst features, the
maximum) to ``--REPORT``/``--REPORT_KEY`` and, in AWS, publishes the maximum as the CloudWatch
metric ``MaxPSI`` (namespace ``--METRIC_NAMESPACE``, dimension ``Pipeline``).

Arguments: --EXTRACTS, --TRAIN_KEY (a key or a prefix ending in /), --SCORE_KEY, --REPORT,
--REPORT_KEY, --METRIC_NAMESPACE, --PIPELINE. A location that is an absolute path is a local
folder (``run --local``); there the metric is printed, not published. Exit status 1 with one
``drift: error:`` line when an input is missing or unreadable.
"""
import argparse
import io
import json
import os
import sys

import numpy as np
import pandas as pd

ARGUMENTS = ("EXTRACTS", "TRAIN_KEY", "SCORE_KEY", "REPORT", "REPORT_KEY", "METRIC_NAMESPACE",
             "PIPELINE")
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
    return pd.concat([_read(location, k) for k in keys], ignore_index=True)


def _shares(counts, total):
    return np.maximum(np.asarray(counts, dtype=float) / max(total, 1), SMOOTHING)


def psi(train, score):
    """The population stability index of one column (text values, as read)."""
    numbers_train = pd.to_numeric(train.replace("", np.nan), errors="coerce")
    numbers_score = pd.to_numeric(score.replace("", np.nan), errors="coerce")
    if numbers_train.notna().all() and numbers_score.notna().all():
        edges = np.unique(np.quantile(numbers_train, np.linspace(0, 1, BINS + 1)))
        if len(edges) > 2:
            edges[0], edges[-1] = -np.inf, np.inf
            expected = np.histogram(numbers_train, bins=edges)[0]
            actual = np.histogram(numbers_score, bins=edges)[0]
            return _psi(expected, actual)
    levels = sorted(set(train) | set(score))
    expected = [int((train == level).sum()) for level in levels]
    actual = [int((score == level).sum()) for level in levels]
    return _psi(expected, actual)


def _psi(expected, actual):
    e, a = _shares(expected, sum(expected)), _shares(actual, sum(actual))
    return float(np.sum((a - e) * np.log(a / e)))


def report(train, score):
    features = {}
    for column in train.columns:
        if column not in score.columns:
            continue  # the label, or a column only the training data has
        if train[column].is_unique and score[column].is_unique:
            continue  # an identifier
        features[column] = round(psi(train[column], score[column]), 6)
    worst = sorted(features, key=lambda c: (-features[c], c))[:WORST]
    return {"features": features, "worst": [{"feature": c, "psi": features[c]} for c in worst],
            "max_psi": max(features.values(), default=0.0),
            "worst_features": ", ".join(worst) or "none",
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
                        frame(args["EXTRACTS"], args["SCORE_KEY"]))
        write(args["REPORT"], args["REPORT_KEY"], result)
        publish(args, result["max_psi"])
    except DriftError as err:
        print(f"drift: error: {err}", file=sys.stderr)
        return 1
    print(f"drift: max PSI {result['max_psi']:g} ({result['worst_features']}); "
          f"{len(result['features'])} features compared")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""SageMaker inference: a Flask app serving the model written by `train`.

GET  /ping         200 when the model in $OPT_ML/model loads, else 503 with the reason
POST /invocations  text/csv with a header row, the row id first, then the features (any order)
                   -> text/csv: the row id, then per the model's problem type
                   binary      `probability` (of the positive class, schema.json's classes[1])
                   regression  `prediction` (the predicted value)
                   multiclass  `prediction` (the predicted class), `probability_<class>` per class
                   and `shap_<feature>` per feature: XGBoost's own SHAP values, in the model's
                   margin (log-odds for binary, the predicted class's for multiclass, the label's
                   units for regression); their sum plus the model's bias is that margin
Errors: 415 for another content type; 400 naming the missing, unknown or non-numeric columns.
Works for a live endpoint and for batch transform (the whole file in one request).
"""
from __future__ import annotations

import io
import json
import logging
import os
import threading

import flask
import numpy as np
import pandas as pd
import xgboost as xgb

MODEL_FILE = "xgboost-model.json"
SCHEMA_FILE = "schema.json"
CSV = "text/csv"
PROBABILITY = "probability"
PREDICTION = "prediction"
SHAP_PREFIX = "shap_"
PROBLEM_TYPES = ("binary", "multiclass", "regression")
# values in the answer: probabilities with 6 decimals; a regression's values with the 7
# significant digits of XGBoost's float32 predictions
FLOAT_FORMAT = {"binary": "%.6f", "multiclass": "%.6f", "regression": "%.7g"}

log = logging.getLogger("predictor")
app = flask.Flask(__name__)


class Model:
    """The booster and its feature schema, loaded once per process on first use."""

    def __init__(self, model_dir: str):
        schema_path = os.path.join(model_dir, SCHEMA_FILE)
        with open(schema_path, encoding="utf-8") as handle:
            schema = json.load(handle)
        features = schema.get("features") if isinstance(schema, dict) else None
        if not isinstance(features, list) or not features or \
                not all(isinstance(f, str) for f in features):
            raise ValueError(f"{schema_path}: 'features' must be a non-empty list of names")
        self.features = features
        # a model trained before problem types existed is a binary classifier
        self.problem_type = schema.get("problem_type", "binary")
        if self.problem_type not in PROBLEM_TYPES:
            raise ValueError(f"{schema_path}: unknown problem_type {self.problem_type!r}")
        self.classes = schema.get("classes")
        if self.problem_type == "multiclass" and (
                not isinstance(self.classes, list) or len(self.classes) < 2):
            raise ValueError(f"{schema_path}: a multiclass model needs its 'classes'")
        self.booster = xgb.Booster()
        self.booster.load_model(os.path.join(model_dir, MODEL_FILE))
        self.booster.feature_names = features
        # serve runs one gunicorn worker per CPU: one thread each avoids oversubscription
        self.booster.set_param({"nthread": int(os.environ.get("MODEL_THREADS", "1"))})
        if self.booster.num_features() != len(features):
            raise ValueError(f"the model has {self.booster.num_features()} features, "
                             f"the schema {len(features)}")

    @property
    def float_format(self) -> str:
        return FLOAT_FORMAT[self.problem_type]

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Frame with the row id first and exactly the schema's features -> answer frame."""
        row_id = frame.columns[0]
        matrix = xgb.DMatrix(frame[self.features].to_numpy(dtype="float64"),
                             feature_names=self.features)
        output = self.booster.predict(matrix)
        contributions = self.booster.predict(matrix, pred_contribs=True)
        columns = {}
        if self.problem_type == "multiclass":
            chosen = output.argmax(axis=1)
            columns[PREDICTION] = [self.classes[i] for i in chosen]
            for index, name in enumerate(self.classes):
                columns[f"{PROBABILITY}_{name}"] = output[:, index]
            # (rows, classes, features + bias): the predicted class's contributions
            contributions = contributions[np.arange(len(chosen)), chosen]
        else:
            columns[PREDICTION if self.problem_type == "regression" else PROBABILITY] = output
        shap = pd.DataFrame(contributions[:, :-1],  # the last column is the bias
                            columns=[SHAP_PREFIX + f for f in self.features])
        answer = pd.concat([pd.DataFrame(columns), shap], axis=1)
        answer.insert(0, row_id, frame[row_id].to_numpy(), allow_duplicates=True)
        return answer


_lock = threading.Lock()
_model: Model | None = None


def model_dir() -> str:
    return os.path.join(os.environ.get("OPT_ML", "/opt/ml"), "model")


def get_model() -> Model:
    """The loaded model; raises when it cannot be loaded (retried on the next call)."""
    global _model
    with _lock:
        if _model is None:
            _model = Model(model_dir())
        return _model


class BadRequest(Exception):
    pass


def parse_csv(body: bytes, model: Model) -> pd.DataFrame:
    if not body.strip():
        raise BadRequest("the request body is empty")
    try:
        frame = pd.read_csv(io.BytesIO(body), encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise BadRequest(f"the request body is not valid CSV: {err}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise BadRequest("the CSV has a header row but no data rows")
    duplicated = sorted(set(frame.columns[frame.columns.duplicated()]))
    if duplicated:
        raise BadRequest(f"duplicated column(s): {', '.join(duplicated)}")
    given = list(frame.columns[1:])  # the first column is the row id, whatever its name
    missing = [f for f in model.features if f not in given]
    unknown = [c for c in given if c not in model.features]
    problems = []
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s): {', '.join(unknown)}")
    if problems:
        raise BadRequest("; ".join(problems) + " (the first column is taken as the row id)")
    text = [f for f in model.features if not pd.api.types.is_numeric_dtype(frame[f])]
    if text:
        raise BadRequest(f"non-numeric value(s) in column(s): {', '.join(text)}")
    return frame


def _error(status: int, message: str) -> flask.Response:
    return flask.Response(message + "\n", status=status, mimetype="text/plain")


@app.route("/ping", methods=["GET"])
def ping() -> flask.Response:
    try:
        get_model()
    except Exception as err:  # noqa: BLE001 - any load failure means "not healthy"
        log.error("model not loaded from %s: %s", model_dir(), err)
        return _error(503, f"model not loaded: {err}")
    return flask.Response("\n", status=200, mimetype="text/plain")


@app.route("/invocations", methods=["POST"])
def invocations() -> flask.Response:
    if flask.request.mimetype != CSV:
        return _error(415, f"content type {flask.request.mimetype or '(none)'!r} is not "
                           f"supported; send {CSV} with a header row")
    try:
        model = get_model()
    except Exception as err:  # noqa: BLE001
        return _error(503, f"model not loaded: {err}")
    try:
        frame = parse_csv(flask.request.get_data(), model)
    except BadRequest as err:
        return _error(400, str(err))
    answer = model.predict(frame)
    out = io.StringIO()
    answer.to_csv(out, index=False, float_format=model.float_format)
    return flask.Response(out.getvalue(), status=200, mimetype=CSV)


if __name__ == "__main__":  # development server: python predictor.py
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8080")))

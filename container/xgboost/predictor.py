"""SageMaker inference: a Flask app serving the model written by `train`.

GET  /ping         200 when the model in $OPT_ML/model loads, else 503 with the reason
POST /invocations  text/csv with a header row, the row id first, then the features (any order)
                   -> text/csv: the row id, `probability`, then `shap_<feature>` per feature
                   (XGBoost's own SHAP values, in log-odds; their sum plus the model's bias is
                   the logit of the probability)
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
import pandas as pd
import xgboost as xgb

MODEL_FILE = "xgboost-model.json"
SCHEMA_FILE = "schema.json"
CSV = "text/csv"
PROBABILITY = "probability"
SHAP_PREFIX = "shap_"

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
        self.booster = xgb.Booster()
        self.booster.load_model(os.path.join(model_dir, MODEL_FILE))
        self.booster.feature_names = features
        # serve runs one gunicorn worker per CPU: one thread each avoids oversubscription
        self.booster.set_param({"nthread": int(os.environ.get("MODEL_THREADS", "1"))})
        if self.booster.num_features() != len(features):
            raise ValueError(f"the model has {self.booster.num_features()} features, "
                             f"the schema {len(features)}")

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Frame with the row id first and exactly the schema's features -> answer frame."""
        row_id = frame.columns[0]
        matrix = xgb.DMatrix(frame[self.features].to_numpy(dtype="float64"),
                             feature_names=self.features)
        probability = self.booster.predict(matrix)
        contributions = self.booster.predict(matrix, pred_contribs=True)[:, :-1]  # no bias
        answer = pd.DataFrame(contributions, columns=[SHAP_PREFIX + f for f in self.features])
        answer.insert(0, PROBABILITY, probability)
        answer.insert(0, row_id, frame[row_id].to_numpy())
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
    answer.to_csv(out, index=False, float_format="%.6f")
    return flask.Response(out.getvalue(), status=200, mimetype=CSV)


if __name__ == "__main__":  # development server: python predictor.py
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "8080")))

"""container/xgboost/predictor.py through Flask's test client and through serve + gunicorn, for the
binary classifier of the sample, a regression and a multiclass classifier."""
from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import numpy as np
import pandas as pd
import pytest

from helpers import data_rows
from runtime_helpers import JOB_LEVELS, PROGRAM, SERVE, load

predictor = load(PROGRAM / "predictor.py", "xgb_predictor")


@pytest.fixture
def client(trained, monkeypatch):
    monkeypatch.setenv("OPT_ML", str(trained[0]))
    monkeypatch.setattr(predictor, "_model", None)
    return predictor.app.test_client()


@pytest.fixture(scope="module")
def features(trained) -> list[str]:
    return json.loads((trained[0] / "model" / "schema.json").read_text())["features"]


@pytest.fixture(scope="module")
def score_csv(extracts) -> bytes:
    return (extracts / "score" / "score.csv").read_bytes()


def _frame(body: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(body))


def check_answer(body: bytes, request: bytes, features: list[str]) -> pd.DataFrame:
    answer, sent = _frame(body), _frame(request)
    assert list(answer.columns) == ["EmployeeNumber", "probability",
                                    *(f"shap_{f}" for f in features)]
    assert answer["EmployeeNumber"].tolist() == sent["EmployeeNumber"].tolist()
    assert answer["probability"].between(0, 1).all()
    assert not answer.isna().any().any()
    return answer


def test_ping_is_200_when_the_model_loads(client):
    assert client.get("/ping").status_code == 200


def test_ping_is_503_without_a_model(tmp_path, monkeypatch):
    monkeypatch.setenv("OPT_ML", str(tmp_path))
    monkeypatch.setattr(predictor, "_model", None)
    response = predictor.app.test_client().get("/ping")
    assert response.status_code == 503
    assert "model not loaded" in response.text and "schema.json" in response.text


def test_batch_round_trip(client, score_csv, features, trained):
    response = client.post("/invocations", data=score_csv, content_type="text/csv")
    assert response.status_code == 200, response.text
    assert response.mimetype == "text/csv"
    answer = check_answer(response.data, score_csv, features)
    assert len(answer) == len(data_rows("score"))  # one answer per scored employee
    # SHAP values (log-odds) plus the bias give the logit of the probability
    import xgboost as xgb
    booster = xgb.Booster()
    booster.load_model(trained[0] / "model" / "xgboost-model.json")
    sent = _frame(score_csv)
    matrix = xgb.DMatrix(sent[features].to_numpy(float), feature_names=features)
    bias = booster.predict(matrix, pred_contribs=True)[:, -1]
    shap = answer[[f"shap_{f}" for f in features]].to_numpy().sum(axis=1)
    logit = np.log(answer["probability"] / (1 - answer["probability"]))
    np.testing.assert_allclose(shap + bias, logit, atol=1e-3)


def test_columns_are_reordered_to_the_schema(client, score_csv, features):
    sent = _frame(score_csv).head(3)
    shuffled = sent[["EmployeeNumber", *reversed(features)]].to_csv(index=False).encode()
    ordered = sent.to_csv(index=False).encode()
    one = client.post("/invocations", data=shuffled, content_type="text/csv; charset=utf-8")
    two = client.post("/invocations", data=ordered, content_type="text/csv")
    assert one.status_code == two.status_code == 200
    assert one.data == two.data
    check_answer(one.data, ordered, features)


def test_missing_and_unknown_columns_are_400(client, score_csv):
    sent = _frame(score_csv).head(2).drop(columns=["Age", "Male"])
    sent["Shoe_Size"] = 42
    response = client.post("/invocations", data=sent.to_csv(index=False),
                           content_type="text/csv")
    assert response.status_code == 400
    assert "missing column(s): Age, Male" in response.text
    assert "unknown column(s): Shoe_Size" in response.text


@pytest.mark.parametrize("body, message", [
    (b"", "the request body is empty"),
    (b"EmployeeNumber,Age\n", "the CSV has a header row but no data rows"),
])
def test_empty_requests_are_400(client, body, message):
    response = client.post("/invocations", data=body, content_type="text/csv")
    assert response.status_code == 400 and message in response.text


def test_text_values_are_400(client, score_csv):
    sent = _frame(score_csv).head(2)
    sent["Age"] = ["forty", "fifty"]
    response = client.post("/invocations", data=sent.to_csv(index=False),
                           content_type="text/csv")
    assert response.status_code == 400
    assert "non-numeric value(s) in column(s): Age" in response.text


@pytest.mark.parametrize("content_type", ["application/json", "application/x-npy", None])
def test_other_content_types_are_415(client, content_type):
    response = client.post("/invocations", data=b'{"Age": 41}', content_type=content_type)
    assert response.status_code == 415
    assert "send text/csv" in response.text


# ---------------------------------------------------------------------------------------------
# a real gunicorn started by serve (nginx is only used inside the container)

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(url: str, data: bytes | None = None, content_type: str | None = None):
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@contextlib.contextmanager
def serving(opt_ml):
    """`serve` without nginx on a free port of 127.0.0.1; yields (url, process); always stopped."""
    port = _free_port()
    env = dict(os.environ, OPT_ML=str(opt_ml), SERVE_BIND=f"127.0.0.1:{port}",
               MODEL_SERVER_WORKERS="1")
    process = subprocess.Popen([sys.executable, str(SERVE)], env=env, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stdout.read().decode()
            try:
                if _request(f"{url}/ping")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not answer /ping within 60 s"
            time.sleep(0.2)
        yield url, process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # serve, gunicorn and its workers
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        process.stdout.close()


@pytest.fixture(scope="module")
def server(trained):
    with serving(trained[0]) as (url, _):
        yield url


@pytest.mark.slow
def test_gunicorn_round_trip(server, score_csv, features):
    url = server
    assert _request(f"{url}/ping")[0] == 200
    status, body = _request(f"{url}/invocations", score_csv, "text/csv")
    assert status == 200, body
    assert len(check_answer(body, score_csv, features)) == len(data_rows("score"))
    five = b"".join(score_csv.splitlines(keepends=True)[:6])
    status, body = _request(f"{url}/invocations", five, "text/csv")
    assert status == 200 and len(check_answer(body, five, features)) == 5


@pytest.mark.slow
def test_gunicorn_errors(server, score_csv):
    url = server
    bad = _frame(score_csv).head(1).drop(columns=["OverTime"]).to_csv(index=False).encode()
    status, body = _request(f"{url}/invocations", bad, "text/csv")
    assert status == 400 and b"missing column(s): OverTime" in body
    status, _ = _request(f"{url}/invocations", b"{}", "application/json")
    assert status == 415


@pytest.mark.slow
def test_serve_stops_on_sigterm(trained):
    with serving(trained[0]) as (_, process):
        process.send_signal(signal.SIGTERM)  # serve alone: it must stop gunicorn itself
        assert process.wait(timeout=30) == 0
        assert b"serve: stopped" in process.stdout.read()


# ---------------------------------------------------------------------------------------------
# the other problem types: what each answers, checked against the booster itself

def _booster(opt_ml):
    import xgboost as xgb

    booster = xgb.Booster()
    booster.load_model(opt_ml / "model" / "xgboost-model.json")
    return booster


def _request_without(score_csv: bytes, label: str, rows: int | None = None) -> bytes:
    """The scoring data without the column the model predicts (it is not a feature)."""
    frame = _frame(score_csv).drop(columns=[label])
    return (frame if rows is None else frame.head(rows)).to_csv(index=False).encode()


def _client_for(opt_ml, monkeypatch):
    monkeypatch.setenv("OPT_ML", str(opt_ml))
    monkeypatch.setattr(predictor, "_model", None)
    return predictor.app.test_client()


def check_regression(body: bytes, request: bytes, opt_ml) -> pd.DataFrame:
    import xgboost as xgb

    schema = json.loads((opt_ml / "model" / "schema.json").read_text())
    features = schema["features"]
    answer, sent = _frame(body), _frame(request)
    assert list(answer.columns) == ["EmployeeNumber", "prediction",
                                    *(f"shap_{f}" for f in features)]
    assert answer["EmployeeNumber"].tolist() == sent["EmployeeNumber"].tolist()
    matrix = xgb.DMatrix(sent[features].to_numpy(float), feature_names=features)
    booster = _booster(opt_ml)
    np.testing.assert_allclose(answer["prediction"], booster.predict(matrix), rtol=1e-6)
    bias = booster.predict(matrix, pred_contribs=True)[:, -1]
    shap = answer[[f"shap_{f}" for f in features]].to_numpy().sum(axis=1)
    np.testing.assert_allclose(shap + bias, answer["prediction"], rtol=1e-4)
    return answer


def check_multiclass(body: bytes, request: bytes, opt_ml) -> pd.DataFrame:
    import xgboost as xgb

    schema = json.loads((opt_ml / "model" / "schema.json").read_text())
    features, classes = schema["features"], schema["classes"]
    answer, sent = _frame(body), _frame(request)
    probabilities = [f"probability_{c}" for c in classes]
    assert list(answer.columns) == ["EmployeeNumber", "prediction", *probabilities,
                                    *(f"shap_{f}" for f in features)]
    assert answer["EmployeeNumber"].tolist() == sent["EmployeeNumber"].tolist()
    np.testing.assert_allclose(answer[probabilities].sum(axis=1), 1.0, atol=1e-5)
    chosen = answer[probabilities].to_numpy().argmax(axis=1)
    assert answer["prediction"].tolist() == [classes[i] for i in chosen]
    assert set(answer["prediction"]) <= set(JOB_LEVELS.values())
    # the SHAP columns explain the predicted class's margin
    matrix = xgb.DMatrix(sent[features].to_numpy(float), feature_names=features)
    booster = _booster(opt_ml)
    margin = booster.predict(matrix, output_margin=True)[np.arange(len(chosen)), chosen]
    bias = booster.predict(matrix, pred_contribs=True)[np.arange(len(chosen)), chosen, -1]
    shap = answer[[f"shap_{f}" for f in features]].to_numpy().sum(axis=1)
    np.testing.assert_allclose(shap + bias, margin, atol=1e-3)
    return answer


PROBLEMS = {  # fixture, label column, checker
    "regression": ("trained_regression", "MonthlyIncome", check_regression),
    "multiclass": ("trained_multiclass", "JobLevel", check_multiclass),
}


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_other_problem_types_round_trip(problem, request, monkeypatch, score_csv):
    fixture, label, check = PROBLEMS[problem]
    opt_ml = request.getfixturevalue(fixture)[0]
    client = _client_for(opt_ml, monkeypatch)
    body = _request_without(score_csv, label)
    response = client.post("/invocations", data=body, content_type="text/csv")
    assert response.status_code == 200, response.text
    assert len(check(response.data, body, opt_ml)) == len(data_rows("score"))
    # the label is not a feature: sending it is an unknown column, as for any other
    response = client.post("/invocations", data=score_csv, content_type="text/csv")
    assert response.status_code == 400 and f"unknown column(s): {label}" in response.text


def test_a_model_from_before_problem_types_is_binary(tmp_path, trained, monkeypatch, score_csv,
                                                      features):
    model = tmp_path / "model"
    model.mkdir()
    schema = json.loads((trained[0] / "model" / "schema.json").read_text())
    for key in ("problem_type", "classes"):
        del schema[key]
    (model / "schema.json").write_text(json.dumps(schema))
    (model / "xgboost-model.json").write_bytes(
        (trained[0] / "model" / "xgboost-model.json").read_bytes())
    client = _client_for(tmp_path, monkeypatch)
    five = b"".join(score_csv.splitlines(keepends=True)[:6])
    response = client.post("/invocations", data=five, content_type="text/csv")
    assert response.status_code == 200
    check_answer(response.data, five, features)


def test_a_multiclass_schema_without_classes_is_not_healthy(tmp_path, trained_multiclass,
                                                             monkeypatch):
    model = tmp_path / "model"
    model.mkdir()
    schema = json.loads((trained_multiclass[0] / "model" / "schema.json").read_text())
    del schema["classes"]
    (model / "schema.json").write_text(json.dumps(schema))
    response = _client_for(tmp_path, monkeypatch).get("/ping")
    assert response.status_code == 503 and "a multiclass model needs its 'classes'" in response.text


@pytest.mark.slow
@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_gunicorn_round_trip_of_other_problem_types(problem, request, score_csv):
    fixture, label, check = PROBLEMS[problem]
    opt_ml = request.getfixturevalue(fixture)[0]
    with serving(opt_ml) as (url, _):
        body = _request_without(score_csv, label, rows=7)
        status, answer = _request(f"{url}/invocations", body, "text/csv")
        assert status == 200, answer
        assert len(check(answer, body, opt_ml)) == 7

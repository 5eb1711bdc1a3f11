"""The rollout's bake locally: the new model's server is given a load and judged by the alarms.

In AWS the new fleet takes part of the traffic (a canary, or linear steps) for ``wait_minutes``
while the rollout's alarms watch the endpoint; an alarm in ALARM rolls the endpoint back. Locally
there is no traffic, so the bake makes some: up to ``BAKE_MAX_ROWS`` rows of the training extract
(the label column dropped: the container contract's second column, or the ``label``
hyperparameter), one ``POST /invocations`` each (text/csv, a header and one row), for at most
``BAKE_MAX_SECONDS``. Every request goes to the new model (stricter than a 10 % canary: its
errors are not diluted by the old model's answers). What SageMaker would publish is measured:
``Invocations``, ``Invocation5XXErrors`` / ``Invocation4XXErrors`` (the model answered 5xx / 4xx;
a request that gets no answer counts as a 5xx) and ``ModelLatency`` (microseconds, the round trip
to the server), and each of the update's alarms is evaluated on them (``alarms``).
"""
from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass, field

from ..emit import names as n
from ..model.layout import EXTRACTS_TRAIN_PREFIX
from .alarms import Evaluation, evaluate, template_alarms

BAKE_MAX_ROWS = 100  # requests of one bake
BAKE_MAX_SECONDS = 10.0  # the longest bake, whatever the rows left
REQUEST_TIMEOUT = 10.0  # seconds one request may take before it counts as an error


@dataclass
class Bake:
    endpoint: str
    model: str
    strategy: str
    metrics: dict = field(default_factory=dict)  # metric name -> samples
    evaluations: list = field(default_factory=list)  # alarms.Evaluation
    seconds: float = 0.0

    @property
    def fired(self) -> list[Evaluation]:
        return [e for e in self.evaluations if e.state == "ALARM"]

    def summary(self) -> str:
        calls = len(self.metrics.get("ModelLatency", []))
        errors = int(sum(self.metrics.get("Invocation5XXErrors", [])))
        parts = [f"{calls} requests, {errors} 5XX"]
        for e in self.evaluations:
            shown = "no data" if e.value is None else f"{e.value:g}"
            parts.append(f"{e.name} {shown} vs {e.threshold:g}: {e.state}")
        return "; ".join(parts)


def label_column(pipeline, header: list[str]) -> str | None:
    named = dict(pipeline.tuning.static_hyperparameters).get("label")
    return named if named in header else (header[1] if len(header) > 1 else None)


def bake_rows(pipeline, stores, names) -> tuple[str, list[str]]:
    """(header, rows) of the bake: the training extract without its label, at most
    BAKE_MAX_ROWS rows."""
    bucket = names.bucket(n.EXTRACTS)
    header, rows = None, []
    for key in sorted(stores.keys(bucket, EXTRACTS_TRAIN_PREFIX)):
        reader = csv.reader(io.StringIO(stores.get_bytes(bucket, key).decode("utf-8")))
        columns = next(reader, None)
        if not columns:
            continue
        label = label_column(pipeline, columns)
        keep = [i for i, c in enumerate(columns) if c != label]
        header = header or ",".join(columns[i] for i in keep)
        for row in reader:
            if len(rows) >= BAKE_MAX_ROWS:
                return header, rows
            if row:
                out = io.StringIO()
                csv.writer(out, lineterminator="").writerow([row[i] for i in keep])
                rows.append(out.getvalue())
    return header or "", rows


def bake(server, header: str, rows: list[str], bake_result: Bake) -> Bake:
    """Send the rows to ``server`` one request each, within BAKE_MAX_SECONDS."""
    metrics = {"Invocations": [], "Invocation5XXErrors": [], "Invocation4XXErrors": [],
               "ModelLatency": []}
    began = time.monotonic()
    for row in rows:
        if time.monotonic() - began > BAKE_MAX_SECONDS:
            break
        sent = time.monotonic()
        try:
            status, _ = server.request("POST", "/invocations", f"{header}\n{row}\n".encode(),
                                       "text/csv", timeout=REQUEST_TIMEOUT)
        except OSError:
            status = 504
        metrics["ModelLatency"].append((time.monotonic() - sent) * 1_000_000)
        metrics["Invocations"].append(1)
        metrics["Invocation5XXErrors"].append(1 if status >= 500 else 0)
        metrics["Invocation4XXErrors"].append(1 if 400 <= status < 500 else 0)
    bake_result.metrics = metrics
    bake_result.seconds = time.monotonic() - began
    return bake_result


def judge(template: dict, alarm_names, bake_result: Bake, when: str) -> Bake:
    """Evaluate the update's auto-rollback alarms (their template definitions) on the bake."""
    alarms = template_alarms(template)
    bake_result.evaluations = [evaluate(alarms[name], bake_result.metrics, when)
                               for name in alarm_names if name in alarms]
    return bake_result

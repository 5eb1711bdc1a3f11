"""The end-of-run summary: outcome, best job against the gate, outputs and where they are, timings.

``render(result)`` is the text printed; ``record(result)`` the same facts as JSON, written to
``<run dir>/run.json``.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..model.layout import DRIFT_PREFIX
from .stores import split_uri


def drift_result(result) -> dict | None:
    """The drift check's outcome, from the report it left in the metadata store: max PSI, the
    bound, the drifted and worst features, and what it did (``passed``, ``warned``, ``failed``;
    ``not run`` when the run ended before the check wrote its report)."""
    drift = result.pipeline.drift
    if drift is None:
        return None
    reports = sorted((result.run_dir / "metadata" / DRIFT_PREFIX).glob("*.json"))
    if not reports:
        return {"outcome": "not run", "max_psi_allowed": drift.max_psi, "on_drift": drift.on_drift}
    report = json.loads(reports[-1].read_text())
    drifted = report["max_psi"] > drift.max_psi
    outcome = "passed" if not drifted else ("failed" if drift.on_drift == "fail" else "warned")
    return {"outcome": outcome, "max_psi": report["max_psi"], "max_psi_allowed": drift.max_psi,
            "on_drift": drift.on_drift, "drifted": report.get("drifted", []),
            "worst": report["worst"], "report": str(reports[-1])}


def drift_line(found: dict) -> str:
    """``Drift check: max PSI 3.68 above 0.25 in PerformanceRating, ...: run failed``."""
    if found["outcome"] == "not run":
        return "Drift check: not run (the run ended before it)"
    bound = found["max_psi_allowed"]
    if found["outcome"] == "passed":
        worst = ", ".join(f"{w['feature']} {w['psi']:g}" for w in found["worst"][:3]) or "none"
        return f"Drift check: max PSI {found['max_psi']:g} within {bound:g} (worst: {worst})"
    did = "the run failed" if found["outcome"] == "failed" else "warning only (on_drift warn)"
    return (f"Drift check: max PSI {found['max_psi']:g} above {bound:g} in "
            f"{', '.join(found['drifted'])}: {did}")


def best_job(result):
    """The best scored training job of the run, or None."""
    tuning = result.pipeline.tuning
    metric = tuning.objective_metric
    scored = [j for j in result.jobs.values() if j.status == "Completed" and metric in j.metrics]
    if not scored:
        return None
    pick = max if tuning.objective_type == "Maximize" else min
    return pick(scored, key=lambda j: j.metrics[metric])


def explain_cause(cause: str | None) -> str | None:
    """The useful part of a cause: a service's FailureReason/ErrorMessage, else the text."""
    if not cause:
        return cause
    try:
        parsed = json.loads(cause)
    except ValueError:
        return cause
    if isinstance(parsed, dict):
        for key in ("FailureReason", "ErrorMessage", "errorMessage"):
            if parsed.get(key):
                return str(parsed[key])
    return cause


def local_path(result, uri: str | None) -> Path | None:
    """Where an ``s3://`` object of the run is in the workspace."""
    if not uri:
        return None
    bucket, key = split_uri(uri)
    for store, name in result.stores.items():
        if name == bucket:
            return result.run_dir / store / key
    return None


def outputs(result) -> list[tuple[str, Path, str]]:
    """(what, path, detail) for the files a user opens after a run."""
    found = []
    best = best_job(result)
    if best and local_path(result, best.model_uri):
        found.append(("best model", local_path(result, best.model_uri), ""))
    for store, keys in sorted(result.exported.items()):
        for key in keys:
            path = result.run_dir / store / key
            if store == "output" and key.endswith(".csv"):
                lines = path.read_bytes().count(b"\n")
                found.append(("predictions", path, f"{max(0, lines - 1)} rows"))
            elif store == "metadata" and key.startswith(DRIFT_PREFIX):
                found.append(("drift report", path, ""))
            elif store == "metadata":
                found.append(("tuning metadata", path, ""))
            elif store == "extracts":
                found.append(("extract", path, ""))
    return found


def gate_verdict(result, best) -> str:
    """``gate 0.9 < roc_auc < 0.999: best roc_auc 0.9995 does not pass (not < 0.999)``: every
    bound of the gate, evaluated on the best job's value."""
    gate = result.pipeline.gate
    if best is None or gate.metric not in best.metrics:
        return f"gate {gate.describe()}: no metric to compare"
    value = best.metrics[gate.metric]
    missed = gate.failed(value)
    why = f" (not {' and not '.join(missed)})" if missed and len(gate.bounds) > 1 else ""
    return (f"gate {gate.describe()}: best {gate.metric} {value:g} "
            f"{'does not pass' if missed else 'passes'}{why}")


def missing_metrics(result, best) -> list[str]:
    """The extra metrics the best job's log did not show (their line is missing or unreadable)."""
    return [name for name in result.pipeline.tuning.extra_metrics if name not in best.metrics]


def cloud_note(pipeline) -> str:
    tuning, training = pipeline.tuning, pipeline.training
    drift = (f" and drift check job {pipeline.names.drift_job}" if pipeline.drift is not None
             else "")
    return (f"In AWS: Glue {pipeline.transform.command} job {pipeline.names.glue_job}{drift}; "
            f"{tuning.max_jobs} training job(s) on {training.instance_count} x "
            f"{training.instance_type}, {tuning.max_parallel_jobs} at a time; "
            f"{pipeline.deployment.summary}.")


def render(result) -> str:
    lines = []
    if result.succeeded:
        lines.append(f"Run succeeded in {result.seconds:.1f}s.")
    elif result.status == "ABORTED":
        lines.append(f"Run interrupted ({result.stopped_by or 'Ctrl-C'}) in state "
                     f"{result.failed_state!r} after {result.seconds:.1f}s; the programs were "
                     "stopped and the stores exported.")
    else:
        lines.append(f"Run {result.status.lower()} at state {result.failed_state!r} "
                     f"after {result.seconds:.1f}s.")
        lines.append(f"  error: {result.error}")
        lines.append(f"  cause: {explain_cause(result.cause)}")
    if result.resumed_from:
        lines.append(f"Resumed run {result.resumed_from} at state {result.resumed_at!r}; reused, "
                     f"not run again: {', '.join(result.reused) or 'none'}")
    best = best_job(result)
    if best:
        metrics = ", ".join(f"{k} {v:g}" for k, v in best.metrics.items())
        tuned = " ".join(f"{k}={v}" for k, v in best.tuned.items())
        lines.append(f"Best training job: {best.name} ({metrics})")
        missing = missing_metrics(result, best)
        if missing:
            lines.append(f"  not in its log: {', '.join(missing)} (a line '<name>: <number>' "
                         "or the metric's regex; docs/contract.md)")
        lines.append(f"  hyperparameters: {tuned}")
        lines.append(f"  {gate_verdict(result, best)}")
    drift = drift_result(result)
    if drift:
        lines.append(drift_line(drift))
    found = outputs(result)
    if found:
        lines.append("Outputs:")
        for what, path, detail in found:
            lines.append(f"  {what}: {path}{'  (' + detail + ')' if detail else ''}")
    for package in result.packages:
        lines.append(f"Model package: {package['arn']} ({package['status']})  {package['path']}")
    for bake in result.bakes:
        lines.append(f"Rollout bake of {bake.model}: {bake.summary()}")
    if result.notices:
        lines.append(f"Notifications: {len(result.notices)} would be sent  "
                     f"({result.run_dir / 'notifications.jsonl'})")
    sagemaker = result.sagemaker
    for name, server in (sagemaker.endpoints.items() if sagemaker else []):
        lines.append(f"Endpoint {name}: {server.url}  (GET /ping, POST /invocations text/csv)")
    for warning in result.warnings:
        lines.append(f"Warning: {warning}")
    lines.append(f"Workspace: {result.run_dir}  (every store's objects, logs under work/)")
    if result.timings:
        lines.append("Time: " + ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items()
                                           if not k.startswith("state: ")))
    lines.append(cloud_note(result.pipeline))
    return "\n".join(lines)


def record(result) -> dict:
    best = best_job(result)
    drift = drift_result(result)
    return ({"drift": drift} if drift else {}) | {
        "status": result.status, "error": result.error, "cause": result.cause,
        "failure_reason": explain_cause(result.cause), "stopped_by": result.stopped_by,
        "failed_state": result.failed_state, "seconds": round(result.seconds, 3),
        "best_training_job": best.name if best else None,
        "best_metrics": best.metrics if best else None,
        "metrics_not_found": missing_metrics(result, best) if best else None,
        "gate": result.pipeline.gate.describe(), "gate_decision": result.gate_line,
        "outputs": [{"what": w, "path": str(p), "detail": d} for w, p, d in outputs(result)],
        "endpoints": {n: s.url for n, s in (result.sagemaker.endpoints.items()
                                            if result.sagemaker else [])},
        "timings": {k: round(v, 3) for k, v in result.timings.items()},
        "warnings": list(result.warnings), "environment": dict(result.environment),
        "stores": result.stores, "pipeline": result.pipeline.name,
        "resumed_from": result.resumed_from, "resumed_at": result.resumed_at,
        "reused_states": list(result.reused),
        "model_packages": [dict(p) for p in result.packages],
        "notifications": [dict(n) for n in result.notices],
        "rollout_bakes": [{"endpoint": b.endpoint, "model": b.model, "strategy": b.strategy,
                           "seconds": round(b.seconds, 3), "alarms": {
                               e.name: {"state": e.state, "value": e.value,
                                        "threshold": e.threshold, "reason": e.reason}
                               for e in b.evaluations}} for b in result.bakes],
    }


def write_record(result) -> Path:
    path = result.run_dir / "run.json"
    path.write_text(json.dumps(record(result), indent=2, sort_keys=True) + "\n")
    return path

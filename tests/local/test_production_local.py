"""run --local of the production features: a canary rollout that passes and one that rolls back
(the earlier run's model keeps serving), manual approval approved and rejected by flag, the
model registry in the workspace, and the notifications (the gate miss, the run's end)."""
from __future__ import annotations

import json
import shutil

import pytest
from local_helpers import ROOT, run, sample, small

from mlops_dsl import ModelRegistry, Notifications, Rollout, metric
from mlops_dsl.compiler import compile_blueprint
from mlops_dsl.emit.approval_message import REJECTION
from mlops_dsl.errors import BlueprintError
from mlops_dsl.local.approval import Decision
from mlops_dsl.local.notifications import RUN_LOG, WORKSPACE_LOG, status_rule, transform

EMAIL = "ml-team@example.com"


def production(*, rollout=None, approval=None, notify=True, gate=None):
    base = small(sample("attrition_endpoint"))
    # a canary is at most half the fleet (MLD153): two instances (one local server either way)
    blueprint = base.with_(deployment=base.deployment.with_(
        rollout=rollout, instance_count=2 if rollout is not None else 1))
    if approval:
        blueprint = blueprint.with_(model_registry=ModelRegistry(group_name="attrition-models",
                                                                 approval=approval))
    if notify:
        blueprint = blueprint.with_(notifications=Notifications(
            emails=(EMAIL,), events=("FAILED", "TIMED_OUT", "ABORTED", "SUCCEEDED")))
    return blueprint.with_(gate=gate) if gate is not None else blueprint


def canary(**thresholds):
    return Rollout(strategy="canary", canary_percent=10, wait_minutes=1, **thresholds)


def stop(result):
    if result.sagemaker:
        result.sagemaker.stop_endpoints()


def failing_image(tmp_path):
    """The sample container whose server answers 500 to every other /invocations request."""
    image = tmp_path / "failing-image"
    shutil.copytree(ROOT / "container" / "xgboost", image)
    (image / "wsgi.py").write_text(
        "import itertools\n\nimport predictor\n\n_calls = itertools.count()\n\n\n"
        "def app(environ, start_response):\n"
        "    if environ.get('PATH_INFO') == '/invocations' and next(_calls) % 2:\n"
        "        start_response('500 INTERNAL SERVER ERROR', [('Content-Type', 'text/plain')])\n"
        "        return [b'model failure\\n']\n"
        "    return predictor.app(environ, start_response)\n")
    return image


def one_row(result):
    extract = (result.run_dir / "extracts" / "train" / "train.csv").read_text().splitlines()
    header, row = extract[0].split(","), extract[1].split(",")
    del header[1], row[1]
    return f"{','.join(header)}\n{','.join(row)}\n".encode()


def test_a_canary_that_passes_bakes_the_new_model_and_serves_it(tmp_path, progress):
    blueprint = production(rollout=canary())
    first = run(blueprint, tmp_path, progress)
    stop(first)
    assert first.status == "SUCCEEDED", first.cause
    assert first.bakes == []  # the first run creates the endpoint: nothing to roll back to
    second = run(blueprint, tmp_path, progress)
    try:
        assert second.status == "SUCCEEDED", second.cause
        [bake] = second.bakes
        assert bake.strategy == "CANARY"
        assert len(bake.metrics["ModelLatency"]) > 0
        assert sum(bake.metrics["Invocation5XXErrors"]) == 0
        assert {e.state for e in bake.evaluations} == {"OK"}
        # the thresholds are the template's (800 ms is 800000 microseconds of ModelLatency)
        compiled = compile_blueprint(blueprint)
        thresholds = {p["Properties"]["AlarmName"]: p["Properties"]["Threshold"]
                      for p in compiled.template["Resources"].values()
                      if p["Type"] == "AWS::CloudWatch::Alarm"}
        assert {e.name: e.threshold for e in bake.evaluations} == thresholds
        (server,) = second.sagemaker.endpoints.values()
        assert server.request("POST", "/invocations", one_row(second), "text/csv")[0] == 200
        state = json.loads((tmp_path / "endpoints" / "attrition-endpoint.json").read_text())
        assert state["run"] == second.run_dir.name
        assert "> Update endpoint" in progress.stream.getvalue()
        assert "canary rollout: baking" in progress.stream.getvalue()
    finally:
        stop(second)


def test_a_new_model_that_fails_its_bake_rolls_back_and_the_earlier_one_keeps_serving(
        tmp_path, progress):
    blueprint = production(rollout=canary(max_error_rate_percent=1))
    first = run(blueprint, tmp_path, progress)
    stop(first)
    assert first.status == "SUCCEEDED", first.cause
    second = run(blueprint, tmp_path, progress, local_image=str(failing_image(tmp_path)))
    try:
        assert (second.status, second.failed_state) == ("FAILED", "Rolled back")
        assert second.error == "RolledBack"
        errors_alarm = compile_blueprint(blueprint).pipeline.names.alarm("errors")
        assert errors_alarm in second.cause and '"ALARM"' in second.cause
        [bake] = second.bakes
        assert [e.name for e in bake.fired] == [errors_alarm]
        # the endpoint serves the first run's model: every request answers (none is the 500
        # of the failing image), and the workspace still names the first run
        (server,) = second.sagemaker.endpoints.values()
        for _ in range(4):
            assert server.request("POST", "/invocations", one_row(second), "text/csv")[0] == 200
        state = json.loads((tmp_path / "endpoints" / "attrition-endpoint.json").read_text())
        assert state["run"] == first.run_dir.name
        from mlops_dsl.local.summary import record

        bakes = record(second)["rollout_bakes"]
        assert bakes[0]["alarms"][errors_alarm]["state"] == "ALARM"
        assert bakes[0]["alarms"][errors_alarm]["value"] > 1  # percent of 5XX answers
        # the failure was notified, as the template's rule renders it
        [end] = [n for n in second.notices if n["state"] == "(run status rule)"]
        message = json.loads(end["message"])
        assert (message["status"], message["error"]) == ("FAILED", "RolledBack")
        assert errors_alarm in message["cause"]
    finally:
        stop(second)


@pytest.mark.parametrize("approve", [True, False])
def test_a_manual_approval_is_answered_by_the_flags(tmp_path, progress, approve):
    blueprint = production(approval="manual")
    reason = "looks good" if approve else "AUC too close to the gate"
    result = run(blueprint, tmp_path, progress, decision=Decision(approve=approve, reason=reason))
    try:
        [package] = result.packages
        recorded = json.loads((tmp_path / "registry" / "attrition-models" / "1.json").read_text())
        assert recorded["arn"] == package["arn"]
        assert recorded["status"] == ("Approved" if approve else "Rejected")
        assert recorded["approval_description"] == reason
        best = max(result.jobs.values(), key=lambda j: j.metrics.get("roc_auc", -1))
        assert recorded["metrics"]["roc_auc"] == pytest.approx(best.metrics["roc_auc"])
        asking = [n for n in result.notices if n["state"] == "Wait for approval"]
        assert len(asking) == 1 and package["arn"] in asking[0]["message"]
        if approve:
            assert result.status == "SUCCEEDED", result.cause
            assert result.sagemaker.endpoints
        else:
            assert (result.status, result.failed_state) == ("FAILED", "Model rejected")
            assert result.error == REJECTION and result.cause == reason
            assert not result.sagemaker.endpoints
    finally:
        stop(result)
    # a second run registers version 2 of the group
    again = run(blueprint, tmp_path, progress, decision=Decision(approve=False))
    stop(again)
    assert again.packages[0]["arn"].endswith("/attrition-models/2")


def test_a_manual_approval_without_a_terminal_or_a_flag_is_refused_before_it_runs(tmp_path,
                                                                                   progress):
    with pytest.raises(BlueprintError) as raised:
        run(production(approval="manual"), tmp_path, progress, interactive=False)
    [problem] = raised.value.problems
    assert problem.code == "MLD506" and "--approve" in problem.message
    assert not any(tmp_path.iterdir())
    with pytest.raises(BlueprintError) as raised:
        run(production(), tmp_path, progress, decision=Decision(approve=True))
    [problem] = raised.value.problems
    assert problem.code == "MLD507" and "has none (ModelRegistry(approval='manual'))" in \
        problem.message


def test_a_gate_miss_is_notified_with_the_best_metric_and_the_gate(tmp_path, progress):
    result = run(production(gate=metric("roc_auc") > 0.999), tmp_path, progress)
    stop(result)
    assert (result.status, result.failed_state) == ("FAILED", "Metric below threshold")
    best = max(result.jobs.values(), key=lambda j: j.metrics.get("roc_auc", -1))
    [miss] = [n for n in result.notices if n["state"] == "Notify gate miss"]
    assert miss["recipients"] == [EMAIL]
    assert miss["subject"].endswith("the gate refused the model")
    assert f"scored roc_auc {best.metrics['roc_auc']:g}" in miss["message"] or \
        f"scored roc_auc {best.metrics['roc_auc']}" in miss["message"]
    assert "does not pass the gate roc_auc > 0.999" in miss["message"]
    assert result.run_dir.name in miss["message"]  # the execution's id names the run
    # the run's end, rendered by the template's own input transformer
    compiled = compile_blueprint(production(gate=metric("roc_auc") > 0.999))
    [end] = [n for n in result.notices if n["state"] == "(run status rule)"]
    template = status_rule(compiled.template)["Targets"][0]["InputTransformer"]["InputTemplate"]
    head = template["Fn::Sub"].split("<name>")[0]
    assert end["message"].startswith(head)
    message = json.loads(end["message"])  # one JSON document, as EventBridge sends it
    assert (message["run"], message["status"], message["error"]) == (
        result.run_dir.name, "FAILED", "MetricBelowThreshold")
    assert message["cause"] == result.cause
    logged = [json.loads(line) for line in (result.run_dir / RUN_LOG).read_text().splitlines()]
    assert logged == result.notices
    assert (tmp_path / WORKSPACE_LOG).read_text().count("\n") == len(result.notices)


def test_the_input_transformer_escapes_strings_inside_quotes():
    transformer = {"InputPathsMap": {"cause": "$.detail.cause", "gone": "$.detail.nothing"},
                   "InputTemplate": '"Cause: <cause>. <gone>!"'}
    event = {"detail": {"cause": 'the "gate" said no'}}
    assert transform(transformer, event) == '"Cause: the \\"gate\\" said no. !"'


def _terminal(text: str):
    """A readable stream holding ``text``, as a terminal would deliver typed lines."""
    import os

    read, write = os.pipe()
    os.write(write, text.encode())
    os.close(write)
    return os.fdopen(read)


class _Run:
    def __init__(self):
        from mlops_dsl.local.children import Children

        self.children = Children(fork_server=False)


def test_the_terminal_question_reads_the_decision_and_its_reason():
    import io

    from mlops_dsl.local.approval import ask_decision

    out = io.StringIO()
    decision = ask_decision("arn:pkg/1", _Run(), _terminal("maybe\nn\nAUC too low\n"), out)
    assert decision == Decision(approve=False, reason="AUC too low")
    assert out.getvalue().count("Approve model package arn:pkg/1? [y/n] ") == 2  # asked again
    assert decision == ask_decision("arn:pkg/1", _Run(), _terminal("no\nAUC too low\n"), out)
    assert ask_decision("p", _Run(), _terminal("y\n\n"), out) == Decision(approve=True)


def test_a_stopped_run_stops_asking():
    import io
    import os

    from mlops_dsl.local.approval import ask
    from mlops_dsl.local.children import INTERRUPTED
    from mlops_dsl.local.context import TaskFailed

    run_ = _Run()
    run_.children.stop_all("Ctrl-C")
    read, write = os.pipe()  # nothing typed
    try:
        with pytest.raises(TaskFailed) as raised:
            ask("Approve? ", run_, os.fdopen(read), io.StringIO())
        assert raised.value.error == INTERRUPTED
    finally:
        os.close(write)

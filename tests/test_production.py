"""Rollout, registry and notifications in the compiled output: each strategy, each approval mode.

(The sample blueprints/attrition_production.py is also a golden test; run --local of these is in
tests/local/.)"""
from __future__ import annotations

import json
import subprocess

import pytest

from helpers import ROOT, sample
from mlops_dsl import ModelRegistry, Notifications, Rollout
from mlops_dsl.compiler import TEMPLATE, WORKFLOW, compile_blueprint
from mlops_dsl.errors import BlueprintError
from test_workflow import ASL_VALIDATOR, deployed_form


def endpoint(instance_count=2, **rollout):
    base = sample("attrition_endpoint")
    return base.with_(deployment=base.deployment.with_(instance_count=instance_count,
                                                       rollout=Rollout(**rollout)))


def _lint(tmp_path, compiled) -> None:
    template = tmp_path / TEMPLATE
    template.write_bytes(compiled.files[TEMPLATE])
    result = subprocess.run(["cfn-lint", str(template)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    definition = tmp_path / WORKFLOW
    definition.write_text(deployed_form(compiled.files[WORKFLOW].decode()))
    result = subprocess.run([str(ASL_VALIDATOR), "--json-path", str(definition)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("strategy, routing", [
    ("all_at_once", {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 300}),
    ("canary", {"Type": "CANARY", "WaitIntervalInSeconds": 300,
                "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 10}}),
    ("linear", {"Type": "LINEAR", "WaitIntervalInSeconds": 300,
                "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 20}}),
])
def test_each_strategy_updates_blue_green_and_rolls_back_on_the_alarms(strategy, routing, tmp_path):
    compiled = compile_blueprint(endpoint(strategy=strategy))
    states = compiled.definition["States"]
    config = states["Update endpoint"]["Parameters"]["DeploymentConfig"]
    policy = config["BlueGreenUpdatePolicy"]
    assert policy["TrafficRoutingConfiguration"] == routing
    steps = {"all_at_once": 1, "canary": 2, "linear": 5}[strategy]
    assert policy["MaximumExecutionTimeoutInSeconds"] == steps * 300 + 300 + 1800
    names = compiled.pipeline.names
    assert config["AutoRollbackConfiguration"] == {"Alarms": [
        {"AlarmName": names.alarm("errors")}, {"AlarmName": names.alarm("latency")}]}
    assert "DeploymentConfig" not in states["Create endpoint"]["Parameters"]  # nothing to roll back
    # the update goes through the SDK integration: it knows DeploymentConfig (2021)
    assert states["Update endpoint"]["Resource"].endswith(":states:::aws-sdk:sagemaker:updateEndpoint")
    assert "DeploymentConfig" not in json.dumps(states["Create endpoint"])
    # a rollback ends the run as RolledBack, with SageMaker's reason when it gives one, and the
    # alarms and their states
    in_service = states["Endpoint in service?"]["Choices"]
    why = states[in_service[1]["Next"]]
    assert why["Choices"][0] == {"IsPresent": True, "Variable": "$.endpoint_state.FailureReason",
                                 "Next": "Keep SageMaker's reason"}
    for reason in ("Keep SageMaker's reason", why["Default"]):
        assert states[reason]["ResultPath"] == "$.rollback_reason"
        assert states[reason]["Next"] == "Find the alarms that fired"
    assert states["Rolled back"]["Error"] == "RolledBack"
    assert "$.rollback_reason.text" in states["Rolled back"]["CausePath"]
    assert "States.JsonToString($.rollback.Alarms)" in states["Rolled back"]["CausePath"]
    # SageMaker watches the alarms as the endpoint's execution role
    role = json.dumps(compiled.template["Resources"]["SageMakerRole"])
    assert "cloudwatch:DescribeAlarms" in role and names.alarm("errors") in role
    resources = compiled.template["Resources"]
    errors, latency = resources["EndpointErrorAlarm"]["Properties"], resources["EndpointLatencyAlarm"]["Properties"]
    assert errors["Threshold"] == 1.0 and errors["Metrics"][2]["Expression"].startswith("IF(calls > 0")
    assert latency["Threshold"] == 800_000.0 and latency["ExtendedStatistic"] == "p99"
    _lint(tmp_path, compiled)


def test_the_run_waits_as_long_as_the_rollout_may_take():
    compiled = compile_blueprint(endpoint(strategy="linear", linear_step_percent=10, wait_minutes=30))
    checks = compiled.definition["States"]["Endpoint in service?"]["Choices"][-1]
    rollout = compiled.pipeline.rollout
    assert checks["NumericGreaterThanEquals"] * 30 >= rollout.max_execution_seconds
    assert rollout.max_execution_seconds == 10 * 1800 + 300 + 1800


@pytest.mark.parametrize("approval", ["auto", "manual"])
def test_a_model_that_passes_the_gate_is_registered(approval, tmp_path):
    compiled = compile_blueprint(sample().with_(
        model_registry=ModelRegistry(group_name="churn-models", approval=approval)))
    states = compiled.definition["States"]
    gate = states["Check metric threshold"]
    assert gate["Choices"][0]["Next"] == "Register model"
    register = states["Register model"]["Parameters"]
    assert register["ModelPackageGroupName"] == "churn-models"
    assert register["ModelApprovalStatus"] == {"auto": "Approved",
                                               "manual": "PendingManualApproval"}[approval]
    assert register["ModelMetrics"]["ModelQuality"]["Statistics"]["ContentType"] == "application/json"
    assert states["Register model"]["Next"] == ("Create model" if approval == "auto"
                                                else "Wait for approval")
    group = compiled.template["Resources"]["ModelPackageGroup"]["Properties"]
    assert group["ModelPackageGroupName"] == "churn-models"
    if approval == "manual":
        wait = states["Wait for approval"]
        assert wait["Resource"].endswith(":states:::sns:publish.waitForTaskToken")
        assert wait["Parameters"]["MessageAttributes"]["task_token"] == {
            "DataType": "String", "StringValue.$": "$$.Task.Token"}
        assert wait["TimeoutSeconds"] == 7 * 24 * 3600
        catches = {c["ErrorEquals"][0]: c["Next"] for c in wait["Catch"]}
        assert catches == {"Rejected": "Model rejected", "States.Timeout": "Approval timed out"}
        # a topic carries the request even without e-mail notifications
        topic = compiled.template["Resources"]["NotificationsTopic"]["Properties"]
        assert topic["KmsMasterKeyId"] == "alias/aws/sns"
    _lint(tmp_path, compiled)


def test_notifications_go_out_for_the_chosen_ends_and_the_gate_miss(tmp_path):
    compiled = compile_blueprint(sample().with_(notifications=Notifications(
        emails=("a@example.com", "b@example.com"), events=("FAILED", "SUCCEEDED"))))
    resources = compiled.template["Resources"]
    rule = resources["RunStatusRule"]["Properties"]
    assert rule["EventPattern"]["detail"] == {"status": ["FAILED", "SUCCEEDED"],
                                              "stateMachineArn": [{"Ref": "StateMachine"}]}
    transformer = rule["Targets"][0]["InputTransformer"]
    assert set(transformer["InputPathsMap"]) == {"name", "status", "execution", "error", "cause"}
    from mlops_dsl.asl.fn_sub import fn_sub

    text = fn_sub(transformer["InputTemplate"]["Fn::Sub"], {"AWS::Region": "eu-west-1"})
    # EventBridge's substitution: a whole-value placeholder becomes the value as a JSON token; one
    # inside a string is copied unescaped ("transforming target input"). A FAILED run's cause is
    # usually JSON, quotes and all: the message must stay one valid JSON document.
    event = {"name": "run-1", "status": "FAILED", "error": "States.TaskFailed",
             "executionArn": "arn:aws:states:eu-west-1:123456789012:execution:m:run-1",
             "cause": '{"FailureReason": "AlgorithmError: \\"bad\\" row", "Status": "Failed"}'}
    values = {key: event[path.rsplit(".", 1)[-1]] for key, path in transformer["InputPathsMap"].items()}
    rendered = text
    for key, value in values.items():
        rendered = rendered.replace(f'"<{key}>"', json.dumps(value)).replace(f": <{key}>", f": {json.dumps(value)}")
        rendered = rendered.replace(f"<{key}>", str(value))
    message = json.loads(rendered)
    assert message["cause"] == event["cause"] and message["status"] == "FAILED"
    assert message["pipeline"] == "mlops_dsl pipeline attrition"
    assert message["console"].endswith("/v2/executions/details/" + event["executionArn"])
    assert "eu-west-1.console.aws.amazon.com" in message["console"]
    subscriptions = sorted(r["Properties"]["Endpoint"] for r in resources.values()
                           if r["Type"] == "AWS::SNS::Subscription")
    assert subscriptions == ["a@example.com", "b@example.com"]
    # EventBridge cannot publish to a topic under the AWS-managed SNS key: the stack has its own
    assert resources["NotificationsTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "NotificationsKey"}
    policy = resources["NotificationsTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert policy["Principal"] == {"Service": "events.amazonaws.com"}
    states = compiled.definition["States"]
    assert states["Check metric threshold"]["Default"] == "Notify gate miss"
    notice = states["Notify gate miss"]
    assert notice["Next"] == "Metric below threshold"
    assert "does not pass the gate roc_auc > 0.75" in notice["Parameters"]["Message.$"]
    _lint(tmp_path, compiled)


def test_a_blueprint_key_encrypts_the_topic(tmp_path):
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    compiled = compile_blueprint(sample().with_(kms_key=key, notifications=Notifications(
        emails=("a@example.com",))))
    resources = compiled.template["Resources"]
    assert resources["NotificationsTopic"]["Properties"]["KmsMasterKeyId"] == key
    assert "NotificationsKey" not in resources


@pytest.mark.parametrize("make, code, field", [
    (lambda: Rollout(strategy="blue"), "MLD150", "Rollout.strategy"),
    (lambda: Rollout(canary_percent=60), "MLD150", "Rollout.canary_percent"),
    (lambda: Rollout(linear_step_percent=5), "MLD150",
     "Rollout.linear_step_percent"),
    (lambda: Rollout(strategy="canary"), "MLD153", "Rollout.strategy"),  # on one instance
    (lambda: ModelRegistry(group_name="bad_name"), "MLD151", "ModelRegistry.group_name"),
    (lambda: Notifications(emails=("not-an-address",)), "MLD152", "Notifications.emails"),
])
def test_bad_production_values_are_located(make, code, field):
    value = make()
    base = sample("attrition_endpoint")
    if isinstance(value, Rollout):
        blueprint = base.with_(deployment=base.deployment.with_(rollout=value))
    elif isinstance(value, ModelRegistry):
        blueprint = base.with_(model_registry=value)
    else:
        blueprint = base.with_(notifications=value)
    with pytest.raises(BlueprintError) as raised:
        compile_blueprint(blueprint)
    assert [(p.code, p.field) for p in raised.value.problems] == [(code, field)]


def test_notifications_need_someone_to_tell():
    with pytest.raises(BlueprintError) as raised:
        compile_blueprint(sample().with_(notifications=Notifications()))
    [problem] = raised.value.problems
    assert problem.code == "MLD152" and "at least one e-mail" in problem.message


def test_the_config_form_carries_all_three(tmp_path):
    from mlops_dsl.config import config_from_blueprint, load_config

    production = sample("attrition_production")
    config = config_from_blueprint(production)
    assert config["endpoint_rollout"]["strategy"] == "canary"
    assert config["model_registry"] == {"group_name": "attrition-models", "approval": "manual"}
    for key in ("script_path", "byo_model_image_source_path", "train_local_path"):
        config[key] = str((ROOT / "blueprints" / config[key]).resolve())
    path = tmp_path / "production.json"
    path.write_text(json.dumps(config))
    loaded = load_config(path)
    assert loaded.deployment.rollout == production.deployment.rollout
    assert loaded.model_registry == production.model_registry
    assert loaded.notifications == production.notifications


def test_all_at_once_works_on_one_instance_and_canary_on_two():
    assert compile_blueprint(endpoint(instance_count=1, strategy="all_at_once"))
    assert compile_blueprint(endpoint(instance_count=2, strategy="canary"))
    assert compile_blueprint(endpoint(instance_count=2, strategy="linear"))

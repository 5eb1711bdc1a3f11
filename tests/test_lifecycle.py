"""Issue 14's compiled lifecycle parts: run-time limits, managed spot training with checkpoints,
the transform's bound, the retraining schedule, and the plan that states a run's cost."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from helpers import ROOT, sample
from mlops_dsl import SpotTraining
from mlops_dsl.compiler import compile_blueprint
from mlops_dsl.errors import BlueprintError
from mlops_dsl.model.layout import CHECKPOINT_PREFIX, MAX_TRAINING_RUNTIME_SECONDS


def _definition(compiled) -> dict:
    return compiled.definition["States"]["Tune model"]["Parameters"]["TrainingJobDefinition"]


def _codes(blueprint) -> list[str]:
    with pytest.raises(BlueprintError) as raised:
        compile_blueprint(blueprint)
    return [problem.code for problem in raised.value.problems]


@pytest.fixture(scope="module")
def base():
    return sample("attrition")


def test_without_lifecycle_keys_the_seed_bound_holds_and_nothing_is_added(base):
    compiled = compile_blueprint(base)
    training = _definition(compiled)
    assert training["StoppingCondition"] == {"MaxRuntimeInSeconds": MAX_TRAINING_RUNTIME_SECONDS}
    assert "EnableManagedSpotTraining" not in training and "CheckpointConfig" not in training
    assert "TimeoutSeconds" not in compiled.definition["States"]["Batch transform"]
    types = {r["Type"] for r in compiled.template["Resources"].values()}
    assert "AWS::Scheduler::Schedule" not in types


@pytest.mark.parametrize("runtime, wait", [(90, 200), (30, 30), (None, 45), (None, 2000)])
def test_runtime_and_spot_wait_reach_the_stopping_condition(base, runtime, wait):
    compiled = compile_blueprint(base.with_(max_runtime_minutes=runtime,
                                            spot_training=SpotTraining(max_wait_minutes=wait)))
    training = _definition(compiled)
    expected_runtime = runtime * 60 if runtime else min(wait * 60, MAX_TRAINING_RUNTIME_SECONDS)
    assert training["StoppingCondition"] == {"MaxRuntimeInSeconds": expected_runtime,
                                             "MaxWaitTimeInSeconds": wait * 60}
    assert training["EnableManagedSpotTraining"] is True
    checkpoint = training["CheckpointConfig"]
    assert checkpoint["LocalPath"] == "/opt/ml/checkpoints"
    # one prefix per run (the tuning job's name), in the model store
    assert checkpoint["S3Uri.$"] == (f"States.Format('s3://${{ModelStoreBucket}}/"
                                     f"{CHECKPOINT_PREFIX}{{}}/', $.names.JobName)")


def test_spot_jobs_may_sync_their_checkpoints_and_nothing_more(base):
    plain = compile_blueprint(base).template["Resources"]["SageMakerRole"]
    spot = compile_blueprint(base.with_(spot_training=SpotTraining())).template["Resources"][
        "SageMakerRole"]
    before = plain["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    after = spot["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    added = [s for s in after if s not in before]
    assert "checkpoints" not in json.dumps(before)
    assert {json.dumps(s["Resource"]) for s in added} == {
        json.dumps({"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::${{ModelStoreBucket}}/{CHECKPOINT_PREFIX}*"}),
        json.dumps({"Fn::Sub": "arn:${AWS::Partition}:s3:::${ModelStoreBucket}"})}
    listing = next(s for s in added if s["Action"] == "s3:ListBucket")
    assert listing["Condition"] == {"StringLike": {"s3:prefix": CHECKPOINT_PREFIX + "*"}}


def test_the_transform_is_bounded_and_stopped_when_it_outruns_the_bound(base):
    compiled = compile_blueprint(base.with_(max_runtime_minutes=45))
    states = compiled.definition["States"]
    transform = states["Batch transform"]
    assert transform["TimeoutSeconds"] == 45 * 60
    assert transform["Catch"] == [{"ErrorEquals": ["States.Timeout"],
                                   "Next": "Stop the overdue transform", "ResultPath": "$.timeout"}]
    stop = states["Stop the overdue transform"]
    assert stop["Resource"].endswith(":states:::aws-sdk:sagemaker:stopTransformJob")
    assert stop["Parameters"] == {"TransformJobName.$": "$.names.JobName"}
    assert stop["Next"] == stop["Catch"][0]["Next"] == "Transform timed out"
    failed = states["Transform timed out"]
    assert failed["Type"] == "Fail" and "(45)" in failed["Cause"]
    grants = json.dumps(compiled.template["Resources"]["StepFunctionsRole"])
    assert "sagemaker:StopTransformJob" in grants


@pytest.mark.parametrize("expression", ["cron(0 3 ? * MON *)", "rate(7 days)", "rate(1 hour)",
                                        "cron(15 */6 * * ? *)"])
def test_the_schedule_starts_this_state_machine_on_the_compiled_training_key(base, expression):
    compiled = compile_blueprint(base.with_(training_schedule=expression))
    resources = compiled.template["Resources"]
    schedule = resources["TrainingSchedule"]["Properties"]
    assert schedule["ScheduleExpression"] == expression
    assert schedule["ScheduleExpressionTimezone"] == "UTC"
    assert schedule["Name"] == compiled.pipeline.names.schedule
    target = schedule["Target"]
    assert target["Arn"] == {"Ref": "StateMachine"}
    assert json.loads(target["Input"])["detail"]["object"]["key"] == compiled.pipeline.data.train_key
    role = resources[target["RoleArn"]["Fn::GetAtt"][0]]["Properties"]
    trust = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust[0]["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust[0]["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    assert role["Policies"][0]["PolicyDocument"]["Statement"] == [
        {"Effect": "Allow", "Action": "states:StartExecution", "Resource": {"Ref": "StateMachine"}}]
    # the workflow reads the schedule's input where it reads an upload's event
    find = compiled.definition["States"]["Find training data"]
    assert find["Choices"][0]["Variable"] == "$.detail.object.key"


@pytest.mark.parametrize("expression", ["cron(0 3 * * MON *)", "cron(0 3 ? * ? *)",
                                        "cron(0 3 * *)", "rate(1 days)", "rate(2 hour)",
                                        "rate(0 days)", "every monday", "rate(7 weeks)"])
def test_a_bad_schedule_is_refused_at_its_field(base, expression):
    assert _codes(base.with_(training_schedule=expression)) == ["MLD160"]


def test_a_spot_wait_shorter_than_the_run_time_is_refused(base):
    assert _codes(base.with_(max_runtime_minutes=120,
                             spot_training=SpotTraining(max_wait_minutes=60))) == ["MLD161"]
    assert _codes(base.with_(max_runtime_minutes=40321)) == ["MLD161"]


def test_two_stacks_schedules_do_not_share_a_name(base):
    one = compile_blueprint(base.with_(name="one", name_prefix="one", training_schedule="rate(7 days)"))
    two = compile_blueprint(base.with_(name="two", name_prefix="two", training_schedule="rate(7 days)"))
    assert one.pipeline.physical_names["schedule"] != two.pipeline.physical_names["schedule"]


def test_compile_prints_the_plan_from_the_blueprint_values(tmp_path):
    from mlops_dsl.model.lifecycle import plan

    result = subprocess.run([sys.executable, "-m", "mlops_dsl", "compile",
                             str(ROOT / "blueprints" / "attrition_lifecycle.py"), "-o",
                             str(tmp_path / "out")], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    bp = sample("attrition_lifecycle")
    jobs, hours = bp.tuning.max_jobs * bp.training.instance_count, bp.max_runtime_minutes / 60
    training = next(line for line in result.stdout.splitlines() if "plan: training" in line)
    assert f"= {jobs * hours:g} instance-hours at most" in training
    assert "spot" in training
    transform = next(line for line in result.stdout.splitlines() if "plan: batch" in line)
    assert f"x {hours:g} h" in transform
    compiled = compile_blueprint(bp)
    assert [f"  plan: {line}" for line in plan(compiled.pipeline)] == [
        line for line in result.stdout.splitlines() if line.startswith("  plan: ")]


def test_an_unbounded_transform_says_so_in_the_plan(base):
    from mlops_dsl.model.lifecycle import plan

    lines = plan(compile_blueprint(base).pipeline)
    assert any("no time bound (set max_runtime_minutes)" in line for line in lines)
    assert f"x {MAX_TRAINING_RUNTIME_SECONDS // 3600} h" in lines[0]


def test_the_json_config_keys_compile_as_the_dsl_fields(tmp_path, base):
    from helpers import BLUEPRINTS

    config = json.loads((BLUEPRINTS / "attrition_config.json").read_text())
    for key in ("byo_model_image_source_path", "score_local_path", "script_path",
                "train_local_path"):
        config[key] = str((BLUEPRINTS / config[key]).resolve())
    config.update(training_schedule="rate(7 days)", spot_training={"max_wait_minutes": 90},
                  max_runtime_minutes=30)
    path = tmp_path / "lifecycle.json"
    path.write_text(json.dumps(config))
    from mlops_dsl.compiler import compile_file

    compiled = compile_file(path)
    assert _definition(compiled)["StoppingCondition"] == {"MaxRuntimeInSeconds": 1800,
                                                          "MaxWaitTimeInSeconds": 5400}
    assert compiled.definition["States"]["Batch transform"]["TimeoutSeconds"] == 1800
    schedule = compiled.template["Resources"]["TrainingSchedule"]["Properties"]
    assert schedule["ScheduleExpression"] == "rate(7 days)"
    config["spot_training"] = {"max_wait_minutes": 10}
    path.write_text(json.dumps(config))
    with pytest.raises(BlueprintError) as raised:
        compile_file(path)
    problem, = raised.value.problems
    assert problem.code == "MLD161" and "spot_training" in str(problem)


def test_the_schedule_is_a_valid_create_schedule_request(base):
    """moto's CloudFormation skips AWS::Scheduler::Schedule: check its properties against
    botocore's CreateSchedule input shape instead (the request CloudFormation makes)."""
    import botocore.session
    from botocore.validate import ParamValidator

    compiled = compile_blueprint(base.with_(training_schedule="cron(0 3 ? * MON *)"))
    properties = json.loads(json.dumps(compiled.template["Resources"]["TrainingSchedule"]["Properties"]))
    properties["Target"]["Arn"] = "arn:aws:states:us-east-1:123456789012:stateMachine:x"
    properties["Target"]["RoleArn"] = "arn:aws:iam::123456789012:role/x"
    shape = botocore.session.get_session().get_service_model("scheduler").operation_model(
        "CreateSchedule").input_shape
    report = ParamValidator().validate(properties, shape)
    assert not report.has_errors(), report.generate_report()
    assert len(properties["Name"]) <= shape.members["Name"].metadata["max"]

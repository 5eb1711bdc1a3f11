"""The workflow's production parts, each present only when the blueprint asks for it: the model
registry and its approval, the gate-miss notice, and the endpoint rollout's settings and rollback.

The template's side of them (alarms, topic, rule, package group) is in ``emit.operations``.
"""
from __future__ import annotations

from ..asl.fn_sub import escape
from ..model import Pipeline
from ..model.layout import METADATA_PREFIX
from ..model.names import ROLLOUT_ALARMS
from ..model.production import APPROVAL_TIMEOUT_SECONDS
from . import names as n
from .approval_message import APPROVAL, PACKAGE_ATTRIBUTE, REJECTION, TOKEN_ATTRIBUTE
from .sdk import Catch, Choice, ChoiceRule, Fail, Pass
from .tasks import cloudwatch, sagemaker, sns

REGISTER = "Register model"
REJECTED = "Model rejected"
APPROVAL_TIMED_OUT = "Approval timed out"
GATE_MISS = "Notify gate miss"
FIND_ALARMS = "Find the alarms that fired"
ROLLED_BACK = "Rolled back"
WHY_ROLLED_BACK = "Did SageMaker give a reason?"
ROLLBACK_REASON = "Keep SageMaker's reason"
NO_ROLLBACK_REASON = "No reason given"

JOB = "$.names.JobName"
OBJECTIVE = "$.tuning.BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric"


def registration(build, pipeline: Pipeline, image, next_step):
    """The states between the gate and the model: register it, and with ``manual`` approval wait
    for a person's decision. Returns the first state (``next_step`` when there is no registry)."""
    registry = pipeline.registry
    if registry is None:
        return next_step
    metadata = f"States.Format('s3://{n.sub(n.METADATA)}/{METADATA_PREFIX}{{}}.json', {JOB})"
    # The model's metrics are the run's metadata (the tuning result and the best job's final
    # metrics): ModelMetrics takes them as a JSON object in S3 (CreateModelPackage, MetricsSource).
    register = build.add(sagemaker.CreateModelPackage(REGISTER, {
        "ModelPackageGroupName": registry.traced("group_name"),
        "ModelPackageDescription.$": f"States.Format('{escape(pipeline.name)} run {{}}', {JOB})",
        "ModelApprovalStatus": registry.status,
        "InferenceSpecification": {
            "Containers": [{"Image": image, "ModelDataUrl.$": "$.best.ModelArtifact"}],
            "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
        "ModelMetrics": {"ModelQuality": {"Statistics": {
            "ContentType": "application/json", "S3Uri.$": metadata}}},
        "CustomerMetadataProperties": {
            "objective_metric.$": f"{OBJECTIVE}.MetricName",
            "objective_value.$": f"States.Format('{{}}', {OBJECTIVE}.Value)",
            "training_job.$": "$.tuning.BestTrainingJob.TrainingJobName",
            "execution.$": "$$.Execution.Id", "metadata.$": metadata}},
        group=registry.group_name, result_path="$.registry",
        result_selector={"ModelPackageArn.$": "$.ModelPackageArn"}))
    if not registry.manual:
        register.next(next_step)
        return register
    rejected = Fail(REJECTED, error=REJECTION, cause_path="$.approval.Cause")
    timed_out = Fail(APPROVAL_TIMED_OUT, error="ApprovalTimedOut",
                     cause=f"No decision on the model within {APPROVAL_TIMEOUT_SECONDS // 86400} "
                           f"days; the run ends. Start a new run to register the model again.")
    approve = (f"python -m mlops_dsl approve BLUEPRINT --stack-name STACK (or --reject --reason "
               f"TEXT)")
    wait = build.add(sns.PublishWaitForToken(
        APPROVAL, subject=f"{escape(pipeline.name)}: a model waits for approval",
        message=f"States.Format('Pipeline {escape(pipeline.name)}: model package {{}} passed the "
                f"gate with {{}} {{}} and waits for approval. Decide with: {approve}. Task token: "
                f"{{}}', $.registry.ModelPackageArn, {OBJECTIVE}.MetricName, {OBJECTIVE}.Value, "
                f"$$.Task.Token)",
        attributes={TOKEN_ATTRIBUTE: "$$.Task.Token",
                    PACKAGE_ATTRIBUTE: "$.registry.ModelPackageArn"},
        result_path="$.approval", timeout_seconds=APPROVAL_TIMEOUT_SECONDS,
        catch=[Catch(error_equals=[REJECTION], next_step=rejected, result_path="$.approval"),
               Catch(error_equals=["States.Timeout"], next_step=timed_out,
                     result_path="$.approval")]))
    register.next(wait)
    wait.next(next_step)
    return register


def gate_miss(build, pipeline: Pipeline, fail):
    """With notifications, a notice before the gate's Fail state (the best metric and the gate);
    the Fail state itself otherwise."""
    if pipeline.notifications is None:
        return fail
    gate = pipeline.gate
    notice = build.add(sns.Publish(
        GATE_MISS, subject=f"{escape(pipeline.name)}: the gate refused the model",
        message=f"States.Format('Pipeline {escape(pipeline.name)}: the best model scored {{}} "
                f"{{}}, which does not pass the gate {gate.describe()}; nothing was deployed. Run "
                f"{{}}.', {OBJECTIVE}.MetricName, {OBJECTIVE}.Value, $$.Execution.Id)",
        result_path=None))
    notice.next(fail)
    return notice


def deployment_config(pipeline: Pipeline) -> dict | None:
    """UpdateEndpoint's DeploymentConfig: blue/green traffic routing and auto-rollback on the
    rollout's alarms ("Deployment guardrails", SageMaker developer guide)."""
    rollout = pipeline.rollout
    if rollout is None:
        return None
    routing = {"Type": rollout.traffic_type, "WaitIntervalInSeconds": rollout.wait_seconds}
    if rollout.strategy == "canary":
        routing["CanarySize"] = {"Type": "CAPACITY_PERCENT", "Value": rollout.canary_percent}
    elif rollout.strategy == "linear":
        routing["LinearStepSize"] = {"Type": "CAPACITY_PERCENT",
                                     "Value": rollout.linear_step_percent}
    return {"BlueGreenUpdatePolicy": {
                "TrafficRoutingConfiguration": routing,
                "TerminationWaitInSeconds": 300,
                "MaximumExecutionTimeoutInSeconds": rollout.max_execution_seconds},
            "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": name}
                                                     for name in alarm_names(pipeline)]}}


def alarm_names(pipeline: Pipeline) -> tuple[str, ...]:
    return tuple(pipeline.names.alarm(watches) for watches in ROLLOUT_ALARMS)


def rollback(build, pipeline: Pipeline) -> object:
    """What ends a run whose update SageMaker did not complete: SageMaker's own reason (the
    endpoint's FailureReason, when DescribeEndpoint gives one: a fleet that failed to start or a
    deployment that ran out of time rolls back with no alarm), then the rollout's alarms and
    their states. A missing path inside an intrinsic fails the state, so the reason is looked up
    by a Choice first. Returns the first state."""
    alarms = build.add(cloudwatch.DescribeAlarms(
        FIND_ALARMS, alarms=alarm_names(pipeline), result_path="$.rollback", result_selector={
            "Alarms.$": "$.MetricAlarms[*].AlarmName", "States.$": "$.MetricAlarms[*].StateValue",
            "Reasons.$": "$.MetricAlarms[*].StateReason"}))
    alarms.next(Fail(ROLLED_BACK, error="RolledBack", cause_path=(
        "States.Format('The endpoint kept its previous model: {} Alarms {} were in states {}: "
        "{}', $.rollback_reason.text, States.JsonToString($.rollback.Alarms), "
        "States.JsonToString($.rollback.States), States.JsonToString($.rollback.Reasons))")))
    given = Pass(ROLLBACK_REASON, parameters={
        "text.$": "States.Format('SageMaker says: {}.', $.endpoint_state.FailureReason)"},
        result_path="$.rollback_reason")
    given.next(alarms)
    silent = Pass(NO_ROLLBACK_REASON, result={"text": "SageMaker gave no reason."},
                  result_path="$.rollback_reason")
    silent.next(alarms)
    reason = Choice(WHY_ROLLED_BACK)
    reason.add_choice(ChoiceRule.IsPresent(variable="$.endpoint_state.FailureReason", value=True),
                      next_step=given)
    reason.default_choice(silent)
    return reason


__all__ = ["alarm_names", "deployment_config", "gate_miss", "registration", "rollback"]

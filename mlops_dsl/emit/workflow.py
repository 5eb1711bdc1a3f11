"""The Step Functions workflow, built with the SDK's generic state classes and our tasks.

A pure function of the resolved pipeline: ``build_workflow(pipeline) -> Workflow``, the ASL
definition plus the tasks that made it (the state machine's role is their union, ``emit.iam``) and
the origin of each parameter that came from the blueprint (for located service-parameter errors).
Native service integrations do everything that needs no code (Glue, SageMaker, S3 copy/put/delete,
the crawler); Lambda handlers from ``lambdas/`` do the two jobs that need code: a unique job name,
and the create-or-update decision for an endpoint.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..model import Pipeline
from ..model.layout import (EXTRACTS_SCORE_KEY, EXTRACTS_TRAIN_PREFIX, METADATA_PREFIX,
                            MODEL_PREFIX, PREDICTIONS_PREFIX, TRANSFORM_PREFIX)
from ..asl.fn_sub import escape
from ..model.origin import Traced
from . import drift
from . import names as n
from . import lifecycle, production
from .sdk import Catch, Chain, Choice, ChoiceRule, Fail, Graph, Pass, Succeed, Wait
from .tasks import Integration, awslambda, glue, s3, sagemaker
from .tasks.base import retry

# State names: what users see in the console and in `run --follow`.
FIND_DATA = "Find training data"
UPLOADED_DATA = "Train on the uploaded object"
COMPILED_DATA = "Train on the compiled key"
TRANSFORM = "Transform data"
JOB_NAME = "Generate job name"
TUNE = "Tune model"
BEST_JOB = "Describe best training job"
ASSEMBLE_METADATA = "Assemble run metadata"
LOG_METADATA = "Log tuning metadata"
GATE = "Check metric threshold"
BELOW_THRESHOLD = "Metric below threshold"
CREATE_MODEL = "Create model"
ENDPOINT_CONFIG = "Create endpoint config"
START_ENDPOINT_CHECKS = "Start endpoint checks"
CHECK_ENDPOINT = "Check endpoint exists"
ENDPOINT_CHOICE = "Create or update endpoint"
ENDPOINT_UNUSABLE = "Endpoint cannot be updated"
WAIT_BUSY = "Wait for busy endpoint"
COUNT_BUSY = "Count busy endpoint checks"
CREATE_ENDPOINT = "Create endpoint"
UPDATE_ENDPOINT = "Update endpoint"
DESCRIBE_ENDPOINT = "Describe endpoint"
IN_SERVICE = "Endpoint in service?"
WAIT_ENDPOINT = "Wait for endpoint"
COUNT_ENDPOINT = "Count endpoint checks"
ENDPOINT_SERVES = "Endpoint serves the new model"
ENDPOINT_FAILED = "Endpoint failed"
ENDPOINT_ROLLED_BACK = "Endpoint kept its previous model"
ENDPOINT_TIMEOUT = "Endpoint not in service in time"
BATCH = "Batch transform"
RENAME = "Rename batch output"
DELETE_RAW = "Delete raw batch output"
CRAWL = "Start output crawler"
DONE = "Done"
STOP_TRANSFORM = "Stop the overdue transform"
TRANSFORM_TIMED_OUT = "Transform timed out"

JOB = "$.names.JobName"
UPLOADED_KEY = "$.detail.object.key"  # EventBridge's S3 "Object Created" event
TRAIN_KEY = "$.run.train_key"
ENDPOINT_POLL_SECONDS = 30  # as botocore's EndpointInService waiter: 30 s ...
MAX_ENDPOINT_CHECKS = 120  # ... 120 times: an hour for a create or an update to finish
# EndpointStatus values (DescribeEndpoint): only DeleteEndpoint works on a failed endpoint.
ENDPOINT_BROKEN = ("Failed", "UpdateRollbackFailed")
ENDPOINT_UPDATABLE = ("InService", "OutOfService")
GATE_VARIABLE = "$.tuning.BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric.Value"


@dataclass
class Workflow:
    """The compiled workflow: its definition, the tasks in it, where its parameters came from."""

    definition: dict
    tasks: list[Integration] = field(default_factory=list)
    origins: dict = field(default_factory=dict)  # (state, *parameter path) -> Origin


class _Builder:
    """Renders tasks into SDK states, remembering each task and its parameters' origins."""

    def __init__(self, pipeline: Pipeline):
        self.pipeline = pipeline
        self.tasks: list[Integration] = []
        self.origins: dict = {}

    def add(self, task: Integration):
        state, origins = task.render()
        self.tasks.append(task)
        self.origins.update(origins)
        return state

    def tags(self):
        return self.pipeline.traced("tags", [{"Key": k, "Value": v} for k, v in self.pipeline.tags])

    def vpc_config(self) -> dict | None:
        if not self.pipeline.private_subnets:
            return None
        return {"SecurityGroupIds": [n.sub(n.TRAINING_SECURITY_GROUP, "GroupId")],
                "Subnets": self.pipeline.traced("private_subnets", list(self.pipeline.private_subnets))}

    def image(self):
        image = self.pipeline.image
        return image.traced("uri" if self.pipeline.builtin_image_uri else "name",
                            n.image_uri(self.pipeline))


def parameter_ranges(ranges) -> dict:
    """The ParameterRanges structure of CreateHyperParameterTuningJob."""
    out: dict[str, list] = {"CategoricalParameterRanges": [], "ContinuousParameterRanges": [],
                            "IntegerParameterRanges": []}
    for item in ranges:
        if item.kind == "Categorical":
            body = {"Name": item.traced("name"), "Values": item.traced("values", list(item.values))}
        else:
            body = {"Name": item.traced("name"), "MinValue": item.traced("min", item.min_value),
                    "MaxValue": item.traced("max", item.max_value),
                    "ScalingType": item.traced("scaling")}
        origin = item.origin("name")
        out[item.parameter_ranges_key].append(Traced(body, origin) if origin else body)
    return {kind: items for kind, items in out.items() if items}


def tuning_parameters(build: _Builder) -> dict:
    """Parameters of the CreateHyperParameterTuningJob task (the heart of the workflow)."""
    pipeline = build.pipeline
    tuning, training = pipeline.tuning, pipeline.training
    definition = {
        "AlgorithmSpecification": {
            "TrainingImage": build.image(),
            "TrainingInputMode": "File",
            # the objective's first; the regexes are model.metrics' (the container contract)
            "MetricDefinitions": tuning.traced("metric_definitions", [
                {"Name": name, "Regex": regex} for name, regex in tuning.metric_definitions]),
        },
        "RoleArn": n.sub(n.SAGEMAKER_ROLE, "Arn"),
        "InputDataConfig": [{
            "ChannelName": "train",
            "ContentType": "text/csv",
            "DataSource": {"S3DataSource": {
                "S3DataType": "S3Prefix",
                "S3Uri": f"s3://{n.sub(n.EXTRACTS)}/{EXTRACTS_TRAIN_PREFIX}",
                "S3DataDistributionType": "FullyReplicated"}},
        }],
        "OutputDataConfig": {"S3OutputPath": f"s3://{n.sub(n.MODEL_STORE)}/{MODEL_PREFIX}"},
        "ResourceConfig": {"InstanceType": training.traced("instance_type"),
                           "InstanceCount": training.traced("instance_count"),
                           "VolumeSizeInGB": training.traced("volume_gb")},
        "StoppingCondition": lifecycle.stopping_condition(pipeline),
        **lifecycle.spot_settings(pipeline, JOB),
        "StaticHyperParameters": tuning.traced("static_hyperparameters",
                                               dict(tuning.static_hyperparameters)),
    }
    vpc = build.vpc_config()
    if vpc:
        definition["VpcConfig"] = vpc
    return {
        "HyperParameterTuningJobName.$": JOB,
        "HyperParameterTuningJobConfig": {
            "Strategy": tuning.traced("strategy"),
            "HyperParameterTuningJobObjective": {"Type": tuning.traced("objective_type"),
                                                 "MetricName": tuning.traced("objective_metric")},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": tuning.traced("max_jobs"),
                               "MaxParallelTrainingJobs": tuning.traced("max_parallel_jobs")},
            "ParameterRanges": parameter_ranges(tuning.ranges),
        },
        "TrainingJobDefinition": definition,
        "Tags": build.tags(),
    }


def _gate(build: _Builder, on_pass) -> Choice:
    """Deploy when the best job's objective value passes every bound: one numeric rule per bound,
    joined by ``And`` when there are several (Step Functions "Choice state": Choice Rules)."""
    pipeline = build.pipeline
    gate = pipeline.gate
    tests = " and ".join(f"{op} {threshold:g}" for op, threshold in gate.bounds)
    fail = Fail(BELOW_THRESHOLD, error="MetricBelowThreshold",
                cause=f"The best training job did not pass the deployment gate {gate.describe()} "
                      f"({tests}); its metrics are in the metadata store.")
    choice = Choice(GATE, comment=f"Deploy only when {gate.describe()}")
    rules = [getattr(ChoiceRule, op)(variable=GATE_VARIABLE, value=threshold)
             for op, threshold in gate.bounds]
    choice.add_choice(rules[0] if len(rules) == 1 else ChoiceRule.And(rules), next_step=on_pass)
    choice.default_choice(production.gate_miss(build, pipeline, fail))
    return choice


def endpoint_checks(pipeline: Pipeline) -> int:
    """How many times the run checks the endpoint before it gives up: an hour, or a rollout's
    longest deployment and ten minutes more."""
    rollout = pipeline.rollout
    if rollout is None:
        return MAX_ENDPOINT_CHECKS
    return max(MAX_ENDPOINT_CHECKS,
               math.ceil((rollout.max_execution_seconds + 600) / ENDPOINT_POLL_SECONDS))


def _status_is(variable: str, statuses) -> ChoiceRule:
    rules = [ChoiceRule.StringEquals(variable=variable, value=status) for status in statuses]
    return rules[0] if len(rules) == 1 else ChoiceRule.Or(rules)


def _counter(name: str, next_step) -> Pass:
    """Count one more check in ``$.checks.count`` (a loop's bound)."""
    counter = Pass(name, result_path="$.checks",
                   parameters={"count.$": "States.MathAdd($.checks.count, 1)"})
    counter.next(next_step)
    return counter


def _endpoint_branch(build: _Builder) -> Chain:
    """Create or update the endpoint, then wait until it serves this run's model.

    CreateEndpoint and UpdateEndpoint only start the work (there is no .sync integration for
    them): the run polls DescribeEndpoint until the endpoint is InService with this run's
    config. An endpoint still busy from an earlier run is waited for before the update; a failed
    one is reported, since SageMaker allows only DeleteEndpoint on it ("DescribeEndpoint",
    EndpointStatus, SageMaker API reference)."""
    pipeline = build.pipeline
    deployment, prefix = pipeline.deployment, pipeline.names.sagemaker_prefix
    name = deployment.name
    endpoint_name = deployment.traced("name")
    config = build.add(sagemaker.CreateEndpointConfig(ENDPOINT_CONFIG, {
        "EndpointConfigName.$": JOB,
        "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName.$": JOB,
                                "InstanceType": deployment.traced("instance_type"),
                                "InitialInstanceCount": deployment.traced("instance_count"),
                                "InitialVariantWeight": 1}],
        "Tags": build.tags()}, prefix=prefix))
    start_checks = Pass(START_ENDPOINT_CHECKS, result_path="$.checks", result={"count": 0})
    check = build.add(awslambda.Invoke(
        CHECK_ENDPOINT, function=n.ENDPOINT_CHECK_FUNCTION,
        function_name=pipeline.names.function("endpoint-check"),
        payload={"EndpointName": endpoint_name}, result_path="$.endpoint",
        result_selector={"Exists.$": "$.Payload.EndpointExists",
                         "Status.$": "$.Payload.EndpointStatus"}))
    create = build.add(sagemaker.CreateEndpoint(CREATE_ENDPOINT, {
        "EndpointName": endpoint_name, "EndpointConfigName.$": JOB, "Tags": build.tags()},
        prefix=prefix, endpoint=name))
    update_parameters = {"EndpointName": endpoint_name, "EndpointConfigName.$": JOB}
    deployment_config = production.deployment_config(pipeline)
    if deployment_config:
        update_parameters["DeploymentConfig"] = deployment.traced("rollout", deployment_config)
    updater = sagemaker.UpdateEndpointSdk if deployment_config else sagemaker.UpdateEndpoint
    update = build.add(updater(
        UPDATE_ENDPOINT, update_parameters, prefix=prefix, endpoint=name,
        alarms=production.alarm_names(pipeline) if deployment_config else ()))
    describe = build.add(sagemaker.DescribeEndpoint(DESCRIBE_ENDPOINT, {
        "EndpointName": endpoint_name}, prefix=prefix, endpoint=name,
        result_path="$.endpoint_state"))
    shown = escape(name)
    checks = endpoint_checks(pipeline)
    unusable = Fail(ENDPOINT_UNUSABLE, error="EndpointUnusable",
                    cause=f"The endpoint {shown} is Failed; SageMaker allows only DeleteEndpoint on "
                          f"it. Delete it (aws sagemaker delete-endpoint --endpoint-name {shown}) "
                          f"and start the run again: the run then creates it.")
    timeout = Fail(ENDPOINT_TIMEOUT, error="EndpointTimeout",
                   cause=f"The endpoint {shown} was not in service with this run's model after "
                         f"{checks} checks {ENDPOINT_POLL_SECONDS} s apart; see its "
                         f"status in the SageMaker console.")
    wait_busy = Wait(WAIT_BUSY, seconds=ENDPOINT_POLL_SECONDS)
    wait_busy.next(_counter(COUNT_BUSY, check))
    choice = Choice(ENDPOINT_CHOICE)
    choice.add_choice(ChoiceRule.BooleanEquals(variable="$.endpoint.Exists", value=False),
                      next_step=create)
    choice.add_choice(_status_is("$.endpoint.Status", ENDPOINT_UPDATABLE), next_step=update)
    choice.add_choice(_status_is("$.endpoint.Status", ENDPOINT_BROKEN), next_step=unusable)
    choice.add_choice(ChoiceRule.NumericGreaterThanEquals(variable="$.checks.count",
                                                          value=checks),
                      next_step=timeout)
    choice.default_choice(wait_busy)  # Creating, Updating, SystemUpdating, RollingBack, Deleting
    create.next(describe)
    update.next(describe)
    wait = Wait(WAIT_ENDPOINT, seconds=ENDPOINT_POLL_SECONDS)
    wait.next(describe)
    in_service = Choice(IN_SERVICE)
    status = "$.endpoint_state.EndpointStatus"
    in_service.add_choice(ChoiceRule.And([
        ChoiceRule.StringEquals(variable=status, value="InService"),
        ChoiceRule.StringEqualsPath(variable="$.endpoint_state.EndpointConfigName", value=JOB)]),
        next_step=Succeed(ENDPOINT_SERVES))
    state_text = "States.JsonToString($.endpoint_state)"
    kept_previous = (production.rollback(build, pipeline) if pipeline.rollout else
                     Fail(ENDPOINT_ROLLED_BACK, error="EndpointRolledBack", cause_path=state_text))
    in_service.add_choice(ChoiceRule.StringEquals(variable=status, value="InService"),
                          next_step=kept_previous)
    in_service.add_choice(_status_is(status, (*ENDPOINT_BROKEN, "OutOfService")),
                          next_step=Fail(ENDPOINT_FAILED, error="EndpointFailed",
                                         cause_path=state_text))
    in_service.add_choice(ChoiceRule.NumericGreaterThanEquals(variable="$.checks.count",
                                                              value=checks),
                          next_step=timeout)
    in_service.default_choice(_counter(COUNT_ENDPOINT, wait))
    describe.next(in_service)
    return Chain([config, start_checks, check, choice])


def _transform_bound(build: _Builder) -> dict:
    """With max_runtime_minutes, the transform Task times out after it, and the job is stopped
    before the run fails: a Task's timeout ends the state, not the job it started."""
    pipeline = build.pipeline
    seconds = pipeline.limits.transform_timeout_seconds
    if seconds is None:
        return {}
    timed_out = Fail(TRANSFORM_TIMED_OUT, error="TransformTimeout",
                     cause=f"the batch transform ran longer than max_runtime_minutes "
                           f"({seconds // 60}); it was stopped")
    stop = build.add(sagemaker.StopTransformJob(
        STOP_TRANSFORM, {"TransformJobName.$": JOB}, prefix=pipeline.names.sagemaker_prefix,
        result_path="$.stopped",
        catch=Catch(error_equals=["States.ALL"], next_step=timed_out, result_path="$.stopped")))
    stop.next(timed_out)
    return {"timeout_seconds": seconds,
            "catch": Catch(error_equals=["States.Timeout"], next_step=stop,
                           result_path="$.timeout")}


def _batch_branch(build: _Builder) -> Chain:
    pipeline = build.pipeline
    deployment = pipeline.deployment
    output = n.sub(n.OUTPUT)
    transform = build.add(sagemaker.CreateTransformJobSync(BATCH, {
        "TransformJobName.$": JOB,
        "ModelName.$": JOB,
        "TransformInput": {
            "ContentType": "text/csv",
            "SplitType": "None",
            "DataSource": {"S3DataSource": {
                "S3DataType": "S3Prefix",
                "S3Uri": f"s3://{n.sub(n.EXTRACTS)}/{EXTRACTS_SCORE_KEY}"}}},
        "TransformOutput": {
            "S3OutputPath.$": f"States.Format('s3://{output}/{TRANSFORM_PREFIX}{{}}', {JOB})",
            "AssembleWith": "None"},
        "TransformResources": {"InstanceType": deployment.traced("instance_type"),
                               "InstanceCount": deployment.traced("instance_count")},
        "Tags": build.tags()}, prefix=pipeline.names.sagemaker_prefix,
        **_transform_bound(build)))
    result_name = EXTRACTS_SCORE_KEY.rsplit("/", 1)[-1] + ".out"
    rename = build.add(s3.CopyObject(RENAME, bucket=output, source_prefix=TRANSFORM_PREFIX,
                                     target_prefix=PREDICTIONS_PREFIX, parameters={
        "CopySource.$": f"States.Format('{output}/{TRANSFORM_PREFIX}{{}}/{result_name}', {JOB})",
        "Key.$": f"States.Format('{PREDICTIONS_PREFIX}{{}}/out.csv', {JOB})"},
        comment="The seed's rename of score.csv.out to out.csv, one folder per run for Athena"))
    delete = build.add(s3.DeleteObject(DELETE_RAW, bucket=output, prefix=TRANSFORM_PREFIX,
                                       parameters={
        "Key.$": f"States.Format('{TRANSFORM_PREFIX}{{}}/{result_name}', {JOB})"}))
    done = Succeed(DONE)
    crawler = pipeline.names.crawler
    crawl = build.add(glue.StartCrawler(
        CRAWL, crawler=crawler, crawler_value=pipeline.names.traced("prefix", crawler),
        retry=[retry(["Glue.CrawlerRunningException"], attempts=6),
               *glue.StartCrawler.default_retry()],
        catch=Catch(error_equals=["Glue.CrawlerRunningException"], next_step=done,
                    result_path="$.crawler")))
    return Chain([transform, rename, delete, crawl, done])


def build_workflow(pipeline: Pipeline) -> Workflow:
    """The whole workflow."""
    build = _Builder(pipeline)
    names, data = pipeline.names, pipeline.data
    # A run started by an upload trains on the uploaded object; one started by hand (no event)
    # on the compiled key. S3 "Object Created" events: "EventBridge event message structure"
    # (Amazon S3 user guide); the rule's target receives the whole event as input.
    find = Choice(FIND_DATA, comment="The object whose upload started the run, if one did")
    uploaded = Pass(UPLOADED_DATA, result_path="$.run", parameters={"train_key.$": UPLOADED_KEY})
    compiled_key = Pass(COMPILED_DATA, result_path="$.run",
                        result={"train_key": escape(data.train_key)})
    find.add_choice(ChoiceRule.IsPresent(variable=UPLOADED_KEY, value=True), next_step=uploaded)
    find.default_choice(compiled_key)
    transform = build.add(glue.StartJobRunSync(
        TRANSFORM, job=names.glue_job, job_value=names.traced("transform_job", names.glue_job),
        arguments={
            "--S3_SOURCE": n.feature_store_name(pipeline),
            "--S3_DEST": n.sub(n.EXTRACTS),
            "--TRAIN_KEY.$": TRAIN_KEY,
            "--SCORE_KEY": data.traced("score", data.score_key),
            "--INFERENCE_TYPE": "endpoint" if pipeline.is_endpoint else "batch"},
        result_path="$.transform",
        result_selector={"JobRunId.$": "$.Id", "JobRunState.$": "$.JobRunState"}))
    job_name = build.add(awslambda.Invoke(
        JOB_NAME, function=n.JOB_NAME_FUNCTION, function_name=names.function("job-name"),
        payload={"prefix": pipeline.traced("job_name", names.sagemaker_names),
                 "execution.$": "$$.Execution.Name"},
        result_path="$.names", result_selector={"JobName.$": "$.Payload.JobName"}))
    prefix = names.sagemaker_prefix
    tune = build.add(sagemaker.CreateTuningJobSync(
        TUNE, tuning_parameters(build), prefix=prefix, result_path="$.tuning", result_selector={
            "HyperParameterTuningJobName.$": "$.HyperParameterTuningJobName",
            "BestTrainingJob.$": "$.BestTrainingJob",
            "TrainingJobStatusCounters.$": "$.TrainingJobStatusCounters"}))
    best = build.add(sagemaker.DescribeTrainingJob(BEST_JOB, {
        "TrainingJobName.$": "$.tuning.BestTrainingJob.TrainingJobName"}, prefix=prefix,
        result_path="$.best", result_selector={
            "ModelArtifact.$": "$.ModelArtifacts.S3ModelArtifacts",
            "FinalMetrics.$": "$.FinalMetricDataList"}))
    # The run's metadata is assembled first, then written as JSON text: S3's Body takes a string.
    metadata = Pass(ASSEMBLE_METADATA, result_path="$.metadata", parameters={
        "JobName.$": JOB, "Tuning.$": "$.tuning", "BestModel.$": "$.best",
        "Transform.$": "$.transform", "Execution.$": "$$.Execution.Id",
        "StartTime.$": "$$.Execution.StartTime", **drift.metadata(pipeline)})
    log = build.add(s3.PutObject(LOG_METADATA, bucket=n.sub(n.METADATA), prefix=METADATA_PREFIX,
                                 parameters={
        "Key.$": f"States.Format('{METADATA_PREFIX}{{}}.json', {JOB})",
        "ContentType": "application/json",
        "Body.$": "States.JsonToString($.metadata)"}))
    model_parameters = {
        "ModelName.$": JOB,
        "ExecutionRoleArn": n.sub(n.SAGEMAKER_ROLE, "Arn"),
        "PrimaryContainer": {"Image": build.image(), "ModelDataUrl.$": "$.best.ModelArtifact"},
        "Tags": build.tags()}
    vpc = build.vpc_config()
    if vpc:
        model_parameters["VpcConfig"] = vpc
    create_model = build.add(sagemaker.CreateModel(CREATE_MODEL, model_parameters, prefix=prefix))
    deploy = _endpoint_branch(build) if pipeline.is_endpoint else _batch_branch(build)
    Chain([create_model, deploy])
    gate = _gate(build, production.registration(build, pipeline, build.image(), create_model))
    uploaded.next(transform)
    compiled_key.next(transform)
    job_name.next(drift.states(build, pipeline, tune))
    Chain([tune, best, metadata, log, gate])
    Chain([transform, job_name])
    graph = Graph(find,
                  comment=f"mlops_dsl pipeline {escape(pipeline.name)}: transform, tune, gate "
                          f"({pipeline.gate.describe()}), "
                          f"{'endpoint' if pipeline.is_endpoint else 'batch transform'}")
    return Workflow(graph.to_dict(), build.tasks, build.origins)


def workflow_definition(pipeline: Pipeline) -> dict:
    """The Amazon States Language definition as a plain dict."""
    return build_workflow(pipeline).definition

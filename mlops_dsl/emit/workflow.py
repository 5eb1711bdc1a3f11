"""The Step Functions workflow, built with the SDK's generic state classes.

A pure function of the resolved pipeline: ``workflow_definition(pipeline) -> dict``. Native service
integrations do everything that needs no code (Glue, SageMaker, S3 copy/put/delete, the crawler);
Lambda handlers from ``lambdas/`` do the two jobs that need code: a unique job name, and the
create-or-update decision for an endpoint.
"""
from __future__ import annotations

from ..model import (EXTRACTS_SCORE_KEY, EXTRACTS_TRAIN_PREFIX, MAX_TRAINING_RUNTIME_SECONDS,
                     METADATA_PREFIX, MODEL_PREFIX, PREDICTIONS_PREFIX, TRANSFORM_PREFIX, Pipeline)
from ..dsl import Categorical, Continuous
from . import names as n
from .sdk import Catch, Chain, Choice, ChoiceRule, Fail, Graph, Pass, Retry, Succeed, Task

METRIC_REGEX = "{metric}: ([0-9\\.]+)"  # seed: the metric line the container prints

# Transient errors worth retrying, per integration (names as Step Functions reports them).
LAMBDA_TRANSIENT = ["Lambda.ServiceException", "Lambda.AWSLambdaException",
                    "Lambda.SdkClientException", "Lambda.TooManyRequestsException"]
SAGEMAKER_TRANSIENT = ["SageMaker.AmazonSageMakerException", "SageMaker.ThrottlingException",
                       "SageMaker.SdkClientException"]
GLUE_TRANSIENT = ["Glue.AWSGlueException", "Glue.ThrottlingException", "Glue.SdkClientException"]
S3_TRANSIENT = ["S3.SdkClientException", "S3.S3Exception"]

# State names: what users see in the console and in `run --follow`.
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
CHECK_ENDPOINT = "Check endpoint exists"
ENDPOINT_CHOICE = "Create or update endpoint"
CREATE_ENDPOINT = "Create endpoint"
UPDATE_ENDPOINT = "Update endpoint"
BATCH = "Batch transform"
RENAME = "Rename batch output"
DELETE_RAW = "Delete raw batch output"
CRAWL = "Start output crawler"
DONE = "Done"

JOB = "$.names.JobName"


def _retry(errors: list[str], attempts: int = 3) -> Retry:
    return Retry(error_equals=errors, interval_seconds=5, max_attempts=attempts, backoff_rate=2.0)


def _task(name: str, api: str, parameters: dict, transient: list[str], *, result_path=None,
          result_selector=None, comment=None) -> Task:
    fields = {"resource": n.integration(api), "parameters": parameters, "result_path": result_path}
    if result_selector is not None:
        fields["result_selector"] = result_selector
    if comment:
        fields["comment"] = comment
    return Task(name, retry=_retry(transient), **fields)


def _tags(pipeline: Pipeline) -> list[dict]:
    return [{"Key": key, "Value": value} for key, value in pipeline.tags]


def _vpc_config(pipeline: Pipeline) -> dict | None:
    if not pipeline.private_subnets:
        return None
    return {"SecurityGroupIds": [n.sub(n.TRAINING_SECURITY_GROUP, "GroupId")],
            "Subnets": list(pipeline.private_subnets)}


def _number_text(value) -> str:
    """SageMaker takes range bounds as strings; ``1`` not ``1.0`` for whole numbers."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def parameter_ranges(ranges) -> dict:
    """The ParameterRanges structure of CreateHyperParameterTuningJob."""
    out: dict[str, list] = {"CategoricalParameterRanges": [], "ContinuousParameterRanges": [],
                            "IntegerParameterRanges": []}
    for item in ranges:
        if isinstance(item, Categorical):
            out["CategoricalParameterRanges"].append({"Name": item.name, "Values": list(item.values)})
            continue
        kind = "ContinuousParameterRanges" if isinstance(item, Continuous) else "IntegerParameterRanges"
        out[kind].append({"Name": item.name, "MinValue": _number_text(item.min),
                          "MaxValue": _number_text(item.max), "ScalingType": item.scaling})
    return {kind: items for kind, items in out.items() if items}


def tuning_parameters(pipeline: Pipeline) -> dict:
    """Parameters of the CreateHyperParameterTuningJob task (the heart of the workflow)."""
    tuning, training = pipeline.tuning, pipeline.training
    definition = {
        "AlgorithmSpecification": {
            "TrainingImage": n.image_uri(pipeline),
            "TrainingInputMode": "File",
            "MetricDefinitions": [{"Name": tuning.objective.metric,
                                   "Regex": METRIC_REGEX.format(metric=tuning.objective.metric)}],
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
        "ResourceConfig": {"InstanceType": training.instance_type,
                           "InstanceCount": training.instance_count,
                           "VolumeSizeInGB": training.volume_gb},
        "StoppingCondition": {"MaxRuntimeInSeconds": MAX_TRAINING_RUNTIME_SECONDS},
        "StaticHyperParameters": dict(tuning.static_hyperparameters),
    }
    vpc = _vpc_config(pipeline)
    if vpc:
        definition["VpcConfig"] = vpc
    return {
        "HyperParameterTuningJobName.$": JOB,
        "HyperParameterTuningJobConfig": {
            "Strategy": tuning.strategy,
            "HyperParameterTuningJobObjective": {"Type": tuning.objective.type,
                                                 "MetricName": tuning.objective.metric},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": tuning.max_jobs,
                               "MaxParallelTrainingJobs": tuning.max_parallel_jobs},
            "ParameterRanges": parameter_ranges(tuning.ranges),
        },
        "TrainingJobDefinition": definition,
        "Tags": _tags(pipeline),
    }


def _gate(pipeline: Pipeline, on_pass) -> Choice:
    gate = pipeline.gate
    fail = Fail(BELOW_THRESHOLD, error="MetricBelowThreshold",
                cause=f"The best training job did not pass the deployment gate {gate.describe()} "
                      f"({gate.operator} {gate.threshold:g}); its metrics are in the metadata store.")
    choice = Choice(GATE, comment=f"Deploy only when {gate.describe()}")
    rule = getattr(ChoiceRule, gate.operator)
    choice.add_choice(rule(variable="$.tuning.BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric.Value",
                           value=float(gate.threshold)), next_step=on_pass)
    choice.default_choice(fail)
    return choice


def _endpoint_branch(pipeline: Pipeline) -> Chain:
    deployment = pipeline.deployment
    config = _task(ENDPOINT_CONFIG, "sagemaker:createEndpointConfig", {
        "EndpointConfigName.$": JOB,
        "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName.$": JOB,
                                "InstanceType": deployment.instance_type,
                                "InitialInstanceCount": deployment.instance_count,
                                "InitialVariantWeight": 1}],
        "Tags": _tags(pipeline)}, SAGEMAKER_TRANSIENT)
    check = _task(CHECK_ENDPOINT, "lambda:invoke", {
        "FunctionName": n.sub(n.ENDPOINT_CHECK_FUNCTION, "Arn"),
        "Payload": {"EndpointName": deployment.name}}, LAMBDA_TRANSIENT,
        result_path="$.endpoint", result_selector={"Exists.$": "$.Payload.EndpointExists"})
    create = _task(CREATE_ENDPOINT, "sagemaker:createEndpoint", {
        "EndpointName": deployment.name, "EndpointConfigName.$": JOB, "Tags": _tags(pipeline)},
        SAGEMAKER_TRANSIENT)
    update = _task(UPDATE_ENDPOINT, "sagemaker:updateEndpoint", {
        "EndpointName": deployment.name, "EndpointConfigName.$": JOB}, SAGEMAKER_TRANSIENT)
    choice = Choice(ENDPOINT_CHOICE)
    choice.add_choice(ChoiceRule.BooleanEquals(variable="$.endpoint.Exists", value=True),
                      next_step=update)
    choice.default_choice(create)
    return Chain([config, check, choice])


def _batch_branch(pipeline: Pipeline) -> Chain:
    deployment = pipeline.deployment
    output = n.sub(n.OUTPUT)
    transform = _task(BATCH, "sagemaker:createTransformJob.sync", {
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
        "TransformResources": {"InstanceType": deployment.instance_type,
                               "InstanceCount": deployment.instance_count},
        "Tags": _tags(pipeline)}, SAGEMAKER_TRANSIENT)
    result_name = EXTRACTS_SCORE_KEY.rsplit("/", 1)[-1] + ".out"
    rename = _task(RENAME, "aws-sdk:s3:copyObject", {
        "Bucket": output,
        "CopySource.$": f"States.Format('{output}/{TRANSFORM_PREFIX}{{}}/{result_name}', {JOB})",
        "Key.$": f"States.Format('{PREDICTIONS_PREFIX}{{}}/out.csv', {JOB})"}, S3_TRANSIENT,
        comment="The seed's rename of score.csv.out to out.csv, one folder per run for Athena")
    delete = _task(DELETE_RAW, "aws-sdk:s3:deleteObject", {
        "Bucket": output,
        "Key.$": f"States.Format('{TRANSFORM_PREFIX}{{}}/{result_name}', {JOB})"}, S3_TRANSIENT)
    done = Succeed(DONE)
    crawl = Task(CRAWL, resource=n.integration("aws-sdk:glue:startCrawler"),
                 parameters={"Name": pipeline.crawler_name}, result_path=None,
                 retry=[_retry(["Glue.CrawlerRunningException"], attempts=6), _retry(GLUE_TRANSIENT)],
                 catch=Catch(error_equals=["Glue.CrawlerRunningException"], next_step=done,
                             result_path="$.crawler"))
    return Chain([transform, rename, delete, crawl, done])


def workflow_graph(pipeline: Pipeline) -> Graph:
    """The whole workflow as an SDK Graph."""
    feature_store = n.feature_store_name(pipeline)
    transform = _task(TRANSFORM, "glue:startJobRun.sync", {
        "JobName": pipeline.glue_job_name,
        "Arguments": {
            "--S3_SOURCE": feature_store,
            "--S3_DEST": n.sub(n.EXTRACTS),
            "--TRAIN_KEY": pipeline.train_key,
            "--SCORE_KEY": pipeline.score_key,
            "--INFERENCE_TYPE": "endpoint" if pipeline.is_endpoint else "batch"}},
        GLUE_TRANSIENT, result_path="$.transform",
        result_selector={"JobRunId.$": "$.Id", "JobRunState.$": "$.JobRunState"})
    job_name = _task(JOB_NAME, "lambda:invoke", {
        "FunctionName": n.sub(n.JOB_NAME_FUNCTION, "Arn"),
        "Payload": {"prefix": pipeline.job_name, "execution.$": "$$.Execution.Name"}},
        LAMBDA_TRANSIENT, result_path="$.names", result_selector={"JobName.$": "$.Payload.JobName"})
    tune = _task(TUNE, "sagemaker:createHyperParameterTuningJob.sync", tuning_parameters(pipeline),
                 SAGEMAKER_TRANSIENT, result_path="$.tuning", result_selector={
                     "HyperParameterTuningJobName.$": "$.HyperParameterTuningJobName",
                     "BestTrainingJob.$": "$.BestTrainingJob",
                     "TrainingJobStatusCounters.$": "$.TrainingJobStatusCounters"})
    best = _task(BEST_JOB, "aws-sdk:sagemaker:describeTrainingJob", {
        "TrainingJobName.$": "$.tuning.BestTrainingJob.TrainingJobName"}, SAGEMAKER_TRANSIENT,
        result_path="$.best", result_selector={
            "ModelArtifact.$": "$.ModelArtifacts.S3ModelArtifacts",
            "FinalMetrics.$": "$.FinalMetricDataList"})
    # The run's metadata is assembled first, then written as JSON text: S3's Body takes a string.
    metadata = Pass(ASSEMBLE_METADATA, result_path="$.metadata", parameters={
        "JobName.$": JOB, "Tuning.$": "$.tuning", "BestModel.$": "$.best",
        "Transform.$": "$.transform", "Execution.$": "$$.Execution.Id",
        "StartTime.$": "$$.Execution.StartTime"})
    log = _task(LOG_METADATA, "aws-sdk:s3:putObject", {
        "Bucket": n.sub(n.METADATA),
        "Key.$": f"States.Format('{METADATA_PREFIX}{{}}.json', {JOB})",
        "ContentType": "application/json",
        "Body.$": "States.JsonToString($.metadata)"}, S3_TRANSIENT)
    model_parameters = {
        "ModelName.$": JOB,
        "ExecutionRoleArn": n.sub(n.SAGEMAKER_ROLE, "Arn"),
        "PrimaryContainer": {"Image": n.image_uri(pipeline), "ModelDataUrl.$": "$.best.ModelArtifact"},
        "Tags": _tags(pipeline)}
    vpc = _vpc_config(pipeline)
    if vpc:
        model_parameters["VpcConfig"] = vpc
    create_model = _task(CREATE_MODEL, "sagemaker:createModel", model_parameters, SAGEMAKER_TRANSIENT)
    deploy = _endpoint_branch(pipeline) if pipeline.is_endpoint else _batch_branch(pipeline)
    Chain([create_model, deploy])
    gate = _gate(pipeline, create_model)
    return Graph(Chain([transform, job_name, tune, best, metadata, log, gate]),
                 comment=f"mlops_dsl pipeline {pipeline.name}: transform, tune, gate "
                         f"({pipeline.gate.describe()}), "
                         f"{'endpoint' if pipeline.is_endpoint else 'batch transform'}")


def workflow_definition(pipeline: Pipeline) -> dict:
    """The Amazon States Language definition as a plain dict."""
    return workflow_graph(pipeline).to_dict()

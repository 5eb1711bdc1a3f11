"""One IAM role per service principal, each granted only what its service calls for this pipeline.

The reference module shares one role across Step Functions, Lambda and SageMaker and grants ``*``.
Here every statement names this stack's buckets (by key prefix where the workflow uses one), jobs,
functions and state machine. Where AWS has no resource-level permission for an action, the
statement uses ``*`` and says why next to it.
"""
from __future__ import annotations

from troposphere import GetAtt, Ref, Sub
from troposphere.iam import Policy, Role

from ..model import (EXTRACTS_SCORE_KEY, EXTRACTS_TRAIN_PREFIX, METADATA_PREFIX, MODEL_PREFIX,
                     PREDICTIONS_PREFIX, TRANSFORM_PREFIX, Pipeline)
from . import names as n

ARN = f"arn:{n.PARTITION}"
SAGEMAKER_ARN = f"{ARN}:sagemaker:{n.REGION}:{n.ACCOUNT}"
GLUE_ARN = f"{ARN}:glue:{n.REGION}:{n.ACCOUNT}"
LOGS_ARN = f"{ARN}:logs:{n.REGION}:{n.ACCOUNT}:log-group"
EC2_ARN = f"{ARN}:ec2:{n.REGION}:{n.ACCOUNT}"
KMS_USE = ["kms:Decrypt", "kms:GenerateDataKey"]  # read and write objects under SSE-KMS


def bucket_arn(bucket: str, path: str | None = None) -> Sub:
    """ARN of a bucket (``path`` None) or of objects under ``path`` (e.g. ``models/*``)."""
    suffix = "" if path is None else "/" + path
    return Sub(f"{ARN}:s3:::{bucket}{suffix}")


def _one_or_list(items: list):
    """IAM takes one action or resource as a plain string: ~1 KB less template per pipeline."""
    return items[0] if len(items) == 1 else items


def _statement(actions, resources, condition=None) -> dict:
    statement = {"Effect": "Allow", "Action": _one_or_list(sorted(actions)),
                 "Resource": _one_or_list(list(resources))}
    if condition:
        statement["Condition"] = condition
    return statement


def _role(logical_id: str, service: str, statements: list[dict], pipeline: Pipeline,
          description: str) -> Role:
    return Role(
        logical_id,
        Description=description,
        AssumeRolePolicyDocument={"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]},
        Policies=[Policy(PolicyName="least-privilege",
                         PolicyDocument={"Version": "2012-10-17", "Statement": statements})],
        Tags=[{"Key": k, "Value": v} for k, v in pipeline.tags],
    )


def _network_interfaces(pipeline: Pipeline, manage: list[str], describe: list[str]) -> list[dict]:
    """A VPC service's grants: create network interfaces only in this stack's security group and
    subnets, ``manage`` them, and ``describe`` what EC2 describes only on ``*``."""
    interfaces = Sub(f"{EC2_ARN}:network-interface/*")
    placement = [Sub(f"{EC2_ARN}:security-group/{n.sub(n.TRAINING_SECURITY_GROUP, 'GroupId')}"),
                 *[Sub(f"{EC2_ARN}:subnet/{subnet}") for subnet in pipeline.private_subnets]]
    return [
        _statement(["ec2:CreateNetworkInterface"], [interfaces, *placement]),
        _statement(manage, [interfaces]),
        # EC2 Describe* calls support no resource-level permissions.
        _statement(describe, ["*"]),
    ]


def _kms(pipeline: Pipeline, actions=KMS_USE) -> list[dict]:
    """Use of the pipeline's customer-managed key, when it has one (``kms_key_arn``)."""
    key = pipeline.kms_key_arn
    return [_statement(actions, [key])] if key else []


def log_group_name(pipeline: Pipeline) -> str:
    """The pipeline's one log group (mirrors emit.template.log_group_name; no import cycle)."""
    return f"/aws/vendedlogs/states/{pipeline.state_machine_name}"


def function_name(pipeline: Pipeline, purpose: str) -> str:
    """Explicit Lambda names, so log groups and grants can name them without a dependency cycle."""
    return f"{pipeline.name_prefix}-{purpose}"


def _job_prefix(pipeline: Pipeline) -> str:
    # SageMaker ARNs hold names in lower case; every job and model name starts with job_name.
    return pipeline.job_name.lower()


def glue_role(pipeline: Pipeline) -> Role:
    """Runs the transform job (reads the feature store, writes extracts) and the output crawler."""
    fs = n.feature_store_name(pipeline)
    # ListBucket lets the transform tell a missing input (NoSuchKey) from a denied one.
    statements = [
        _statement(["s3:GetObject"], [bucket_arn(fs, "data/*"),
                                      bucket_arn(n.sub(n.SOURCE_REPOSITORY), "assets/*")]),
        _statement(["s3:ListBucket"], [bucket_arn(fs)]),
        _statement(["s3:PutObject"], [bucket_arn(n.sub(n.EXTRACTS), "*")]),
    ]
    if not pipeline.is_endpoint:  # the output crawler exists for batch transform only
        database = pipeline.database_name
        statements += [
            _statement(["s3:ListBucket"], [bucket_arn(n.sub(n.OUTPUT))]),
            _statement(["s3:GetObject"], [bucket_arn(n.sub(n.OUTPUT), PREDICTIONS_PREFIX + "*")]),
            _statement(["glue:BatchCreatePartition", "glue:BatchGetPartition",
                        "glue:CreatePartition", "glue:CreateTable", "glue:GetDatabase",
                        "glue:GetPartition", "glue:GetPartitions", "glue:GetTable", "glue:GetTables",
                        "glue:UpdatePartition", "glue:UpdateTable"],
                       [Sub(f"{GLUE_ARN}:catalog"), Sub(f"{GLUE_ARN}:database/{database}"),
                        Sub(f"{GLUE_ARN}:table/{database}/*")]),
        ]
    statements += [
        # With a security configuration Glue logs to /aws-glue/jobs/<configuration>-role/...
        _statement(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
                   + (["logs:AssociateKmsKey"] if pipeline.kms_key_arn else []),
                   [Sub(f"{LOGS_ARN}:/aws-glue/*")]),
        *_kms(pipeline),
    ]
    return _role(n.GLUE_ROLE, "glue.amazonaws.com", statements, pipeline,
                 "Glue transform job and output crawler")


def sagemaker_role(pipeline: Pipeline) -> Role:
    """Runs training jobs, the model and the batch transform."""
    batch = not pipeline.is_endpoint  # the batch transform reads the scores, writes the output
    statements = [
        _statement(["s3:GetObject"], [bucket_arn(n.sub(n.EXTRACTS), EXTRACTS_TRAIN_PREFIX + "*"),
                                      *([bucket_arn(n.sub(n.EXTRACTS), EXTRACTS_SCORE_KEY)] if batch else []),
                                      bucket_arn(n.sub(n.MODEL_STORE), MODEL_PREFIX + "*")]),
        _statement(["s3:ListBucket"], [bucket_arn(n.sub(n.EXTRACTS))]),
        _statement(["s3:AbortMultipartUpload", "s3:PutObject"],
                   [bucket_arn(n.sub(n.MODEL_STORE), MODEL_PREFIX + "*"),
                    *([bucket_arn(n.sub(n.OUTPUT), TRANSFORM_PREFIX + "*")] if batch else [])]),
        _statement(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams",
                    "logs:PutLogEvents"], [Sub(f"{LOGS_ARN}:/aws/sagemaker/*")]),
        # cloudwatch:PutMetricData has no resource-level permissions; limited by namespace instead.
        _statement(["cloudwatch:PutMetricData"], ["*"],
                   {"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}}),
        *_kms(pipeline),
    ]
    if pipeline.byo_image is not None:
        statements += [
            _statement(["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage",
                        "ecr:GetDownloadUrlForLayer"],
                       [Sub(f"{ARN}:ecr:{n.REGION}:{n.ACCOUNT}:repository/{pipeline.byo_image.name}")]),
            # ecr:GetAuthorizationToken is account-wide by design: it has no resource ARN.
            _statement(["ecr:GetAuthorizationToken"], ["*"]),
        ]
    if pipeline.private_subnets:
        # VPC jobs: SageMaker creates network interfaces in this stack's subnets and security group.
        statements += _network_interfaces(
            pipeline, ["ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface",
                       "ec2:DeleteNetworkInterfacePermission"],
            ["ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces",
             "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs"])
    return _role(n.SAGEMAKER_ROLE, "sagemaker.amazonaws.com", statements, pipeline,
                 "SageMaker training jobs, model and batch transform")


def lambda_role(pipeline: Pipeline) -> Role:
    """The two handlers: job names need nothing; the endpoint check describes one endpoint."""
    statements = []
    if pipeline.is_endpoint:
        statements.append(_statement(["sagemaker:DescribeEndpoint"], [
            Sub(f"{SAGEMAKER_ARN}:endpoint/{pipeline.deployment.name.lower()}")]))
    if pipeline.private_subnets:
        # VPC functions: Lambda creates and removes their network interfaces as this role.
        # DescribeSubnets is in AWSLambdaVPCAccessExecutionRole (v3) besides the five actions
        # Lambda's guide lists.
        statements += _network_interfaces(
            pipeline, ["ec2:AssignPrivateIpAddresses", "ec2:DeleteNetworkInterface",
                       "ec2:UnassignPrivateIpAddresses"],
            ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"])
    # The handlers log to the pipeline's one log group (Lambda LoggingConfig), which the stack creates.
    statements.append(_statement(["logs:CreateLogStream", "logs:PutLogEvents"],
                                 [Sub(f"{LOGS_ARN}:{log_group_name(pipeline)}:*")]))
    return _role(n.LAMBDA_ROLE, "lambda.amazonaws.com", statements, pipeline,
                 "Workflow Lambda handlers")


def states_role(pipeline: Pipeline) -> Role:
    """The state machine: exactly the integrations its states call."""
    job = _job_prefix(pipeline)
    functions = [Sub(f"{ARN}:lambda:{n.REGION}:{n.ACCOUNT}:function:{function_name(pipeline, 'job-name')}")]
    if pipeline.is_endpoint:
        functions.append(Sub(f"{ARN}:lambda:{n.REGION}:{n.ACCOUNT}:function:"
                             f"{function_name(pipeline, 'endpoint-check')}"))
    statements = [
        _statement(["glue:BatchStopJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:StartJobRun"],
                   [Sub(f"{GLUE_ARN}:job/{pipeline.glue_job_name}")]),
        _statement(["lambda:InvokeFunction"], functions),
        _statement(["sagemaker:AddTags", "sagemaker:CreateHyperParameterTuningJob",
                    "sagemaker:DescribeHyperParameterTuningJob",
                    "sagemaker:ListTrainingJobsForHyperParameterTuningJob",
                    "sagemaker:StopHyperParameterTuningJob"],
                   [Sub(f"{SAGEMAKER_ARN}:hyper-parameter-tuning-job/{job}*"),
                    Sub(f"{SAGEMAKER_ARN}:training-job/{job}*")]),
        # ListTags: AWS's policy for the .sync SageMaker integrations includes it.
        _statement(["sagemaker:ListTags"], [Sub(f"{SAGEMAKER_ARN}:hyper-parameter-tuning-job/{job}*")]),
        _statement(["sagemaker:DescribeTrainingJob"], [Sub(f"{SAGEMAKER_ARN}:training-job/{job}*")]),
        _statement(["s3:PutObject"], [bucket_arn(n.sub(n.METADATA), METADATA_PREFIX + "*")]),
        _statement(["sagemaker:AddTags", "sagemaker:CreateModel"], [Sub(f"{SAGEMAKER_ARN}:model/{job}*")]),
    ]
    rules = ["StepFunctionsGetEventsForSageMakerTuningJobsRule"]
    if pipeline.is_endpoint:
        name = pipeline.deployment.name.lower()
        configs = Sub(f"{SAGEMAKER_ARN}:endpoint-config/{job}*")
        statements += [
            _statement(["sagemaker:AddTags", "sagemaker:CreateEndpointConfig"], [configs]),
            # CreateEndpoint and UpdateEndpoint authorize on the endpoint and on its config.
            _statement(["sagemaker:AddTags", "sagemaker:CreateEndpoint", "sagemaker:UpdateEndpoint"],
                       [Sub(f"{SAGEMAKER_ARN}:endpoint/{name}"), configs]),
        ]
    else:
        rules.append("StepFunctionsGetEventsForSageMakerTransformJobsRule")
        statements += [
            _statement(["sagemaker:AddTags", "sagemaker:CreateTransformJob",
                        "sagemaker:DescribeTransformJob", "sagemaker:ListTags",
                        "sagemaker:StopTransformJob"],
                       [Sub(f"{SAGEMAKER_ARN}:transform-job/{job}*")]),
            _statement(["s3:DeleteObject", "s3:GetObject"],
                       [bucket_arn(n.sub(n.OUTPUT), TRANSFORM_PREFIX + "*")]),
            _statement(["s3:PutObject"], [bucket_arn(n.sub(n.OUTPUT), PREDICTIONS_PREFIX + "*")]),
            _statement(["glue:StartCrawler"], [Sub(f"{GLUE_ARN}:crawler/{pipeline.crawler_name}")]),
        ]
    # Statements in the order the workflow first needs them; the roles it passes come after.
    statements.append(_statement(["iam:PassRole"], [GetAtt(n.SAGEMAKER_ROLE, "Arn")],
                                 {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}))
    # .sync SageMaker integrations watch jobs through these Step Functions-managed EventBridge rules.
    statements.append(_statement(["events:DescribeRule", "events:PutRule", "events:PutTargets"],
                                 [Sub(f"{ARN}:events:{n.REGION}:{n.ACCOUNT}:rule/{rule}") for rule in rules]))
    # X-Ray tracing of the state machine: X-Ray actions have no resource-level permissions.
    statements.append(_statement(["xray:GetSamplingRules", "xray:GetSamplingTargets",
                                  "xray:PutTelemetryRecords", "xray:PutTraceSegments"], ["*"]))
    statements += _kms(pipeline)
    # CloudWatch Logs delivery for state machine logging has no resource-level permissions.
    statements.append(_statement(["logs:CreateLogDelivery", "logs:DeleteLogDelivery",
                                  "logs:DescribeLogGroups", "logs:DescribeResourcePolicies",
                                  "logs:GetLogDelivery", "logs:ListLogDeliveries",
                                  "logs:PutResourcePolicy", "logs:UpdateLogDelivery"], ["*"]))
    return _role(n.STATES_ROLE, "states.amazonaws.com", statements, pipeline,
                 "Step Functions state machine")


def trigger_role(pipeline: Pipeline) -> Role:
    """EventBridge: start an execution when training data lands."""
    return _role(n.EVENTS_ROLE, "events.amazonaws.com",
                 [_statement(["states:StartExecution"], [Ref(n.STATE_MACHINE)])], pipeline,
                 "Starts the pipeline when training data lands")


def roles(pipeline: Pipeline) -> list[Role]:
    """Every role of the stack."""
    return [glue_role(pipeline), sagemaker_role(pipeline), lambda_role(pipeline),
            states_role(pipeline), trigger_role(pipeline)]

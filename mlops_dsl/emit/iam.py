"""One IAM role per service principal, each granted only what its service calls for this pipeline.

The reference module shares one role across Step Functions, Lambda and SageMaker and grants ``*``.
Here every statement names this stack's buckets (by key prefix where the workflow uses one), jobs,
functions and state machine. The state machine's role is the union of its tasks' grants
(``emit.tasks``): each task says what calling it needs. Where AWS has no resource-level permission
for an action, the statement uses ``*`` and says why next to it.
"""
from __future__ import annotations

from troposphere import GetAtt, Ref, Sub
from troposphere.iam import Policy, Role

from ..asl.fn_sub import escape
from ..model import Pipeline
from ..model.images import parse_ecr_uri
from ..model.layout import (ASSETS_PREFIX, CHECKPOINT_PREFIX, EXTRACTS_SCORE_KEY,
                            EXTRACTS_TRAIN_PREFIX, MODEL_PREFIX, PREDICTIONS_PREFIX,
                            TRANSFORM_PREFIX)
from . import arns
from . import names as n
from .tasks import Grant, Integration

KMS_USE = ["kms:Decrypt", "kms:GenerateDataKey"]  # read and write objects under SSE-KMS


def bucket_arn(bucket: str, path: str | None = None) -> Sub:
    """ARN of a bucket (``path`` None) or of objects under ``path`` (e.g. ``models/*``)."""
    return Sub(arns.bucket(bucket, path))


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
    interfaces = Sub(arns.ec2("network-interface/*"))
    placement = [Sub(arns.ec2(f"security-group/{n.sub(n.TRAINING_SECURITY_GROUP, 'GroupId')}")),
                 *[Sub(arns.ec2(f"subnet/{escape(subnet)}")) for subnet in pipeline.private_subnets]]
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


def glue_role(pipeline: Pipeline) -> Role:
    """Runs the transform job (reads the feature store, writes extracts) and the output crawler."""
    fs = n.feature_store_name(pipeline)
    # ListBucket lets the transform tell a missing input (NoSuchKey) from a denied one.
    statements = [
        _statement(["s3:GetObject"], [bucket_arn(fs, "data/*"),
                                      bucket_arn(n.sub(n.SOURCE_REPOSITORY), ASSETS_PREFIX + "*")]),
        _statement(["s3:ListBucket"], [bucket_arn(fs)]),
        _statement(["s3:PutObject"], [bucket_arn(n.sub(n.EXTRACTS), "*")]),
    ]
    if not pipeline.is_endpoint:  # the output crawler exists for batch transform only
        database = pipeline.names.database
        statements += [
            _statement(["s3:ListBucket"], [bucket_arn(n.sub(n.OUTPUT))]),
            _statement(["s3:GetObject"], [bucket_arn(n.sub(n.OUTPUT), PREDICTIONS_PREFIX + "*")]),
            # GetDatabase authorizes on the catalog and the database; the table and partition
            # calls also on the tables (Service Authorization Reference, AWS Glue).
            _statement(["glue:GetDatabase"], [Sub(arns.glue("catalog", "")),
                                              Sub(arns.glue("database", database))]),
            _statement(["glue:BatchCreatePartition", "glue:BatchGetPartition",
                        "glue:CreatePartition", "glue:CreateTable",
                        "glue:GetPartition", "glue:GetPartitions", "glue:GetTable", "glue:GetTables",
                        "glue:UpdatePartition", "glue:UpdateTable"],
                       [Sub(arns.glue("catalog", "")), Sub(arns.glue("database", database)),
                        Sub(arns.glue("table", f"{database}/*"))]),
        ]
    statements += [
        # With a security configuration Glue logs to /aws-glue/jobs/<configuration>-role/...
        _statement(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
                   + (["logs:AssociateKmsKey"] if pipeline.kms_key_arn else []),
                   [Sub(arns.log_group("/aws-glue/*"))]),
        *_kms(pipeline),
    ]
    return _role(n.GLUE_ROLE, "glue.amazonaws.com", statements, pipeline,
                 "Glue transform job and output crawler")


def drift_role(pipeline: Pipeline) -> Role:
    """Runs the drift check job (``emit.drift``): its grants are listed there, beside the job."""
    from . import drift

    return _role(n.DRIFT_ROLE, "glue.amazonaws.com", drift.role_statements(pipeline, _statement, _kms),
                 pipeline, "Glue data-drift check job")


def _image_repository(pipeline: Pipeline) -> str | None:
    """The ARN (an Fn::Sub string) of the model image's ECR repository: this stack's, or the
    one a built-in image's URI names (in its own account and region)."""
    if pipeline.byo_image is not None:
        return arns.ecr_repository(pipeline.names.ecr_repository)
    image = parse_ecr_uri(pipeline.builtin_image_uri or "")
    if image is None:
        return None
    return f"{arns.ARN}:ecr:{image.region}:{image.account}:repository/{image.repository}"


def _checkpoints(pipeline: Pipeline) -> list[dict]:
    """Managed spot training: a job uploads its checkpoints and, restarted after an
    interruption, lists and downloads them again ("Managed Spot Training in Amazon SageMaker AI")."""
    if not pipeline.limits.spot:
        return []
    # "If a checkpoint is deleted in the SageMaker AI container, it will also be deleted in the
    # S3 folder" ("Checkpoints in Amazon SageMaker AI"): the sync deletes too.
    return [_statement(["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject",
                        "s3:PutObject"],
                       [bucket_arn(n.sub(n.MODEL_STORE), CHECKPOINT_PREFIX + "*")]),
            _statement(["s3:ListBucket"], [bucket_arn(n.sub(n.MODEL_STORE))],
                       {"StringLike": {"s3:prefix": CHECKPOINT_PREFIX + "*"}})]


def _rollback_alarms(pipeline: Pipeline) -> list[dict]:
    """A guarded update: SageMaker itself watches the auto-rollback alarms, as the endpoint's
    execution role ("Ensure that your IAM execution role has permission to perform the
    cloudwatch:DescribeAlarms action on the auto-rollback alarms you specify", SageMaker
    deployment guardrails, auto-rollback configuration)."""
    if pipeline.rollout is None:
        return []
    from .production import alarm_names

    return [_statement(["cloudwatch:DescribeAlarms"],
                       [Sub(arns.alarm(name)) for name in alarm_names(pipeline)])]


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
                    "logs:PutLogEvents"], [Sub(arns.log_group("/aws/sagemaker/*"))]),
        # cloudwatch:PutMetricData has no resource-level permissions; limited by namespace instead.
        _statement(["cloudwatch:PutMetricData"], ["*"],
                   {"StringLike": {"cloudwatch:namespace": "/aws/sagemaker/*"}}),
        *_kms(pipeline),
        *_checkpoints(pipeline),
        *_rollback_alarms(pipeline),
    ]
    repository = _image_repository(pipeline)
    if repository is not None:
        # Pull the model image: the three read actions on its repository ("How to use SageMaker
        # execution roles"); ecr:GetAuthorizationToken is account-wide by design (no resource ARN).
        statements += [
            _statement(["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage",
                        "ecr:GetDownloadUrlForLayer"], [Sub(repository)]),
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
            Sub(arns.sagemaker("endpoint", pipeline.deployment.name.lower()))]))
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
                                 [Sub(arns.log_group(pipeline.names.log_group) + ":*")]))
    return _role(n.LAMBDA_ROLE, "lambda.amazonaws.com", statements, pipeline,
                 "Workflow Lambda handlers")


def task_grants(tasks: list[Integration]) -> list[Grant]:
    """The union of the tasks' grants, in the order the workflow first needs them.

    Two merges keep the policy short without widening it: grants of one kind of task with the same
    actions join their resources (the two Lambda handlers), and grants on the same resources join
    their actions (create and update of one endpoint; copy and delete of the raw batch output).
    """
    merged: list[Grant] = []
    by_api: dict[tuple, int] = {}
    by_resources: dict[tuple, int] = {}
    for task in tasks:
        for grant in task.grants():
            condition = repr(grant.condition)
            api_key = (task.API, tuple(sorted(grant.actions)), condition)
            resources_key = (grant.resources, condition)
            if api_key in by_api:
                index = by_api[api_key]
                old = merged[index]
                resources = old.resources + tuple(r for r in grant.resources if r not in old.resources)
                merged[index] = Grant(old.actions, resources, old.condition)
            elif resources_key in by_resources:
                index = by_resources[resources_key]
                old = merged[index]
                merged[index] = Grant(tuple(sorted(set(old.actions) | set(grant.actions))),
                                      old.resources, old.condition)
            else:
                index = len(merged)
                merged.append(grant)
            by_api[api_key] = index
            by_resources[(merged[index].resources, condition)] = index
    return merged


def states_role(pipeline: Pipeline, tasks: list[Integration]) -> Role:
    """The state machine: exactly the integrations its states call."""
    statements = [_statement(g.actions, [Sub(r) for r in g.resources], g.condition)
                  for g in task_grants(tasks)]
    passed = sorted({role for task in tasks for role in task.PASSES})
    for logical_id, service in passed:
        statements.append(_statement(["iam:PassRole"], [GetAtt(logical_id, "Arn")],
                                     {"StringEquals": {"iam:PassedToService": service}}))
    rules = list(dict.fromkeys(rule for task in tasks for rule in task.RULES))
    if rules:
        # .sync SageMaker integrations watch jobs through these Step Functions-managed rules.
        statements.append(_statement(["events:DescribeRule", "events:PutRule", "events:PutTargets"],
                                     [Sub(arns.events_rule(rule)) for rule in rules]))
    # X-Ray tracing of the state machine: X-Ray actions have no resource-level permissions.
    statements.append(_statement(["xray:GetSamplingRules", "xray:GetSamplingTargets",
                                  "xray:PutTelemetryRecords", "xray:PutTraceSegments"], ["*"]))
    statements += _kms(pipeline)
    if pipeline.notifications is not None and not pipeline.kms_key_arn:
        # Publishing to the topic encrypts the message with the topic's own key.
        statements.append(_statement(KMS_USE, [GetAtt(n.TOPIC_KEY, "Arn")]))
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


def roles(pipeline: Pipeline, tasks: list[Integration]) -> list[Role]:
    """Every role of the stack."""
    drift = [drift_role(pipeline)] if pipeline.drift is not None else []
    return [glue_role(pipeline), *drift, sagemaker_role(pipeline), lambda_role(pipeline),
            states_role(pipeline, tasks), trigger_role(pipeline)]

"""What AWS documents about the permissions this pipeline's services need: the least-privilege
oracle's knowledge, kept apart from mlops_dsl/emit/iam.py.

Two sources, neither of them our code:

- ``ServiceAuthorization``: the Service Authorization Reference
  (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html)
  as data: which IAM actions exist, the resource types each one authorizes on (required ones are
  marked ``*``), their ARN formats, the actions they depend on, and the actions that take only
  ``"*"``. parliament ships it as ``iam_definition.json``; the security tools' virtualenv has it.
- The tables below, each a transcription of the AWS page named beside it (``page``). They say
  *which* actions a service calls; the reference says *on what*. Where a page grants ``"*"`` for an
  action that takes resource ARNs, the oracle narrows it to the resource this pipeline uses.

If iam.py and these disagree, test_least_privilege.py fails; a page that changes is fixed here.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

SFN_GUIDE = "https://docs.aws.amazon.com/step-functions/latest/dg"
SAGEMAKER_GUIDE = "https://docs.aws.amazon.com/sagemaker/latest/dg"


@dataclass(frozen=True)
class Documented:
    """The actions one AWS page lists for one purpose."""

    page: str
    actions: tuple[str, ...]


@dataclass(frozen=True)
class Integration(Documented):
    """What Step Functions calls for one optimized integration: ``actions`` act on the resources
    the Task names (its job, function, model...); ``rule`` is the managed EventBridge rule a
    ``.sync`` integration watches the job with."""

    rule: str | None = None


# Optimized integrations, keyed by the Task's Resource as the guide writes it
# (arn:aws:states:::<key>). A Task whose key is missing fails the test: add the page that says
# what it calls. Request-response integrations call the API of the same name.
INTEGRATIONS = {
    "glue:startJobRun.sync": Integration(
        f"{SFN_GUIDE}/glue-iam.html",
        ("glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun")),
    "lambda:invoke": Integration(f"{SFN_GUIDE}/lambda-iam.html", ("lambda:InvokeFunction",)),
    "sagemaker:createTransformJob.sync": Integration(
        f"{SFN_GUIDE}/sagemaker-iam.html#sagemaker-iam-createtransformjob",
        ("sagemaker:CreateTransformJob", "sagemaker:DescribeTransformJob",
         "sagemaker:StopTransformJob", "sagemaker:ListTags"),
        rule="StepFunctionsGetEventsForSageMakerTransformJobsRule"),
    # connect-sagemaker.html lists CreateHyperParameterTuningJob with the .sync pattern; its policy
    # is sagemaker-iam.html's .sync template for SageMaker jobs (create, describe and stop the
    # job, ListTags, the managed rule). The rule's name is the one AWS's Data Science SDK examples
    # grant (amazon-sagemaker-examples, step-functions-data-science-sdk: the execution role policy).
    "sagemaker:createHyperParameterTuningJob.sync": Integration(
        f"{SFN_GUIDE}/connect-sagemaker.html",
        ("sagemaker:CreateHyperParameterTuningJob", "sagemaker:DescribeHyperParameterTuningJob",
         "sagemaker:StopHyperParameterTuningJob", "sagemaker:ListTags"),
        rule="StepFunctionsGetEventsForSageMakerTuningJobsRule"),
    "sagemaker:createModel": Integration(f"{SFN_GUIDE}/connect-sagemaker.html",
                                         ("sagemaker:CreateModel",)),
    "sagemaker:createEndpointConfig": Integration(f"{SFN_GUIDE}/connect-sagemaker.html",
                                                  ("sagemaker:CreateEndpointConfig",)),
    "sagemaker:createEndpoint": Integration(f"{SFN_GUIDE}/connect-sagemaker.html",
                                            ("sagemaker:CreateEndpoint",)),
    "sagemaker:updateEndpoint": Integration(f"{SFN_GUIDE}/connect-sagemaker.html",
                                            ("sagemaker:UpdateEndpoint",)),
    # sns-iam.html: Publish, for the request-response and the callback (.waitForTaskToken) forms
    "sns:publish": Integration(f"{SFN_GUIDE}/sns-iam.html", ("sns:Publish",)),
    "sns:publish.waitForTaskToken": Integration(f"{SFN_GUIDE}/sns-iam.html", ("sns:Publish",)),
}
# An update with auto-rollback: "your IAM execution role has permission to perform the
# cloudwatch:DescribeAlarms action on the auto-rollback alarms you specify"
ROLLBACK_ALARMS = Documented(f"{SAGEMAKER_GUIDE}/deployment-guardrails-configuration.html",
                             ("cloudwatch:DescribeAlarms",))
# Publishing to a topic encrypted with a customer-managed key: the publisher needs GenerateDataKey
# and Decrypt on it (sns-key-management.html, "Configuring KMS permissions for AWS services").
TOPIC_KEY = Documented("https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html",
                       ("kms:Decrypt", "kms:GenerateDataKey"))
# The managed rule's own calls (every .sync policy on sagemaker-iam.html has this statement).
SYNC_RULE = Documented(f"{SFN_GUIDE}/sagemaker-iam.html",
                       ("events:PutTargets", "events:PutRule", "events:DescribeRule"))
# AWS SDK integrations (arn:aws:states:::aws-sdk:<service>:<apiAction>) need the IAM action of the
# API they call (supported-services-awssdk.html); these APIs authorize with other actions instead.
SDK_ACTIONS = {
    # "you must have s3:GetObject on the source object and s3:PutObject on the destination"
    "s3:CopyObject": Documented("https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html",
                                ("s3:GetObject", "s3:PutObject")),
    # A version of a model package group is model-package/<group>/<version> (CreateModelPackage's
    # ModelPackageArn), and the action authorizes on it and on the group.
    "sagemaker:CreateModelPackage": Documented(
        "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModelPackage.html",
        ("sagemaker:CreateModelPackage",)),
}
LOGGING = Documented(f"{SFN_GUIDE}/cw-logs.html#cloudwatch-iam-policy",
                     ("logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
                      "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
                      "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"))
TRACING = Documented(f"{SFN_GUIDE}/xray-iam.html",
                     ("xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                      "xray:GetSamplingTargets"))

# The SageMaker execution role, per API (sagemaker-roles.html, "<API> API: Execution Role
# Permissions", the scoped-down form): metrics and logs, the data channels, the image, a VPC.
_ROLES = f"{SAGEMAKER_GUIDE}/sagemaker-roles.html"
SAGEMAKER_METRICS = Documented(f"{_ROLES}#sagemaker-roles-createhyperparametertiningjob-perms",
                               ("cloudwatch:PutMetricData",))
SAGEMAKER_LOGS = Documented(f"{_ROLES}#sagemaker-roles-createhyperparametertiningjob-perms",
                            ("logs:CreateLogStream", "logs:PutLogEvents", "logs:CreateLogGroup",
                             "logs:DescribeLogStreams"))
# Where SageMaker writes those logs, per kind of job (logging-cloudwatch.html).
SAGEMAKER_LOG_GROUPS = Documented(f"{SAGEMAKER_GUIDE}/logging-cloudwatch.html",
                                  ("/aws/sagemaker/TrainingJobs", "/aws/sagemaker/TransformJobs",
                                   "/aws/sagemaker/Endpoints/"))
SAGEMAKER_READ = Documented(f"{_ROLES}#sagemaker-roles-createtrainingjob-perms",
                            ("s3:GetObject",))  # InputDataConfig S3Uri; ModelDataUrl
SAGEMAKER_LIST = Documented(f"{_ROLES}#sagemaker-roles-createtrainingjob-perms",
                            ("s3:ListBucket",))  # "the bucket of InputDataConfig...S3Uri"
SAGEMAKER_WRITE = Documented(f"{_ROLES}#sagemaker-roles-get-execution-role-s3",
                             ("s3:PutObject", "s3:AbortMultipartUpload"))  # S3OutputPath
SAGEMAKER_PULL = Documented(f"{_ROLES}#sagemaker-roles-createtrainingjob-perms",
                            ("ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer",
                             "ecr:BatchGetImage", "ecr:GetAuthorizationToken"))
SAGEMAKER_VPC = Documented(f"{_ROLES}#sagemaker-roles-createtrainingjob-perms",
                           ("ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission",
                            "ec2:DeleteNetworkInterface", "ec2:DeleteNetworkInterfacePermission",
                            "ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs",
                            "ec2:DescribeDhcpOptions", "ec2:DescribeSubnets",
                            "ec2:DescribeSecurityGroups"))

# Lambda: the execution role's logging (AWSLambdaBasicExecutionRole) and a VPC function's network
# interfaces (the five actions of configuration-vpc.html, and DescribeSubnets, which the managed
# AWSLambdaVPCAccessExecutionRole adds).
LAMBDA_LOGS = Documented("https://docs.aws.amazon.com/aws-managed-policy/latest/reference/"
                         "AWSLambdaBasicExecutionRole.html",
                         ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"))
LAMBDA_VPC = Documented("https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html"
                        "#configuration-vpc-permissions",
                        ("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
                         "ec2:DescribeSubnets", "ec2:DeleteNetworkInterface",
                         "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"))

# Glue: a job's logging (AWSGlueServiceRole's logs statement, on /aws-glue/*), the log groups a
# Python shell job writes (monitor-continuous-logging.html: /aws-glue/jobs/output and /error; with
# a security configuration, /aws-glue/jobs/<configuration>-role/<role>/output and /error), and the
# key it associates with them when the configuration encrypts CloudWatch Logs.
GLUE_LOGS = Documented("https://docs.aws.amazon.com/aws-managed-policy/latest/reference/"
                       "AWSGlueServiceRole.html",
                       ("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"))
GLUE_LOG_KEY = Documented("https://docs.aws.amazon.com/glue/latest/dg/console-security-configurations.html",
                          ("logs:AssociateKmsKey",))
# A crawler: read the S3 target (crawler-prereqs.html: s3:GetObject on it; listing it is
# ListObjectsV2, which s3:ListBucket authorizes) and write the tables it finds to the Data Catalog.
# crawler-prereqs.html asks for AWSGlueServiceRole "or a scoped down version"; the managed policy
# grants glue:* there, scoped here to the Data Catalog calls a crawler makes for one database's
# tables and partitions (aws-glue-api-catalog-tables.html, aws-glue-api-catalog-partitions.html).
CRAWLER_S3 = Documented("https://docs.aws.amazon.com/glue/latest/dg/crawler-prereqs.html",
                        ("s3:GetObject", "s3:ListBucket"))
CRAWLER_CATALOG = Documented("https://docs.aws.amazon.com/glue/latest/dg/crawler-prereqs.html",
                             ("glue:GetDatabase", "glue:GetTable", "glue:GetTables",
                              "glue:CreateTable", "glue:UpdateTable", "glue:GetPartition",
                              "glue:GetPartitions", "glue:CreatePartition",
                              "glue:BatchCreatePartition", "glue:BatchGetPartition",
                              "glue:UpdatePartition"))
# s3:GetObject of a missing key answers 404 (NoSuchKey) only with s3:ListBucket on the bucket,
# 403 otherwise (API_GetObject.html, "Permissions"): the transform names a missing input.
LIST_FOR_NOT_FOUND = Documented("https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html",
                                ("s3:ListBucket",))
# The drift job lists the training extract's prefix: "To use this operation, you must have READ
# access to the bucket ... s3:ListBucket" (ListObjectsV2, Permissions); PutMetricData takes no
# resource ARN, only the cloudwatch:namespace condition key (iam-cw-condition-keys-namespace.html).
LIST_OBJECTS = Documented("https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html",
                          ("s3:ListBucket",))
PUT_METRIC_DATA = Documented("https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/"
                             "iam-cw-condition-keys-namespace.html", ("cloudwatch:PutMetricData",))
# Objects under SSE-KMS: GenerateDataKey to write, Decrypt to read (UsingKMSEncryption.html).
KMS_OBJECTS = Documented("https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html",
                         ("kms:Decrypt", "kms:GenerateDataKey"))
# An EventBridge rule that starts a state machine: its role needs states:StartExecution on it.
START_EXECUTION = Documented("https://docs.aws.amazon.com/eventbridge/latest/userguide/"
                             "eb-use-identity-based.html",
                             ("states:StartExecution",))
SCHEDULE_START = Documented("https://docs.aws.amazon.com/scheduler/latest/UserGuide/"
                            "setting-up.html#setting-up-execution-role",
                            ("states:StartExecution",))  # a schedule's target, as its role
SAGEMAKER_CHECKPOINTS = Documented("https://docs.aws.amazon.com/sagemaker/latest/dg/"
                                   "model-checkpoints.html",
                                   ("s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload",
                                    "s3:DeleteObject", "s3:ListBucket"))  # CheckpointConfig.S3Uri, synced both ways


class ServiceAuthorization:
    """The Service Authorization Reference: actions, the resource types they authorize on, and
    those types' ARN formats."""

    def __init__(self, path: Path, partition: str, region: str, account: str):
        services = {s["prefix"]: s for s in json.loads(Path(path).read_text())}
        self._actions = {f"{prefix}:{p['privilege']}".lower(): p
                         for prefix, s in services.items() for p in s["privileges"]}
        self._formats = {(prefix, r["resource"]): r["arn"]
                         for prefix, s in services.items() for r in s["resources"]}
        self._known = {"Partition": partition, "Region": region, "Account": account}

    def exists(self, action: str) -> bool:
        return action.lower() in self._actions

    def _types(self, action: str) -> list[dict]:
        return [t for t in self._actions[action.lower()]["resource_types"] if t["resource_type"]]

    def resource_types(self, action: str) -> list[str]:
        """Every resource type the action can be scoped to (required or not)."""
        return [t["resource_type"].rstrip("*") for t in self._types(action)]

    def required_types(self, action: str) -> list[str]:
        return [t["resource_type"].rstrip("*") for t in self._types(action)
                if t["resource_type"].endswith("*")]

    def dependent_actions(self, action: str, resource_type: str) -> set[str]:
        return {a for t in self._types(action) if t["resource_type"].rstrip("*") == resource_type
                for a in t["dependent_actions"]}

    def star_only(self, action: str) -> bool:
        """No resource-level permission: the action can only be granted on ``"*"``."""
        return not self._types(action)

    def arn(self, service: str, resource_type: str, values: dict[str, str]) -> str:
        """The ARN of one resource, its format's ``${Name}`` parts filled from ``values``."""
        names = {**self._known, **values}
        return re.sub(r"\$\{(\w+)\}", lambda m: names[m.group(1)],
                      self._formats[(service, resource_type)])

    def variables(self, service: str, resource_type: str) -> list[str]:
        return [v for v in re.findall(r"\$\{(\w+)\}", self._formats[(service, resource_type)])
                if v not in self._known]

    def is_of_type(self, arn: str, service: str, resource_type: str) -> bool:
        hole = "VARIABLE"  # ARN formats hold no such upper-case word of their own
        pattern = re.escape(self.arn(service, resource_type,
                                     {v: hole for v in self.variables(service, resource_type)}))
        return re.fullmatch(pattern.replace(hole, ".+"), arn) is not None

    def authorizes_on(self, action: str, arn: str) -> bool:
        """Whether ``arn`` is of a resource type ``action`` can be scoped to."""
        service = action.split(":")[0]
        return any(self.is_of_type(arn, service, t) for t in self.resource_types(action))

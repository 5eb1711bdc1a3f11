"""Logical IDs of the template's resources, and how the workflow refers to them.

The workflow definition is embedded with ``Fn::Sub``, so ``${Logical}`` and ``${Logical.Attr}``
inside it resolve at deploy time; ``${AWS::Partition}`` keeps every ARN right in every partition.
"""
from __future__ import annotations

from ..asl.fn_sub import escape
from ..model.origin import SubText

FEATURE_STORE = "FeatureStoreBucket"
SOURCE_REPOSITORY = "SourceRepositoryBucket"
EXTRACTS = "ExtractsBucket"
MODEL_STORE = "ModelStoreBucket"
METADATA = "MetadataBucket"
OUTPUT = "OutputBucket"
BUCKETS = (FEATURE_STORE, SOURCE_REPOSITORY, EXTRACTS, MODEL_STORE, METADATA, OUTPUT)

MODEL_REPOSITORY = "ModelRepository"
GLUE_JOB = "TransformJob"
DRIFT_JOB = "DriftCheckJob"
DATABASE = "OutputDatabase"
CRAWLER = "OutputCrawler"
TRAINING_SECURITY_GROUP = "TrainingSecurityGroup"

GLUE_ROLE = "GlueRole"
DRIFT_ROLE = "DriftCheckRole"
SAGEMAKER_ROLE = "SageMakerRole"
LAMBDA_ROLE = "LambdaRole"
STATES_ROLE = "StepFunctionsRole"
EVENTS_ROLE = "TriggerRole"

JOB_NAME_FUNCTION = "JobNameFunction"
ENDPOINT_CHECK_FUNCTION = "EndpointCheckFunction"
STATE_MACHINE = "StateMachine"
STATE_MACHINE_LOGS = "StateMachineLogGroup"
TRIGGER = "TrainingDataTrigger"

ERROR_ALARM = "EndpointErrorAlarm"  # the rollout's alarms
LATENCY_ALARM = "EndpointLatencyAlarm"
TOPIC = "NotificationsTopic"
TOPIC_KEY = "NotificationsKey"
TOPIC_POLICY = "NotificationsTopicPolicy"
RUN_STATUS_RULE = "RunStatusRule"
MODEL_PACKAGE_GROUP = "ModelPackageGroup"
SCHEDULE = "TrainingSchedule"  # the lifecycle's retraining schedule and its role
SCHEDULE_ROLE = "ScheduleRole"

PARTITION = "${AWS::Partition}"
REGION = "${AWS::Region}"
ACCOUNT = "${AWS::AccountId}"


def sub(logical_id: str, attribute: str | None = None) -> str:
    """``${Logical}`` or ``${Logical.Attr}`` for use inside an Fn::Sub string."""
    return "${" + logical_id + ("." + attribute if attribute else "") + "}"


def integration(service_api: str) -> str:
    """The Resource ARN of a Step Functions service integration, e.g. ``sagemaker:createModel``."""
    return f"arn:{PARTITION}:states:::{service_api}"


def feature_store_name(pipeline) -> str:
    """The feature store bucket as the workflow and policies see it: created here, or existing
    (a user's name, made literal for Fn::Sub)."""
    return SubText(escape(pipeline.existing_feature_store) if pipeline.existing_feature_store
                   else sub(FEATURE_STORE))


def image_uri(pipeline) -> str:
    """The model image: a built-in URI, or the tag of this stack's ECR repository."""
    if pipeline.builtin_image_uri:
        return SubText(escape(pipeline.builtin_image_uri))
    repository, tag = pipeline.names.ecr_repository, pipeline.byo_image.tag
    return SubText(f"{ACCOUNT}.dkr.ecr.{REGION}.${{AWS::URLSuffix}}/{escape(repository)}:{escape(tag)}")

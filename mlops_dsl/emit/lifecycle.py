"""The lifecycle's emitted parts: how long each job may run (and, with spot capacity, wait and
resume from checkpoints), the bound of the batch transform, and the retraining schedule.

Each is present only when the blueprint asks for it; a blueprint without them compiles as before
(the seed's 24-hour training bound, no transform bound, runs started by uploads only).
"""
from __future__ import annotations

import json

from troposphere import GetAtt, Ref
from troposphere.iam import Policy, Role
from troposphere.scheduler import FlexibleTimeWindow, RetryPolicy, Schedule, Target

from ..model import Pipeline
from ..model.layout import CHECKPOINT_PREFIX
from ..model.lifecycle import CHECKPOINT_PATH
from . import names as n

SCHEDULE_RETRY_ATTEMPTS = 3  # Scheduler retries a refused StartExecution (throttling) this often
SCHEDULE_SOURCE = "mlops_dsl.schedule"  # the run input's "source": who started the run


def stopping_condition(pipeline: Pipeline) -> dict:
    """StoppingCondition of every training job. With managed spot training MaxWaitTimeInSeconds
    bounds the run time plus the waits for capacity and must be at least MaxRuntimeInSeconds
    (StoppingCondition, SageMaker API reference)."""
    limits = pipeline.limits
    condition = {"MaxRuntimeInSeconds": limits.traced("max_runtime_seconds")}
    if limits.spot:
        condition["MaxWaitTimeInSeconds"] = limits.traced("max_wait_seconds")
    return condition


def spot_settings(pipeline: Pipeline, job_name_path: str) -> dict:
    """The training job definition's spot fields: EnableManagedSpotTraining and where checkpoints
    go. An interrupted spot job restarts with /opt/ml/checkpoints filled from CheckpointConfig's
    S3Uri ("Managed Spot Training in Amazon SageMaker AI"). Every training job of one tuning job
    shares the definition, so the prefix is per run and the container keeps each job's files under
    its TRAINING_JOB_NAME (docs/contract.md)."""
    if not pipeline.limits.spot:
        return {}
    prefix = f"s3://{n.sub(n.MODEL_STORE)}/{CHECKPOINT_PREFIX}"
    return {"EnableManagedSpotTraining": True,
            "CheckpointConfig": {"S3Uri.$": f"States.Format('{prefix}{{}}/', {job_name_path})",
                                 "LocalPath": CHECKPOINT_PATH}}


def schedule_input(pipeline: Pipeline) -> str:
    """What a scheduled run starts with: the object to train on, where an upload's event has it
    (``detail.object.key``), so the workflow reads both alike. It is the compiled training key:
    replacing that object in the feature store is how new data reaches the next scheduled run."""
    return json.dumps({"source": SCHEDULE_SOURCE,
                       "detail": {"object": {"key": pipeline.data.train_key}}},
                      sort_keys=True, separators=(",", ":"))


def schedule(pipeline: Pipeline, tags) -> list:
    """An EventBridge Scheduler schedule that starts the state machine, and the role it assumes.
    The role's trust is limited to this account's schedules ("Set up the execution role",
    EventBridge Scheduler user guide: aws:SourceAccount); it may start this state machine only."""
    if pipeline.schedule is None:
        return []
    role = Role(
        n.SCHEDULE_ROLE, Description="Starts the pipeline on its retraining schedule",
        AssumeRolePolicyDocument={"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": Ref("AWS::AccountId")}}}]},
        Policies=[Policy(PolicyName="least-privilege", PolicyDocument={
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "states:StartExecution",
                "Resource": Ref(n.STATE_MACHINE)}]})],
        Tags=tags)
    timer = Schedule(
        n.SCHEDULE, Name=pipeline.names.schedule,
        Description=f"Retrains pipeline {pipeline.names.stem} on the latest training data",
        ScheduleExpression=pipeline.schedule, ScheduleExpressionTimezone="UTC",
        FlexibleTimeWindow=FlexibleTimeWindow(Mode="OFF"), State="ENABLED",
        Target=Target(Arn=Ref(n.STATE_MACHINE), RoleArn=GetAtt(n.SCHEDULE_ROLE, "Arn"),
                      Input=schedule_input(pipeline),
                      RetryPolicy=RetryPolicy(MaximumRetryAttempts=SCHEDULE_RETRY_ATTEMPTS)))
    return [role, timer]

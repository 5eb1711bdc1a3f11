"""The template's production resources: the rollout's alarms, the notification topic (its key,
policy and e-mail subscriptions), the rule that turns the run's end into a message, and the model
package group. Each exists only when the blueprint asks for it.
"""
from __future__ import annotations

import json

from troposphere import GetAtt, Ref, Sub
from troposphere.cloudwatch import Alarm, MetricDimension, MetricDataQuery, Metric, MetricStat
from troposphere.events import InputTransformer, Rule, Target
from troposphere.kms import Key
from troposphere.sagemaker import ModelPackageGroup
from troposphere.sns import SubscriptionResource, Topic, TopicPolicy

from ..asl.fn_sub import escape
from ..model import Pipeline
from . import names as n

ALARM_PERIOD_SECONDS = 60  # SageMaker publishes endpoint metrics every minute
VARIANT = "AllTraffic"  # a blue/green update must keep the variant's name (guardrails' exclusions)


def _dimensions(pipeline: Pipeline) -> list:
    return [MetricDimension(Name="EndpointName", Value=pipeline.deployment.name),
            MetricDimension(Name="VariantName", Value=VARIANT)]


def alarms(pipeline: Pipeline, tags) -> list:
    """The rollout's two alarms on the endpoint's variant (namespace AWS/SageMaker, "Monitor
    SageMaker AI with CloudWatch"): the share of 5XX answers, and the p99 of ModelLatency, which
    SageMaker reports in microseconds. No traffic is not a breach."""
    rollout = pipeline.rollout
    if rollout is None:
        return []

    def metric(query_id: str, name: str) -> MetricDataQuery:
        return MetricDataQuery(Id=query_id, ReturnData=False, MetricStat=MetricStat(
            Metric=Metric(Namespace="AWS/SageMaker", MetricName=name,
                          Dimensions=_dimensions(pipeline)),
            Period=ALARM_PERIOD_SECONDS, Stat="Sum"))

    errors = Alarm(
        n.ERROR_ALARM, AlarmName=pipeline.names.alarm("errors"),
        AlarmDescription=f"Rolls an update of {pipeline.deployment.name} back: more than "
                         f"{rollout.max_error_rate_percent:g}% of answers are 5XX errors",
        ComparisonOperator="GreaterThanThreshold", EvaluationPeriods=1,
        Threshold=rollout.max_error_rate_percent, TreatMissingData="notBreaching",
        Metrics=[metric("errors", "Invocation5XXErrors"), metric("calls", "Invocations"),
                 MetricDataQuery(Id="rate", Expression="IF(calls > 0, 100 * errors / calls, 0)",
                                 Label="5XX answers, percent", ReturnData=True)])
    latency = Alarm(
        n.LATENCY_ALARM, AlarmName=pipeline.names.alarm("latency"),
        AlarmDescription=f"Rolls an update of {pipeline.deployment.name} back: the model's p99 "
                         f"latency exceeds {rollout.max_p99_latency_ms:g} ms",
        Namespace="AWS/SageMaker", MetricName="ModelLatency", Dimensions=_dimensions(pipeline),
        ExtendedStatistic="p99", Period=ALARM_PERIOD_SECONDS, EvaluationPeriods=1,
        ComparisonOperator="GreaterThanThreshold", Threshold=rollout.max_latency_microseconds,
        TreatMissingData="notBreaching")
    return [errors, latency]


def topic(pipeline: Pipeline, tags, kms_key: str | None) -> list:
    """The notification topic, encrypted. EventBridge can publish only to a topic whose key lets
    it (an AWS-managed alias/aws/sns key cannot): the blueprint's key, whose policy must allow
    events.amazonaws.com, or a key of the stack's own; a topic for approvals only uses SNS's key."""
    if not pipeline.has_topic:
        return []
    resources = []
    if pipeline.notifications is None:
        master_key = "alias/aws/sns"
    elif kms_key:
        master_key = kms_key
    else:
        resources.append(Key(
            n.TOPIC_KEY, Description=f"Notifications of pipeline {pipeline.names.stem}",
            EnableKeyRotation=True, Tags=tags, KeyPolicy={
                "Version": "2012-10-17", "Statement": [
                    {"Sid": "Account", "Effect": "Allow",
                     "Principal": {"AWS": Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
                     "Action": "kms:*", "Resource": "*"},
                    {"Sid": "EventBridge", "Effect": "Allow",
                     "Principal": {"Service": "events.amazonaws.com"},
                     "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*",
                     "Condition": {"StringEquals": {"aws:SourceAccount": Ref("AWS::AccountId")}}}]}))
        master_key = Ref(n.TOPIC_KEY)
    resources.append(Topic(n.TOPIC, TopicName=pipeline.names.topic, KmsMasterKeyId=master_key,
                           Tags=tags))
    for index, email in enumerate(pipeline.notifications.emails if pipeline.notifications else ()):
        resources.append(SubscriptionResource(f"{n.TOPIC}Email{index}", TopicArn=Ref(n.TOPIC),
                                      Protocol="email", Endpoint=email))
    if pipeline.notifications is not None:
        resources += [_rule(pipeline), TopicPolicy(n.TOPIC_POLICY, Topics=[Ref(n.TOPIC)], PolicyDocument={
            "Version": "2012-10-17", "Statement": [{
                "Sid": "RunStatusRule", "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish",
                "Resource": Ref(n.TOPIC),
                "Condition": {"ArnEquals": {"aws:SourceArn": GetAtt(n.RUN_STATUS_RULE, "Arn")}}}]})]
    return resources


def _rule(pipeline: Pipeline) -> Rule:
    """The run's end as a readable message: the state machine's "Step Functions Execution Status
    Change" events, through an input transformer ("Amazon EventBridge input transformation").
    EventBridge's event names the status, error and cause, not the state that failed: the
    pipeline's own refusals name it in their cause, and the console link shows every state."""
    console = ("https://${AWS::Region}.console.aws.amazon.com/states/home?region=${AWS::Region}"
               "#/v2/executions/details/<execution>")
    # A JSON object whose placeholders are whole values: EventBridge copies each as a JSON token,
    # quotes escaped. Inside a quoted string it would not escape them ("EventBridge does not
    # escape values extracted by Input Path", transforming target input), and most causes are
    # JSON. The console link's one placeholder is an ARN, which holds no quotes.
    pipeline_name = escape(json.dumps(f"mlops_dsl pipeline {pipeline.name}"))
    template = (f'{{"pipeline": {pipeline_name}, "run": <name>, "status": <status>, '
                f'"error": <error>, "cause": <cause>, "console": "{console}"}}')
    return Rule(
        n.RUN_STATUS_RULE, Description=f"Notify the end of runs of {pipeline.names.state_machine}",
        State="ENABLED", EventPattern={
            "source": ["aws.states"], "detail-type": ["Step Functions Execution Status Change"],
            "detail": {"status": list(pipeline.notifications.events),
                       "stateMachineArn": [Ref(n.STATE_MACHINE)]}},
        Targets=[Target(Id="notify", Arn=Ref(n.TOPIC), InputTransformer=InputTransformer(
            InputPathsMap={"name": "$.detail.name", "status": "$.detail.status",
                           "execution": "$.detail.executionArn", "error": "$.detail.error",
                           "cause": "$.detail.cause"},
            InputTemplate=Sub(template)))])


def model_package_group(pipeline: Pipeline, tags) -> list:
    registry = pipeline.registry
    if registry is None:
        return []
    return [ModelPackageGroup(
        n.MODEL_PACKAGE_GROUP, ModelPackageGroupName=registry.group_name,
        ModelPackageGroupDescription=f"Models of pipeline {pipeline.names.stem} that passed the "
                                     f"gate {pipeline.gate.describe()}", Tags=tags)]


def resources(pipeline: Pipeline, tags, kms_key: str | None) -> list:
    return [*alarms(pipeline, tags), *topic(pipeline, tags, kms_key),
            *model_package_group(pipeline, tags)]

"""SageMaker: tune, describe the best job, create the model, deploy it (endpoint or transform).

Every job, model and configuration name starts with the pipeline's job prefix, so each grant is
scoped to ``<type>/<prefix>*``. The ``.sync`` calls are watched by Step Functions through managed
EventBridge rules, and poll Describe*/List* and stop the job when the execution stops: AWS's
policies for these integrations list those actions, so their grants do too.
"""
from __future__ import annotations

from .. import arns
from .. import names as n
from .base import Grant, Integration

# Error names: the optimized integrations (sagemaker:create*) report throttling and every
# unmodelled error as SageMaker.AmazonSageMakerException and a modelled one by its name
# (SageMaker.ResourceLimitExceededException); the AWS SDK integration (aws-sdk:sagemaker:*)
# reports unmodelled errors as SageMaker.SageMakerException ("Learning to use AWS service SDK
# integrations in Step Functions"). A retried call sends the same job name: only errors that mean
# the job was not created are retried, never a job's own failure (States.TaskFailed).
TRANSIENT = ("SageMaker.AmazonSageMakerException",)
SDK_TRANSIENT = ("SageMaker.SageMakerException", "SageMaker.SdkClientException")
CAPACITY = ("SageMaker.ResourceLimitExceededException",)  # the account's job limit: wait
PASSES_SAGEMAKER_ROLE = ((n.SAGEMAKER_ROLE, "sagemaker.amazonaws.com"),)


class _SageMaker(Integration):
    TRANSIENT = TRANSIENT

    def __init__(self, name: str, parameters: dict, *, prefix: str, **state):
        super().__init__(name, parameters, **state)
        self.prefix = prefix  # the lower-case job prefix every name starts with

    def arn(self, kind: str) -> str:
        return arns.sagemaker(kind, self.prefix + "*")


class CreateTuningJobSync(_SageMaker):
    """``sagemaker:createHyperParameterTuningJob.sync``: result is DescribeHyperParameterTuningJob's."""

    API = "sagemaker:createHyperParameterTuningJob.sync"
    CAPACITY = CAPACITY
    PASSES = PASSES_SAGEMAKER_ROLE
    RULES = ("StepFunctionsGetEventsForSageMakerTuningJobsRule",)

    def grants(self) -> list[Grant]:
        # The .sync pattern's policy: create, describe and stop the job, and ListTags ("IAM
        # policies for Amazon SageMaker AI", Step Functions developer guide). These actions
        # authorize on the tuning job only (Service Authorization Reference); SageMaker itself
        # starts, tags and stops the training jobs the tuning job launches.
        return [Grant(("sagemaker:AddTags", "sagemaker:CreateHyperParameterTuningJob",
                       "sagemaker:DescribeHyperParameterTuningJob", "sagemaker:ListTags",
                       "sagemaker:StopHyperParameterTuningJob"),
                      (self.arn("hyper-parameter-tuning-job"),))]


class DescribeTrainingJob(_SageMaker):
    """``aws-sdk:sagemaker:describeTrainingJob`` of one of the pipeline's training jobs."""

    API = "aws-sdk:sagemaker:describeTrainingJob"
    TRANSIENT = SDK_TRANSIENT

    def grants(self) -> list[Grant]:
        return [Grant(("sagemaker:DescribeTrainingJob",), (self.arn("training-job"),))]


class CreateModel(_SageMaker):
    """``sagemaker:createModel`` of the best job's artifact, run by the SageMaker role."""

    API = "sagemaker:createModel"
    PASSES = PASSES_SAGEMAKER_ROLE

    def grants(self) -> list[Grant]:
        return [Grant(("sagemaker:AddTags", "sagemaker:CreateModel"), (self.arn("model"),))]


class CreateEndpointConfig(_SageMaker):
    API = "sagemaker:createEndpointConfig"

    def grants(self) -> list[Grant]:
        return [Grant(("sagemaker:AddTags", "sagemaker:CreateEndpointConfig"),
                      (self.arn("endpoint-config"),))]


class _EndpointCall(_SageMaker):
    """A call on the named endpoint; it authorizes on the endpoint *and* on its config."""

    ACTIONS: tuple[str, ...] = ()

    def __init__(self, name: str, parameters: dict, *, prefix: str, endpoint: str, **state):
        super().__init__(name, parameters, prefix=prefix, **state)
        self.endpoint = endpoint

    def grants(self) -> list[Grant]:
        return [Grant(self.ACTIONS, (arns.sagemaker("endpoint", self.endpoint.lower()),
                                     self.arn("endpoint-config")))]


class CreateEndpoint(_EndpointCall):
    API = "sagemaker:createEndpoint"
    ACTIONS = ("sagemaker:AddTags", "sagemaker:CreateEndpoint")


class UpdateEndpoint(_EndpointCall):
    """``sagemaker:updateEndpoint``; with a rollout, SageMaker reads its alarms as the caller:
    "your IAM execution role has permission to perform the cloudwatch:DescribeAlarms action on the
    auto-rollback alarms" (SageMaker deployment guardrails, auto-rollback configuration)."""

    API = "sagemaker:updateEndpoint"
    ACTIONS = ("sagemaker:UpdateEndpoint",)

    def __init__(self, name: str, parameters: dict, *, alarms: tuple[str, ...] = (), **state):
        super().__init__(name, parameters, **state)
        self.alarms = alarms

    def grants(self) -> list[Grant]:
        extra = [Grant(("cloudwatch:DescribeAlarms",), tuple(arns.alarm(a) for a in self.alarms))]
        return super().grants() + (extra if self.alarms else [])


class UpdateEndpointSdk(UpdateEndpoint):
    """``aws-sdk:sagemaker:updateEndpoint``: the update with a DeploymentConfig. The optimized
    integration checks its parameters against Step Functions' own model of the API and refuses
    fields it does not list ("The field ... is not supported by Step Functions"); the SDK
    integration follows the service's current model, DeploymentConfig (2021) included. Same
    grant; its errors are the SDK integration's names."""

    API = "aws-sdk:sagemaker:updateEndpoint"
    TRANSIENT = SDK_TRANSIENT


class DescribeEndpoint(_EndpointCall):
    """``aws-sdk:sagemaker:describeEndpoint``: its status and the config it runs."""

    API = "aws-sdk:sagemaker:describeEndpoint"
    TRANSIENT = SDK_TRANSIENT

    def grants(self) -> list[Grant]:
        return [Grant(("sagemaker:DescribeEndpoint",),
                      (arns.sagemaker("endpoint", self.endpoint.lower()),))]


class CreateModelPackage(_SageMaker):
    """``aws-sdk:sagemaker:createModelPackage``: a new version in the model package group."""

    API = "aws-sdk:sagemaker:createModelPackage"
    TRANSIENT = SDK_TRANSIENT

    def __init__(self, name: str, parameters: dict, *, group: str, **state):
        super().__init__(name, parameters, prefix="", **state)
        self.group = group.lower()

    def grants(self) -> list[Grant]:
        # A versioned package is model-package/<group>/<version> (Service Authorization Reference).
        return [Grant(("sagemaker:CreateModelPackage",),
                      (arns.sagemaker("model-package", f"{self.group}/*"),
                       arns.sagemaker("model-package-group", self.group)))]


class CreateTransformJobSync(_SageMaker):
    """``sagemaker:createTransformJob.sync``: result is DescribeTransformJob's."""

    API = "sagemaker:createTransformJob.sync"
    CAPACITY = CAPACITY
    RULES = ("StepFunctionsGetEventsForSageMakerTransformJobsRule",)

    def grants(self) -> list[Grant]:
        return [Grant(("sagemaker:AddTags", "sagemaker:CreateTransformJob",
                       "sagemaker:DescribeTransformJob", "sagemaker:ListTags",
                       "sagemaker:StopTransformJob"), (self.arn("transform-job"),))]


class StopTransformJob(_SageMaker):
    """``aws-sdk:sagemaker:stopTransformJob``: end a transform that outran its bound. The Task's
    timeout ends the state, not the job (a transform job has no run-time limit of its own,
    CreateTransformJob API reference), so the workflow stops it before it fails the run."""

    API = "aws-sdk:sagemaker:stopTransformJob"
    TRANSIENT = SDK_TRANSIENT

    def grants(self) -> list[Grant]:
        return [Grant(("sagemaker:StopTransformJob",), (self.arn("transform-job"),))]

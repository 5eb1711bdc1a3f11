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

TRANSIENT = ("SageMaker.AmazonSageMakerException", "SageMaker.ThrottlingException",
             "SageMaker.SdkClientException")
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
    PASSES = PASSES_SAGEMAKER_ROLE
    RULES = ("StepFunctionsGetEventsForSageMakerTuningJobsRule",)

    def grants(self) -> list[Grant]:
        return [
            Grant(("sagemaker:AddTags", "sagemaker:CreateHyperParameterTuningJob",
                   "sagemaker:DescribeHyperParameterTuningJob",
                   "sagemaker:ListTrainingJobsForHyperParameterTuningJob",
                   "sagemaker:StopHyperParameterTuningJob"),
                  (self.arn("hyper-parameter-tuning-job"), self.arn("training-job"))),
            # ListTags: AWS's policy for the .sync SageMaker integrations includes it.
            Grant(("sagemaker:ListTags",), (self.arn("hyper-parameter-tuning-job"),)),
        ]


class DescribeTrainingJob(_SageMaker):
    """``aws-sdk:sagemaker:describeTrainingJob`` of one of the pipeline's training jobs."""

    API = "aws-sdk:sagemaker:describeTrainingJob"

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
    API = "sagemaker:updateEndpoint"
    ACTIONS = ("sagemaker:UpdateEndpoint",)


class CreateTransformJobSync(_SageMaker):
    """``sagemaker:createTransformJob.sync``: result is DescribeTransformJob's."""

    API = "sagemaker:createTransformJob.sync"
    RULES = ("StepFunctionsGetEventsForSageMakerTransformJobsRule",)

    def grants(self) -> list[Grant]:
        return [Grant(("sagemaker:AddTags", "sagemaker:CreateTransformJob",
                       "sagemaker:DescribeTransformJob", "sagemaker:ListTags",
                       "sagemaker:StopTransformJob"), (self.arn("transform-job"),))]

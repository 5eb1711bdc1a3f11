"""SNS: tell people about the run; wait for a person's decision on a model."""
from __future__ import annotations

from .. import names as n
from .base import Grant, Integration

# The optimized SNS integration reports throttling and unmodelled errors as SNS.AmazonSNSException
# (the optimized integrations' AWS SDK for Java v1 names, as SageMaker.AmazonSageMakerException).
TRANSIENT = ("SNS.AmazonSNSException", "SNS.SdkClientException")


class Publish(Integration):
    """``sns:publish`` of a message to the pipeline's topic."""

    API = "sns:publish"
    TRANSIENT = TRANSIENT

    def __init__(self, name: str, *, subject: str, message, attributes: dict | None = None,
                 **state):
        key = "Message.$" if isinstance(message, str) and message.startswith("States.") else "Message"
        parameters = {"TopicArn": n.sub(n.TOPIC), "Subject": subject, key: message}
        if attributes:  # MessageAttributes: what a program reading the message needs, typed
            parameters["MessageAttributes"] = {
                name: {"DataType": "String", "StringValue.$": path} for name, path in attributes.items()}
        super().__init__(name, parameters, **state)

    def grants(self) -> list[Grant]:
        return [Grant(("sns:Publish",), (n.sub(n.TOPIC),))]


class PublishWaitForToken(Publish):
    """``sns:publish.waitForTaskToken``: the message carries the task token; the state waits until
    SendTaskSuccess or SendTaskFailure answers it ("Wait for a Callback with the Task Token",
    Step Functions developer guide), or until its TimeoutSeconds."""

    API = "sns:publish.waitForTaskToken"

"""Lambda: invoke one of the pipeline's handlers synchronously."""
from __future__ import annotations

from .. import arns
from .. import names as n
from .base import Grant, Integration

TRANSIENT = ("Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
             "Lambda.TooManyRequestsException")


class Invoke(Integration):
    """``lambda:invoke`` of a function of this stack (by logical ID; granted by name)."""

    API = "lambda:invoke"
    TRANSIENT = TRANSIENT

    def __init__(self, name: str, *, function: str, function_name: str, payload: dict, **state):
        super().__init__(name, {"FunctionName": n.sub(function, "Arn"), "Payload": payload}, **state)
        self.function_name = function_name

    def grants(self) -> list[Grant]:
        return [Grant(("lambda:InvokeFunction",), (arns.lambda_function(self.function_name),))]

"""Create-or-update decision for a SageMaker endpoint.

Event: {"EndpointName": "<name>"}.
Returns {"EndpointName": name, "EndpointExists": bool, "EndpointStatus": str or None}.
Self-contained (inlined into CloudFormation Code.ZipFile): stdlib and boto3 only.
"""
import re

NAME_RE = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")  # SageMaker EndpointName pattern


class InvalidEvent(ValueError):
    """The event does not have the expected shape; the message names the key."""


def endpoint_name(event):
    if not isinstance(event, dict):
        raise InvalidEvent(f"event must be an object, got {type(event).__name__}")
    if "EndpointName" not in event:
        raise InvalidEvent("event.EndpointName is missing")
    name = event["EndpointName"]
    if not isinstance(name, str):
        raise InvalidEvent(
            f"event.EndpointName must be a string, got {type(name).__name__}")
    if not NAME_RE.match(name):
        raise InvalidEvent(
            f"event.EndpointName {name!r} is not a valid endpoint name "
            "(1-63 characters [a-zA-Z0-9-], starting and ending with a letter or digit)")
    return name


def describe(name, client=None):
    if client is None:
        import boto3

        client = boto3.client("sagemaker")
    from botocore.exceptions import ClientError

    try:
        response = client.describe_endpoint(EndpointName=name)
    except ClientError as err:
        error = err.response.get("Error", {})
        message = str(error.get("Message", ""))
        if error.get("Code") == "ValidationException" and "could not find" in message.lower():
            return {"EndpointName": name, "EndpointExists": False, "EndpointStatus": None}
        raise
    return {"EndpointName": name, "EndpointExists": True,
            "EndpointStatus": response.get("EndpointStatus")}


def handler(event, context):
    return describe(endpoint_name(event))

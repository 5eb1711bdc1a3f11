"""``aws-sdk:s3:*`` tasks (put, copy, delete, get) against moto's in-process S3.

moto's own aws-sdk integration passes a JSON object Body to boto3 unchanged (and fails); Step
Functions serialises it to JSON text, as here. S3 errors are named like the aws-sdk integration's
(``S3.NoSuchKeyException``).
"""
from __future__ import annotations

import json
import re

from botocore.exceptions import ClientError

from ..emit.tasks import s3 as tasks
from .context import Fake, RunContext, TaskFailed


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class LocalS3(Fake):
    """The workflow's S3 calls, on the run's in-process stores."""

    ROUTES = {tasks.PutObject.API: "put_object", tasks.CopyObject.API: "copy_object",
              tasks.DeleteObject.API: "delete_object", tasks.GetObject.API: "get_object"}

    def __init__(self, context: RunContext):
        self.client = context.stores.s3

    def put_object(self, parameters: dict, state: str) -> dict:
        return self.call("putObject", parameters)

    def copy_object(self, parameters: dict, state: str) -> dict:
        return self.call("copyObject", parameters)

    def delete_object(self, parameters: dict, state: str) -> dict:
        return self.call("deleteObject", parameters)

    def get_object(self, parameters: dict, state: str) -> dict:
        """The object from the run's store (the drift report the local drift job wrote there),
        its ``Body`` as text, as the aws-sdk integration returns it."""
        return self.call("getObject", parameters)

    def call(self, action: str, parameters: dict) -> dict:
        """S3 ``action`` (e.g. ``putObject``) with a state's Parameters, answered as the aws-sdk
        integration answers (JSON-safe, no ResponseMetadata, a Body as text)."""
        parameters = dict(parameters)
        body = parameters.get("Body")
        if body is not None and not isinstance(body, (str, bytes)):
            parameters["Body"] = json.dumps(body, separators=(",", ":"))
        try:
            response = getattr(self.client, _snake(action))(**parameters)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "S3")
            name = f"S3.{code}" if code.endswith("Exception") else f"S3.{code}Exception"
            raise TaskFailed(name, error.response.get("Error", {}).get("Message", str(error)))
        response.pop("ResponseMetadata", None)
        if "Body" in response:
            response["Body"] = response["Body"].read().decode("utf-8", errors="replace")
        return json.loads(json.dumps(response, default=str))

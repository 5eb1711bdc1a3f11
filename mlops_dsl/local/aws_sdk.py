"""``aws-sdk:s3:*`` tasks against moto's in-process S3, and ``aws-sdk:glue:startCrawler``.

moto's own aws-sdk integration passes a JSON object Body to boto3 unchanged (and fails); Step
Functions serialises it to JSON text, as here. S3 errors are named like the aws-sdk integration's
(``S3.NoSuchKeyException``). The crawler has no local counterpart: the call is recorded and
reported, and succeeds.
"""
from __future__ import annotations

import json
import re

from botocore.exceptions import ClientError

from .adapter import TaskFailed

S3_ACTIONS = ("copyObject", "putObject", "deleteObject", "getObject", "headObject")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def s3_route(client, action: str):
    """A route calling S3 ``action`` (e.g. ``putObject``) with the state's Parameters."""
    method = getattr(client, _snake(action))

    def call(parameters: dict, state: str) -> dict:
        parameters = dict(parameters)
        body = parameters.get("Body")
        if body is not None and not isinstance(body, (str, bytes)):
            parameters["Body"] = json.dumps(body, separators=(",", ":"))
        try:
            response = method(**parameters)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "S3")
            name = f"S3.{code}" if code.endswith("Exception") else f"S3.{code}Exception"
            raise TaskFailed(name, error.response.get("Error", {}).get("Message", str(error)))
        response.pop("ResponseMetadata", None)
        if "Body" in response:
            response["Body"] = response["Body"].read().decode("utf-8", errors="replace")
        return json.loads(json.dumps(response, default=str))

    return call


class Crawlers:
    """Records ``startCrawler`` calls: there is no Glue catalogue or Athena locally."""

    def __init__(self, reporter):
        self.reporter = reporter
        self.started: list[str] = []

    def start_crawler(self, parameters: dict, state: str) -> dict:
        name = parameters.get("Name")
        self.started.append(name)
        self.reporter.say(f"crawler {name}: not run locally (no Glue Data Catalog); in AWS it "
                          "catalogues the output store for Athena", indent=1)
        return {}

"""S3 through the AWS SDK integration: write the run's metadata, move the batch output."""
from __future__ import annotations

from .. import arns
from .base import Grant, Integration

TRANSIENT = ("S3.SdkClientException", "S3.S3Exception")


class PutObject(Integration):
    """``aws-sdk:s3:putObject`` under ``prefix`` of ``bucket`` (an ``Fn::Sub`` name)."""

    API = "aws-sdk:s3:putObject"
    TRANSIENT = TRANSIENT

    def __init__(self, name: str, *, bucket: str, prefix: str, parameters: dict, **state):
        super().__init__(name, {"Bucket": bucket, **parameters}, **state)
        self.bucket, self.prefix = bucket, prefix

    def grants(self) -> list[Grant]:
        return [Grant(("s3:PutObject",), (arns.bucket(self.bucket, self.prefix + "*"),))]


class CopyObject(Integration):
    """``aws-sdk:s3:copyObject`` from ``source_prefix`` to ``target_prefix`` within ``bucket``."""

    API = "aws-sdk:s3:copyObject"
    TRANSIENT = TRANSIENT

    def __init__(self, name: str, *, bucket: str, source_prefix: str, target_prefix: str,
                 parameters: dict, **state):
        super().__init__(name, {"Bucket": bucket, **parameters}, **state)
        self.bucket, self.source, self.target = bucket, source_prefix, target_prefix

    def grants(self) -> list[Grant]:
        return [Grant(("s3:GetObject",), (arns.bucket(self.bucket, self.source + "*"),)),
                Grant(("s3:PutObject",), (arns.bucket(self.bucket, self.target + "*"),))]


class DeleteObject(Integration):
    """``aws-sdk:s3:deleteObject`` under ``prefix`` of ``bucket``."""

    API = "aws-sdk:s3:deleteObject"
    TRANSIENT = TRANSIENT

    def __init__(self, name: str, *, bucket: str, prefix: str, parameters: dict, **state):
        super().__init__(name, {"Bucket": bucket, **parameters}, **state)
        self.bucket, self.prefix = bucket, prefix

    def grants(self) -> list[Grant]:
        return [Grant(("s3:DeleteObject",), (arns.bucket(self.bucket, self.prefix + "*"),))]


class GetObject(Integration):
    """``aws-sdk:s3:getObject`` under ``prefix`` of ``bucket``: the result's ``Body`` is the
    object's content as text ("Learning to use AWS service SDK integrations in Step Functions"
    supports GetObject; a JSON body is parsed in the ResultSelector with States.StringToJson)."""

    API = "aws-sdk:s3:getObject"
    TRANSIENT = TRANSIENT

    def __init__(self, name: str, *, bucket: str, prefix: str, parameters: dict, **state):
        super().__init__(name, {"Bucket": bucket, **parameters}, **state)
        self.bucket, self.prefix = bucket, prefix

    def grants(self) -> list[Grant]:
        return [Grant(("s3:GetObject",), (arns.bucket(self.bucket, self.prefix + "*"),))]

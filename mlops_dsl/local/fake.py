"""The local run's stand-ins for AWS's clock and identifiers: one place for each.

Every fake reports times as AWS does (ISO 8601, UTC) and ARNs in moto's default account and the
pipeline's own region, so what the workflow reads locally looks like what it reads in AWS.
"""
from __future__ import annotations

from datetime import datetime, timezone

ACCOUNT = "123456789012"  # moto's default account id
PARTITION = "aws"
URL_SUFFIX = "amazonaws.com"


def now() -> str:
    """The current time as the AWS APIs' JSON shows it."""
    return datetime.now(timezone.utc).isoformat()


def arn(service: str, region: str, resource: str) -> str:
    """``arn:aws:<service>:<region>:<account>:<resource>``; SageMaker names are lower case in
    ARNs, as AWS writes them."""
    return f"arn:{PARTITION}:{service}:{region}:{ACCOUNT}:{resource}"

"""ARNs of this stack's resources, as ``Fn::Sub`` strings (``${AWS::Partition}`` and friends).

One spelling of each ARN format, shared by the tasks' grants and the service roles.
"""
from __future__ import annotations

from . import names as n

ARN = f"arn:{n.PARTITION}"


def regional(service: str, resource: str) -> str:
    """``arn:<partition>:<service>:<region>:<account>:<resource>``."""
    return f"{ARN}:{service}:{n.REGION}:{n.ACCOUNT}:{resource}"


def sagemaker(kind: str, name: str) -> str:
    """A SageMaker resource (``training-job``, ``model``, ...); names in ARNs are lower case."""
    return regional("sagemaker", f"{kind}/{name}")


def glue(kind: str, name: str) -> str:
    return regional("glue", f"{kind}/{name}" if name else kind)


def lambda_function(name: str) -> str:
    return regional("lambda", f"function:{name}")


def events_rule(name: str) -> str:
    return regional("events", f"rule/{name}")


def log_group(name: str) -> str:
    return regional("logs", f"log-group:{name}")


def ec2(resource: str) -> str:
    return regional("ec2", resource)


def ecr_repository(name: str) -> str:
    return regional("ecr", f"repository/{name}")


def alarm(name: str) -> str:
    return regional("cloudwatch", f"alarm:{name}")


def bucket(name: str, path: str | None = None) -> str:
    """A bucket (``path`` None) or the objects under ``path`` (e.g. ``models/*``)."""
    return f"{ARN}:s3:::{name}" + ("" if path is None else "/" + path)

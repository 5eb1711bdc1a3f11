"""Unique SageMaker job name for one workflow run.

Event: {"prefix": "<1-18 chars [a-zA-Z0-9-]>", "execution": "<execution name, optional>"}.
Returns {"JobName": prefix-YYMMDD-HHMMSS[-hash]}, at most 32 characters.
Self-contained (inlined into CloudFormation Code.ZipFile): stdlib only.
"""
import datetime
import hashlib
import re

MAX_NAME = 32  # SageMaker HyperParameterTuningJobName: at most 32 characters
MAX_PREFIX = 18  # seed input job_name: at most 18 characters
NAME_RE = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$")  # SageMaker's name pattern
PREFIX_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]*$")
MAX_SUFFIX = 6


class InvalidEvent(ValueError):
    """The event does not have the expected shape; the message names the key."""


def job_name(event, now=None):
    if not isinstance(event, dict):
        raise InvalidEvent(f"event must be an object, got {type(event).__name__}")
    if "prefix" not in event:
        raise InvalidEvent("event.prefix is missing (the job_name prefix)")
    prefix = event["prefix"]
    if not isinstance(prefix, str):
        raise InvalidEvent(f"event.prefix must be a string, got {type(prefix).__name__}")
    if not prefix or len(prefix) > MAX_PREFIX:
        raise InvalidEvent(
            f"event.prefix {prefix!r} must have 1 to {MAX_PREFIX} characters, has {len(prefix)}")
    if not PREFIX_RE.match(prefix):
        raise InvalidEvent(
            f"event.prefix {prefix!r} must start with a letter or digit and contain only "
            "[a-zA-Z0-9-]")
    execution = event.get("execution")
    if execution is not None and not isinstance(execution, str):
        raise InvalidEvent(
            f"event.execution must be a string, got {type(execution).__name__}")
    now = now or datetime.datetime.now(datetime.timezone.utc)
    name = f"{prefix}-{now.strftime('%y%m%d-%H%M%S')}"
    room = MAX_NAME - len(name) - 1
    if execution and room >= 2:
        digest = hashlib.sha256(execution.encode("utf-8")).hexdigest()
        name = f"{name}-{digest[:min(room, MAX_SUFFIX)]}"
    if not NAME_RE.match(name):  # cannot happen with a valid prefix; checked to be sure
        raise InvalidEvent(f"derived job name {name!r} is not a valid SageMaker name")
    return {"JobName": name}


def handler(event, context):
    return job_name(event)

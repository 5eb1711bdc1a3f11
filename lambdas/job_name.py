"""Unique SageMaker job name for one workflow run.

Event: {"prefix": "<job_name>-<stack tag>", "execution": "<execution name, optional>"}: the
pipeline's SageMaker prefix (at most 23 characters [a-zA-Z0-9-]), which no other stack shares.
Returns {"JobName": prefix-<time>[-hash]}, at most 32 characters (SageMaker's limit for tuning
jobs), where <time> is the UTC time in milliseconds in base 36, 8 characters, so names sort by
time. Self-contained (inlined into CloudFormation Code.ZipFile): stdlib only.
"""
import datetime
import hashlib
import re

MAX_NAME = 32  # SageMaker HyperParameterTuningJobName: at most 32 characters
TIME_CHARS = 8  # milliseconds since 1970 in base 36: 8 characters until the year 2059
MAX_PREFIX = MAX_NAME - 1 - TIME_CHARS  # 23: job_name (at most 18) + "-" + a 4-character tag
NAME_RE = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$")  # SageMaker's name pattern
PREFIX_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]*$")
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
MAX_SUFFIX = 6


class InvalidEvent(ValueError):
    """The event does not have the expected shape; the message names the key."""


def base36(number, width):
    text = ""
    while number:
        number, digit = divmod(number, 36)
        text = DIGITS[digit] + text
    return text.rjust(width, "0")


def job_name(event, now=None):
    if not isinstance(event, dict):
        raise InvalidEvent(f"event must be an object, got {type(event).__name__}")
    if "prefix" not in event:
        raise InvalidEvent("event.prefix is missing (the pipeline's SageMaker name prefix)")
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
    millis = int(now.timestamp() * 1000)
    name = f"{prefix}-{base36(millis, TIME_CHARS)}"
    room = MAX_NAME - len(name) - 1
    if execution and room >= 2:
        digest = hashlib.sha256(execution.encode("utf-8")).hexdigest()
        name = f"{name}-{digest[:min(room, MAX_SUFFIX)]}"
    if not NAME_RE.match(name) or len(name) > MAX_NAME:  # cannot happen with a valid prefix
        raise InvalidEvent(f"derived job name {name!r} is not a valid SageMaker name")
    return {"JobName": name}


def handler(event, context):
    return job_name(event)

"""Cross-field checks of a blueprint, before anything is resolved or emitted.

Construction already checked each field's type; these rules need several fields or AWS limits.
Every rule appends to one list so all problems are reported together.
"""
from __future__ import annotations

import math
import re

from ..dsl import Blueprint, BuiltInImage, ByoImage, Categorical, Endpoint, Integer
from ..dsl.gate import OPERATORS
from ..errors import Problem

JOB_NAME_MAX = 18  # seed: job_name + "-" + 13-character timestamp must fit SageMaker's 32
JOB_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")  # SageMaker job-name characters
NAME_PREFIX_PATTERN = re.compile(r"^[a-z0-9](-*[a-z0-9]){0,29}$")  # fits S3/ECR/Glue/Lambda names
ENDPOINT_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")  # SageMaker EndpointName
ECR_NAME_PATTERN = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")
IMAGE_TAG_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")  # Docker tag grammar
INSTANCE_TYPE_PATTERN = re.compile(r"^ml\.[a-z0-9]+\.[a-z0-9]+$")
REGION_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]+$")
BUCKET_PATTERN = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")  # S3 bucket naming rules
KMS_KEY_PATTERN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$")
GLUE_JOB_PATTERN = re.compile(r"^[a-zA-Z0-9_-]{1,200}$")
SCALING_TYPES = ("Auto", "Linear", "Logarithmic", "ReverseLogarithmic")
STRATEGIES = ("Bayesian", "Random", "Hyperband", "Grid")
OBJECTIVE_TYPES = ("Maximize", "Minimize")
MAX_TRAINING_JOBS = 750  # SageMaker ResourceLimits.MaxNumberOfTrainingJobs maximum
MAX_PARALLEL_JOBS = 100  # SageMaker ResourceLimits.MaxParallelTrainingJobs maximum
MAX_VOLUME_GB = 16384  # SageMaker ResourceConfig.VolumeSizeInGB maximum
MAX_CATEGORICAL_VALUES = 30  # SageMaker CategoricalParameterRange.Values maximum
MAX_TAGS = 50  # S3 buckets accept at most 50 tags
HYPERPARAMETER_VALUE_MAX = 2500  # SageMaker StaticHyperParameters value length


def check_blueprint(bp: Blueprint) -> list[Problem]:
    """Every cross-field problem of ``bp``."""
    problems: list[Problem] = []

    def add(code, node, field, message):
        problems.append(Problem(code, node.field_name(field), message, node.where_of(field)))

    def pattern(code, node, field, value, regex, allowed):
        if not regex.match(value):
            add(code, node, field, f"{value!r} is not valid; {allowed}")

    if not bp.job_name or len(bp.job_name) > JOB_NAME_MAX:
        add("MLD101", bp, "job_name", f"{bp.job_name!r} has {len(bp.job_name)} characters; "
            f"use 1 to {JOB_NAME_MAX} (a timestamp is appended for each run)")
    elif not JOB_NAME_PATTERN.match(bp.job_name):
        add("MLD101", bp, "job_name", f"{bp.job_name!r} is not valid; use letters, digits and "
            f"hyphens, starting and ending with a letter or digit")
    pattern("MLD102", bp, "name_prefix", bp.name_prefix, NAME_PREFIX_PATTERN,
            "use 1 to 30 lower-case letters, digits and hyphens (it starts bucket-safe AWS names)")
    env = bp.environment
    pattern("MLD112", env, "region", env.region, REGION_PATTERN, "use an AWS region such as 'us-east-1'")
    if env.private_subnets and not env.vpc_id:
        add("MLD115", env, "private_subnets", "private subnets are given but vpc_id is not; "
            "set the VPC that holds them")
    _check_tags(bp, add)
    _check_tuning(bp, add)
    for node, fields in ((bp.training, ("instance_type",)), (bp.deployment, ("instance_type",))):
        for field in fields:
            pattern("MLD113", node, field, getattr(node, field), INSTANCE_TYPE_PATTERN,
                    "use a SageMaker instance type such as 'ml.m5.xlarge'")
    for node, field in ((bp.training, "instance_count"), (bp.deployment, "instance_count"),
                        (bp.training, "volume_gb")):
        if getattr(node, field) < 1:
            add("MLD106", node, field, f"{getattr(node, field)} must be at least 1")
    if bp.training.volume_gb > MAX_VOLUME_GB:
        add("MLD106", bp.training, "volume_gb", f"{bp.training.volume_gb} exceeds SageMaker's "
            f"maximum of {MAX_VOLUME_GB} GB")
    _check_gate(bp, add)
    if isinstance(bp.deployment, Endpoint):
        pattern("MLD116", bp.deployment, "name", bp.deployment.name, ENDPOINT_NAME_PATTERN,
                "use 1 to 63 letters, digits and hyphens")
    if isinstance(bp.image, ByoImage):
        pattern("MLD117", bp.image, "name", bp.image.name, ECR_NAME_PATTERN,
                "use lower-case letters, digits and . _ - / (an ECR repository name)")
        pattern("MLD117", bp.image, "tag", bp.image.tag, IMAGE_TAG_PATTERN,
                "use letters, digits, . _ - (at most 128 characters)")
    elif isinstance(bp.image, BuiltInImage) and "/" not in bp.image.uri:
        add("MLD117", bp.image, "uri", f"{bp.image.uri!r} is not an image URI; use "
            "'<registry>/<repository>:<tag>'")
    store = bp.feature_store.existing_bucket
    if store is not None:
        pattern("MLD119", bp.feature_store, "existing_bucket", store, BUCKET_PATTERN,
                "use an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)")
    if bp.kms_key is not None:
        pattern("MLD121", bp, "kms_key", bp.kms_key, KMS_KEY_PATTERN,
                "use a KMS key ARN such as 'arn:aws:kms:us-east-1:123456789012:key/<key id>'")
    pattern("MLD120", bp.transform, "job_name", bp.transform.job_name, GLUE_JOB_PATTERN,
            "use letters, digits, hyphens and underscores")
    return problems


# AWS tag grammar [\p{L}\p{Z}\p{N}_.:/=+\-@]: Python's \w and \s stand in for letters, numbers
# and separators.
TAG_TEXT = re.compile(r"^[\w\s.:/=+\-@]*$")


def _check_tags(bp, add) -> None:
    if len(bp.tags) > MAX_TAGS:
        add("MLD118", bp, "tags", f"{len(bp.tags)} tags exceed the limit of {MAX_TAGS}")
    allowed = "letters, digits, spaces and _ . : / = + - @"
    for key, value in bp.tags.items():
        if not key or len(key) > 128 or key.lower().startswith("aws:") or not TAG_TEXT.match(key):
            add("MLD118", bp, "tags", f"tag key {key!r} is not allowed; use 1 to 128 {allowed}, "
                "not starting with 'aws:'")
        if not value or len(value) > 256 or not TAG_TEXT.match(value):
            add("MLD118", bp, "tags", f"tag {key!r} has the value {value[:40]!r}"
                f"{'...' if len(value) > 40 else ''} ({len(value)} characters); use 1 to 256 {allowed}")


def _check_tuning(bp, add) -> None:
    tuning = bp.tuning
    if tuning.objective.type not in OBJECTIVE_TYPES:
        add("MLD108", tuning.objective, "type", f"{tuning.objective.type!r} is not allowed; use "
            "'Maximize' or 'Minimize'")
    if not re.match(r"^[a-zA-Z0-9_:.-]{1,255}$", tuning.objective.metric):
        add("MLD108", tuning.objective, "metric", f"{tuning.objective.metric!r} is not a valid "
            "metric name; use letters, digits and _ : . -")
    if tuning.strategy not in STRATEGIES:
        add("MLD109", tuning, "strategy", f"{tuning.strategy!r} is not allowed; use one of "
            f"{', '.join(STRATEGIES)}")
    elif tuning.strategy == "Grid" and any(not isinstance(r, Categorical) for r in tuning.ranges):
        add("MLD109", tuning, "strategy", "'Grid' tuning accepts categorical ranges only")
    if not 1 <= tuning.max_jobs <= MAX_TRAINING_JOBS:
        add("MLD106", tuning, "max_jobs", f"{tuning.max_jobs} is out of range; use 1 to "
            f"{MAX_TRAINING_JOBS}")
    if not 1 <= tuning.max_parallel_jobs <= MAX_PARALLEL_JOBS:
        add("MLD106", tuning, "max_parallel_jobs", f"{tuning.max_parallel_jobs} is out of range; "
            f"use 1 to {MAX_PARALLEL_JOBS}")
    elif tuning.max_parallel_jobs > tuning.max_jobs:
        add("MLD105", tuning, "max_parallel_jobs", f"{tuning.max_parallel_jobs} exceeds max_jobs "
            f"{tuning.max_jobs}")
    if not tuning.ranges:
        add("MLD103", tuning, "ranges", "no hyperparameter ranges; give at least one")
    seen = set()
    for item in tuning.ranges:
        if item.name in seen:
            add("MLD111", item, "name", f"{item.name!r} has more than one range")
        seen.add(item.name)
        if item.name in tuning.static_hyperparameters:
            add("MLD111", item, "name", f"{item.name!r} is both tuned and a static hyperparameter")
        if isinstance(item, Categorical):
            if not item.values or len(item.values) > MAX_CATEGORICAL_VALUES:
                add("MLD122", item, "values", f"{len(item.values)} values; use 1 to "
                    f"{MAX_CATEGORICAL_VALUES}")
            continue
        _check_range(item, add)
    for key, value in tuning.static_hyperparameters.items():
        if len(value) > HYPERPARAMETER_VALUE_MAX:
            add("MLD111", tuning, "static_hyperparameters", f"value of {key!r} is {len(value)} "
                f"characters; the limit is {HYPERPARAMETER_VALUE_MAX}")


def _check_range(item, add) -> None:
    if item.scaling not in SCALING_TYPES:
        add("MLD104", item, "scaling", f"{item.scaling!r} is not allowed; use one of "
            f"{', '.join(SCALING_TYPES)}")
    if not all(math.isfinite(v) for v in (item.min, item.max)):
        add("MLD103", item, "min", f"range of {item.name!r} must have finite bounds")
        return
    if item.min >= item.max:
        add("MLD103", item, "min", f"{item.name}: MinValue {item.min:g} must be less than "
            f"MaxValue {item.max:g}")
    if item.scaling == "Logarithmic" and item.min <= 0:
        add("MLD104", item, "scaling", f"{item.name}: Logarithmic scaling needs MinValue > 0, "
            f"got {item.min:g}")
    if item.scaling == "ReverseLogarithmic":
        if isinstance(item, Integer):
            add("MLD104", item, "scaling", f"{item.name}: ReverseLogarithmic scaling is for "
                "continuous ranges only")
        elif not (0 <= item.min and item.max < 1):
            add("MLD104", item, "scaling", f"{item.name}: ReverseLogarithmic scaling needs "
                f"0 <= MinValue < MaxValue < 1, got {item.min:g}..{item.max:g}")


def _check_gate(bp, add) -> None:
    gate = bp.gate
    if gate.operator not in OPERATORS:
        add("MLD107", gate, "operator", f"{gate.operator!r} is not allowed; use one of "
            f"{', '.join(OPERATORS)}")
    if not math.isfinite(gate.threshold):
        add("MLD114", gate, "threshold", f"{gate.threshold!r} must be a finite number")
    if gate.metric != bp.tuning.objective.metric:
        add("MLD110", gate, "metric", f"the gate tests {gate.metric!r} but tuning optimises "
            f"{bp.tuning.objective.metric!r}; the gate compares the best job's objective metric, "
            f"so use metric({bp.tuning.objective.metric!r})")

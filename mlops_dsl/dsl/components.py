"""The parts a blueprint is made of. Defaults mirror the reference module's inputs (seed-inputs.md).

Each class is a frozen value; build variants with ``.with_(...)``. Paths are resolved later, against
the folder of the file that created the value (a blueprint module or a JSON config). What a field
accepts is declared on the field, once: its type, its ``Literal`` enumeration, its bounds (with the
AWS limit they mirror) and its pattern. The JSON config's schema is generated from the same lines.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import Annotated, Literal

from ..errors import Location
from ._fields import Allowed, Bounds, Finite, Length, NonEmpty, Pattern
from ._node import Node, node, relocate
from .production import Rollout

Text = Annotated[str, NonEmpty()]
"""A path or a name that must not be empty."""

InstanceType = Annotated[str, Pattern(
    "MLD113", r"^ml\.[a-z0-9]+\.[a-z0-9]+$", "use a SageMaker instance type such as 'ml.m5.xlarge'")]
"""The shape of a SageMaker instance type; the compiled workflow is checked against botocore's list."""

# The API's Integer is 32 bits: botocore's TrainingInstanceCount, InitialTaskCount and
# TransformInstanceCount shapes give only a minimum ("Valid Range: Minimum value of 0",
# ResourceConfig, SageMaker API reference); the account's service quotas are lower and adjustable.
INSTANCE_COUNT_MAX = 2**31 - 1
InstanceCount = Annotated[int, Bounds("MLD106", 1, INSTANCE_COUNT_MAX)]

MetricName = Annotated[str, Pattern(  # SageMaker MetricDefinition.Name: 1-255 of [a-zA-Z0-9_:.-]
    "MLD108", r"^[a-zA-Z0-9_:.-]{1,255}$", "use letters, digits and _ : . -", "a valid metric name")]

MetricRegex = Annotated[str, Length(  # SageMaker MetricDefinition.Regex: 1-500 characters
    "MLD133", 1, 500, "SageMaker's limit of a MetricDefinition regex")]

ScalingType = Annotated[Literal["Auto", "Linear", "Logarithmic", "ReverseLogarithmic"],
                        Allowed("MLD104")]  # SageMaker ParameterRange ScalingType


SubnetId = Annotated[str, NonEmpty(), Pattern(  # EC2 subnet IDs: subnet- and 8 or 17 hex digits
    "MLD040", r"^subnet-(?:[0-9a-f]{8}|[0-9a-f]{17})$",
    "use a subnet ID such as 'subnet-0a1b2c3d' (subnet- and 8 or 17 hexadecimal digits)",
    "a subnet ID")]
"""A subnet ID as EC2 writes it, like ``vpc_id`` (8 or, since 2018, 17 characters after the hyphen:
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/resource-ids.html). Anything else would fail
only in AWS, when SageMaker is handed the training jobs' VpcConfig; it also keeps user text that
is not an ID out of the template."""


@node
class Environment(Node):
    """Where the pipeline runs. With private subnets, training jobs and the model run inside them."""

    region: Annotated[str, Pattern("MLD112", r"^[a-z]{2}(-[a-z]+)+-[0-9]+$",
                                   "use an AWS region such as 'us-east-1'")]
    vpc_id: Annotated[str, Pattern(  # EC2 VPC IDs: vpc- and 8 or 17 hexadecimal digits
        "MLD124", r"^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$",
        "use a VPC ID such as 'vpc-0a1b2c3d' (vpc- and 8 or 17 hexadecimal digits)",
        "a VPC ID")] | None = None
    public_subnets: tuple[SubnetId, ...] = ()
    private_subnets: tuple[SubnetId, ...] = ()


@node
class GlueTransform(Node):
    """The Glue job that turns feature-store data into extracts (seed: script_path, whl_path, ...)."""

    script: Text = "source/scripts/transform.py"
    wheels: tuple[Text, ...] = ("source/scripts/python/pandasmodule-0.1-py3-none-any.whl",)
    spark: bool = False
    job_name: Annotated[str, Pattern("MLD120", r"^[a-zA-Z0-9_-]{1,200}$",  # Glue Job Name
                                     "use letters, digits, hyphens and underscores")] = "data-transformation"


@node
class ByoImage(Node):
    """A bring-your-own model image built from a local folder and pushed to this stack's ECR."""

    source: Text = "source/containers/ml-ops-byo-xgboost"
    name: Annotated[str, Pattern(  # ECR repositoryName grammar
        "MLD117", r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$",
        "use lower-case letters, digits and . _ - / (an ECR repository name)")] = "byo-xgboost"
    tag: Annotated[str, Pattern("MLD117", r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$",  # Docker tag grammar
                                "use letters, digits, . _ - (at most 128 characters)")] = "latest"


@node
class BuiltInImage(Node):
    """A ready image URI (e.g. a SageMaker built-in algorithm); no image is built, no ECR created."""

    uri: Annotated[str, Pattern("MLD117", "/", "use '<registry>/<repository>:<tag>'", "an image URI")]


@node
class Objective(Node):
    """What tuning optimises: ``maximize("roc_auc")`` or ``minimize("error")``."""

    metric: MetricName = "accuracy"
    type: Annotated[Literal["Maximize", "Minimize"], Allowed("MLD108")] = "Maximize"


def maximize(metric: str) -> Objective:
    """Tuning objective: make ``metric`` as large as possible."""
    return Objective(metric=metric, type="Maximize")


def minimize(metric: str) -> Objective:
    """Tuning objective: make ``metric`` as small as possible."""
    return Objective(metric=metric, type="Minimize")


@node
class Continuous(Node):
    """A continuous hyperparameter range (SageMaker ContinuousParameterRanges)."""

    name: Text
    min: Annotated[float, Finite("MLD103")]
    max: Annotated[float, Finite("MLD103")]
    scaling: ScalingType = "Auto"


@node
class Integer(Node):
    """An integer hyperparameter range (SageMaker IntegerParameterRanges)."""

    name: Text
    min: int
    max: int
    scaling: ScalingType = "Auto"


@node
class Categorical(Node):
    """A categorical hyperparameter range (SageMaker CategoricalParameterRanges)."""

    name: Text
    values: Annotated[tuple[str, ...], Length("MLD122", 1, 30)]  # CategoricalParameterRange.Values


Range = Continuous | Integer | Categorical


def _default_ranges() -> tuple:
    """The reference module's six ranges, located as defaults rather than at this file's lines."""
    where = Location("<default parameter_ranges>")
    return tuple(relocate(item, where) for item in (
        Continuous(name="gamma", min=0, max=10),
        Continuous(name="min_child_weight", min=1, max=20),
        Continuous(name="subsample", min=0.1, max=0.5),
        Continuous(name="max_delta_step", min=0, max=1),
        Continuous(name="scale_pos_weight", min=1, max=10),
        Integer(name="max_depth", min=1, max=10),
    ))


DEFAULT_RANGES: tuple = _default_ranges()


@node
class Tuning(Node):
    """The hyperparameter tuning job: objective, ranges, static values and limits.

    Each training job's metrics are read from its log by MetricDefinitions, the objective's first:
    by default the line ``<name>: <number>`` (see docs/contract.md); ``metric_regex`` replaces the
    objective's regex, and ``extra_metrics`` names further metrics to record (in the run metadata
    and the local summary): names with the default regex, or a mapping of name to regex.
    """

    objective: Objective = field(default_factory=Objective)
    ranges: tuple[Range, ...] = DEFAULT_RANGES
    static_hyperparameters: Mapping[str, str] = field(default_factory=lambda: {"kfold_splits": "5"})
    max_jobs: Annotated[int, Bounds("MLD106", 1, 750)] = 3  # ResourceLimits.MaxNumberOfTrainingJobs
    max_parallel_jobs: Annotated[int, Bounds("MLD106", 1, 100)] = 1  # ResourceLimits.MaxParallelTrainingJobs
    strategy: Annotated[Literal["Bayesian", "Random", "Hyperband", "Grid"],
                        Allowed("MLD109")] = "Bayesian"  # HyperParameterTuningJobConfig.Strategy
    metric_regex: MetricRegex | None = None  # None: the default regex of the objective's metric
    extra_metrics: tuple[MetricName, ...] | Mapping[str, str] = ()


@node
class Training(Node):
    """Resources of each training job."""

    instance_type: InstanceType = "ml.m4.xlarge"
    instance_count: InstanceCount = 1
    volume_gb: Annotated[int, Bounds("MLD106", 1, 16384, "GB")] = 30  # ResourceConfig.VolumeSizeInGB


@node
class Endpoint(Node):
    """Deploy the model to a real-time endpoint, created or updated if it exists."""

    name: Annotated[str, Pattern("MLD116", r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$",  # EndpointName
                                 "use 1 to 63 letters, digits and hyphens")] = "training-endpoint"
    instance_type: InstanceType = "ml.m4.xlarge"
    instance_count: InstanceCount = 1
    rollout: Rollout | None = None  # how an update reaches an endpoint that serves already


@node
class BatchTransform(Node):
    """Score the scoring data in a batch transform; the CSV output is crawled for Athena."""

    instance_type: InstanceType = "ml.m4.xlarge"
    instance_count: InstanceCount = 1


Deployment = Endpoint | BatchTransform


@node
class FeatureStore(Node):
    """The input bucket: created by the stack, or an existing bucket given by name."""

    existing_bucket: Annotated[str, Pattern(  # S3 bucket naming rules
        "MLD119", r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
        "use an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)")] | None = None


@node
class LocalData(Node):
    """Local training and scoring files, uploaded to the feature store by ``deploy`` and ``run``."""

    train: str | None = "source/data/train.csv"
    score: str | None = "source/data/score.csv"

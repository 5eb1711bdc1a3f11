"""The parts a blueprint is made of. Defaults mirror the reference module's inputs (seed-inputs.md).

Each class is a frozen value; build variants with ``.with_(...)``. Paths are resolved later, against
the folder of the file that created the value (a blueprint module or a JSON config).
"""
from __future__ import annotations

from collections.abc import Mapping

from ._node import Node, node


@node
class Environment(Node):
    """Where the pipeline runs. With private subnets, training jobs and the model run inside them."""

    region: str
    vpc_id: str | None = None
    public_subnets: tuple[str, ...] = ()
    private_subnets: tuple[str, ...] = ()


@node
class GlueTransform(Node):
    """The Glue job that turns feature-store data into extracts (seed: script_path, whl_path, ...)."""

    script: str = "source/scripts/transform.py"
    wheels: tuple[str, ...] = ("source/scripts/python/pandasmodule-0.1-py3-none-any.whl",)
    spark: bool = False
    job_name: str = "data-transformation"


@node
class ByoImage(Node):
    """A bring-your-own model image built from a local folder and pushed to this stack's ECR."""

    source: str = "source/containers/ml-ops-byo-xgboost"
    name: str = "byo-xgboost"
    tag: str = "latest"


@node
class BuiltInImage(Node):
    """A ready image URI (e.g. a SageMaker built-in algorithm); no image is built, no ECR created."""

    uri: str


@node
class Objective(Node):
    """What tuning optimises: ``maximize("roc_auc")`` or ``minimize("error")``."""

    metric: str = "accuracy"
    type: str = "Maximize"


def maximize(metric: str) -> Objective:
    """Tuning objective: make ``metric`` as large as possible."""
    return Objective(metric=metric, type="Maximize")


def minimize(metric: str) -> Objective:
    """Tuning objective: make ``metric`` as small as possible."""
    return Objective(metric=metric, type="Minimize")


@node
class Continuous(Node):
    """A continuous hyperparameter range (SageMaker ContinuousParameterRanges)."""

    name: str
    min: float
    max: float
    scaling: str = "Auto"


@node
class Integer(Node):
    """An integer hyperparameter range (SageMaker IntegerParameterRanges)."""

    name: str
    min: int
    max: int
    scaling: str = "Auto"


@node
class Categorical(Node):
    """A categorical hyperparameter range (SageMaker CategoricalParameterRanges)."""

    name: str
    values: tuple[str, ...]


Range = Continuous | Integer | Categorical

DEFAULT_RANGES: tuple = ()  # filled below, once the classes exist


@node
class Tuning(Node):
    """The hyperparameter tuning job: objective, ranges, static values and limits."""

    objective: Objective = None  # type: ignore[assignment]
    ranges: tuple[Range, ...] = None  # type: ignore[assignment]
    static_hyperparameters: Mapping[str, str] = None  # type: ignore[assignment]
    max_jobs: int = 3
    max_parallel_jobs: int = 1
    strategy: str = "Bayesian"

    def __post_init__(self) -> None:
        if self.objective is None:
            object.__setattr__(self, "objective", Objective())
        if self.ranges is None:
            object.__setattr__(self, "ranges", DEFAULT_RANGES)
        if self.static_hyperparameters is None:
            object.__setattr__(self, "static_hyperparameters", {"kfold_splits": "5"})
        super().__post_init__()


@node
class Training(Node):
    """Resources of each training job."""

    instance_type: str = "ml.m4.xlarge"
    instance_count: int = 1
    volume_gb: int = 30


@node
class Endpoint(Node):
    """Deploy the model to a real-time endpoint, created or updated if it exists."""

    name: str = "training-endpoint"
    instance_type: str = "ml.m4.xlarge"
    instance_count: int = 1


@node
class BatchTransform(Node):
    """Score the scoring data in a batch transform; the CSV output is crawled for Athena."""

    instance_type: str = "ml.m4.xlarge"
    instance_count: int = 1


Deployment = Endpoint | BatchTransform


@node
class FeatureStore(Node):
    """The input bucket: created by the stack, or an existing bucket given by name."""

    existing_bucket: str | None = None


@node
class LocalData(Node):
    """Local training and scoring files, uploaded to the feature store by ``deploy`` and ``run``."""

    train: str | None = "source/data/train.csv"
    score: str | None = "source/data/score.csv"


def _default_ranges() -> tuple:
    return (
        Continuous(name="gamma", min=0, max=10),
        Continuous(name="min_child_weight", min=1, max=20),
        Continuous(name="subsample", min=0.1, max=0.5),
        Continuous(name="max_delta_step", min=0, max=1),
        Continuous(name="scale_pos_weight", min=1, max=10),
        Integer(name="max_depth", min=1, max=10),
    )


def _build_defaults() -> tuple:
    from ..errors import Location
    from ._node import _forced_location

    _forced_location.append(Location("<default parameter_ranges>"))
    try:
        return _default_ranges()
    finally:
        _forced_location.pop()


DEFAULT_RANGES = _build_defaults()

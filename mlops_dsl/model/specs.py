"""The resolved parts of a pipeline: plain frozen values, defaults applied, ready to emit.

The emitters read only these (never the DSL), so a new target is a new function of the same specs.
Each spec remembers the origin of its fields (``Spec.origin``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..asl.operators import NUMERIC, reads
from .origin import Origin, Spec, origins_field


@dataclass(frozen=True)
class Asset:
    """A local file the template refers to, stored under ``key`` in the source repository bucket.

    ``data`` is the content read once at resolve time: the key, the digest and the compiled
    ``assets/`` copy all come from the same bytes."""

    source: Path
    key: str
    sha256: str
    data: bytes = field(repr=False, compare=False, default=b"")
    written: str = field(compare=False, default="")  # the path as the blueprint gives it
    shipped: str = field(compare=False, default="")  # a shipped folder (glue): mlops_dsl's own file


@dataclass(frozen=True, kw_only=True)
class TransformSpec(Spec):
    """The Glue job: ``pythonshell`` or ``glueetl``, its script and wheels."""

    command: str
    script: Asset
    wheels: tuple[Asset, ...]
    origins: dict[str, Origin] = origins_field()

    @property
    def is_spark(self) -> bool:
        return self.command == "glueetl"


@dataclass(frozen=True, kw_only=True)
class ByoImageSpec(Spec):
    """A bring-your-own image, built from ``source`` and pushed to the stack's repository."""

    name: str
    tag: str
    source: Path
    origins: dict[str, Origin] = origins_field()


@dataclass(frozen=True, kw_only=True)
class BuiltInImageSpec(Spec):
    """A ready image URI; no image is built and no repository created."""

    uri: str
    origins: dict[str, Origin] = origins_field()


@dataclass(frozen=True, kw_only=True)
class RangeSpec(Spec):
    """One hyperparameter range, bounds as SageMaker takes them (text, ``1`` not ``1.0``)."""

    kind: str  # "Continuous", "Integer" or "Categorical"
    name: str
    min_value: str | None = None
    max_value: str | None = None
    scaling: str | None = None
    values: tuple[str, ...] = ()
    origins: dict[str, Origin] = origins_field()

    @property
    def parameter_ranges_key(self) -> str:
        """Its list in CreateHyperParameterTuningJob's ParameterRanges."""
        return f"{self.kind}ParameterRanges"


@dataclass(frozen=True, kw_only=True)
class TuningSpec(Spec):
    """The hyperparameter tuning job."""

    objective_metric: str
    objective_type: str  # "Maximize" or "Minimize"
    strategy: str
    max_jobs: int
    max_parallel_jobs: int
    ranges: tuple[RangeSpec, ...]
    static_hyperparameters: tuple[tuple[str, str], ...]
    metric_definitions: tuple[tuple[str, str], ...]  # (name, regex), the objective's first
    origins: dict[str, Origin] = origins_field()

    @property
    def extra_metrics(self) -> tuple[str, ...]:
        """The metrics recorded besides the objective."""
        return tuple(name for name, _ in self.metric_definitions[1:])


@dataclass(frozen=True, kw_only=True)
class TrainingSpec(Spec):
    """The resources of each training job."""

    instance_type: str
    instance_count: int
    volume_gb: int
    origins: dict[str, Origin] = origins_field()


@dataclass(frozen=True, kw_only=True)
class GateSpec(Spec):
    """Deploy only when the best job's ``metric`` passes every bound (one Choice rule each, joined
    by ``And`` when there are several)."""

    metric: str
    bounds: tuple[tuple[str, float], ...]  # (Choice operator, threshold): NumericGreaterThan, 0.85
    origins: dict[str, Origin] = origins_field()

    def describe(self) -> str:
        """``roc_auc > 0.85``, ``0.9 < roc_auc < 0.999``: how the gate reads in messages."""
        return reads(self.metric, self.bounds)

    def failed(self, value: float) -> tuple[str, ...]:
        """The bounds ``value`` does not pass, as they read (``< 0.999``); empty when it passes."""
        return tuple(f"{NUMERIC[op].symbol} {threshold:g}" for op, threshold in self.bounds
                     if not NUMERIC[op].compare(value, threshold))


@dataclass(frozen=True, kw_only=True)
class EndpointSpec(Spec):
    """A real-time endpoint, created or updated."""

    name: str
    instance_type: str
    instance_count: int
    rollout: object = None  # production.RolloutSpec, or None: an update replaces at once
    origins: dict[str, Origin] = origins_field()

    @property
    def summary(self) -> str:
        return f"endpoint {self.name} on {self.instance_count} x {self.instance_type}"


@dataclass(frozen=True, kw_only=True)
class BatchSpec(Spec):
    """A batch transform of the scoring data."""

    instance_type: str
    instance_count: int
    origins: dict[str, Origin] = origins_field()

    @property
    def summary(self) -> str:
        return f"batch transform on {self.instance_count} x {self.instance_type}"


@dataclass(frozen=True, kw_only=True)
class DataSpec(Spec):
    """The local data files and the feature-store keys they are uploaded to."""

    train: Path | None
    score: Path | None
    train_key: str
    score_key: str
    train_written: str | None = None  # the paths as the blueprint gives them, relative to its
    score_written: str | None = None  # folder unless absolute (for commands run from there)
    origins: dict[str, Origin] = origins_field()

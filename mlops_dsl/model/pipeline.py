"""The resolved pipeline: the one intermediate representation between the DSL and the emitters."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Location
from .names import Names
from .origin import Origin, Spec, origins_field
from .lifecycle import DriftSpec, LimitsSpec, limits_of
from .production import NotificationsSpec, RegistrySpec
from .specs import (Asset, BatchSpec, BuiltInImageSpec, ByoImageSpec, DataSpec, EndpointSpec,
                    GateSpec, TrainingSpec, TransformSpec, TuningSpec)


@dataclass(frozen=True, kw_only=True)
class Pipeline(Spec):
    """Everything the emitters need, already checked and derived."""

    name: str
    names: Names
    job_name: str
    tags: tuple[tuple[str, str], ...]
    region: str
    vpc_id: str | None
    private_subnets: tuple[str, ...]
    credentials_file: str
    kms_key_arn: str | None
    existing_feature_store: str | None
    transform: TransformSpec
    image: ByoImageSpec | BuiltInImageSpec
    tuning: TuningSpec
    training: TrainingSpec
    gate: GateSpec
    deployment: EndpointSpec | BatchSpec
    data: DataSpec
    registry: RegistrySpec | None = None
    notifications: NotificationsSpec | None = None
    limits: LimitsSpec = field(default_factory=lambda: limits_of(None, None, {}))
    schedule: str | None = None
    drift: DriftSpec | None = None
    where: Location | None = None  # where the blueprint was made
    origins: dict[str, Origin] = origins_field()

    @property
    def is_endpoint(self) -> bool:
        return isinstance(self.deployment, EndpointSpec)

    @property
    def byo_image(self) -> ByoImageSpec | None:
        return self.image if isinstance(self.image, ByoImageSpec) else None

    @property
    def builtin_image_uri(self) -> str | None:
        return self.image.uri if isinstance(self.image, BuiltInImageSpec) else None

    @property
    def rollout(self):
        """The endpoint's rollout (production.RolloutSpec), or None."""
        return self.deployment.rollout if self.is_endpoint else None

    @property
    def has_topic(self) -> bool:
        """Whether the stack has a notification topic: for e-mails, or to carry approvals."""
        return self.notifications is not None or bool(self.registry and self.registry.manual)

    @property
    def physical_names(self) -> dict[str, str]:
        """Every explicit name of the stack's resources and of the SageMaker names its runs make."""
        return self.names.physical(endpoint=self.deployment.name if self.is_endpoint else None,
                                   batch=not self.is_endpoint, alarms=self.rollout is not None,
                                   topic=self.has_topic,
                                   group=self.registry.group_name if self.registry else None,
                                   schedule=self.schedule is not None,
                                   drift=self.drift is not None)

    @property
    def assets(self) -> tuple[Asset, ...]:
        drift = (self.drift.script,) if self.drift is not None else ()
        return (self.transform.script, *self.transform.wheels, *drift)

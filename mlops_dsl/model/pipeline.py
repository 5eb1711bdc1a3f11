"""The resolved pipeline: the one intermediate representation between the DSL and the emitters."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import Location
from .names import Names
from .origin import Origin, Spec, origins_field
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
    def physical_names(self) -> dict[str, str]:
        """Every explicit name of the stack's resources and of the SageMaker names its runs make."""
        return self.names.physical(endpoint=self.deployment.name if self.is_endpoint else None,
                                   batch=not self.is_endpoint)

    @property
    def assets(self) -> tuple[Asset, ...]:
        return (self.transform.script, *self.transform.wheels)

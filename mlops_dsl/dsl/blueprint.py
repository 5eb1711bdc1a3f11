"""The Blueprint: one ML-Ops pipeline, as a value.

A module may define several; ``compile --name`` picks one. Derive variants with ``.with_()``::

    dev = Blueprint(...)
    prod = dev.with_(name="prod", training=dev.training.with_(instance_count=2))
"""
from __future__ import annotations

from collections.abc import Mapping

from ._node import Node, node
from .components import (BatchTransform, BuiltInImage, ByoImage, Endpoint, Environment,
                         FeatureStore, GlueTransform, LocalData, Training, Tuning)
from .gate import Gate


@node
class Blueprint(Node):
    """Everything the reference module's inputs describe, grouped by concern.

    ``name`` names the blueprint itself (the output folder ``build/<name>/``); when omitted, the
    variable that holds it in its module is used. ``kms_key`` (a KMS key ARN) encrypts every
    store, job and log with a customer-managed key instead of AWS-managed keys.
    """

    name_prefix: str
    job_name: str
    environment: Environment
    tags: Mapping[str, str] = None  # type: ignore[assignment]
    name: str | None = None
    credentials_file: str = "~/.aws/credentials"
    kms_key: str | None = None
    transform: GlueTransform = None  # type: ignore[assignment]
    image: ByoImage | BuiltInImage = None  # type: ignore[assignment]
    tuning: Tuning = None  # type: ignore[assignment]
    training: Training = None  # type: ignore[assignment]
    gate: Gate = None  # type: ignore[assignment]
    deployment: Endpoint | BatchTransform = None  # type: ignore[assignment]
    feature_store: FeatureStore = None  # type: ignore[assignment]
    data: LocalData = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        defaults = {
            "tags": lambda: {},
            "transform": GlueTransform,
            "image": ByoImage,
            "tuning": Tuning,
            "training": Training,
            "gate": Gate,
            "deployment": BatchTransform,
            "feature_store": FeatureStore,
            "data": LocalData,
        }
        from ._node import _forced_location

        for field, make in defaults.items():
            if getattr(self, field) is None:
                _forced_location.append(_forced_location[-1] if _forced_location else _here())
                try:
                    object.__setattr__(self, field, make())
                finally:
                    _forced_location.pop()
        super().__post_init__()


def _here():
    from ._node import caller_location

    return caller_location()

"""The Blueprint: one ML-Ops pipeline, as a value.

A module may define several; ``compile --name`` picks one. Derive variants with ``.with_()``::

    dev = Blueprint(...)
    prod = dev.with_(name="prod", training=dev.training.with_(instance_count=2))
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import field
from typing import Annotated

from ._fields import Length, Pattern
from ._node import Node, node
from .components import (BatchTransform, BuiltInImage, ByoImage, Endpoint, Environment,
                         FeatureStore, GlueTransform, LocalData, Training, Tuning)
from .gate import Gate
from .lifecycle import DriftCheck, RuntimeMinutes, Schedule, SpotTraining
from .production import ModelRegistry, Notifications

JOB_NAME_MAX = 18  # seed: job_name + "-" + 13-character timestamp must fit SageMaker's 32


@node
class Blueprint(Node):
    """Everything the reference module's inputs describe, grouped by concern.

    ``name`` names the blueprint itself (the output folder ``build/<name>/``); when omitted, the
    variable that holds it in its module is used. ``kms_key`` (a KMS key ARN) encrypts every
    store, job and log with a customer-managed key instead of AWS-managed keys. Each part left out
    is its default, located where the Blueprint was made.
    """

    # It starts ECR, Glue, Lambda, log group and state machine names. A trailing hyphen is the
    # reference module's convention ("${local.project_shortname}-"): names join with one hyphen
    # either way (model.Names.join), so "attrition-" and "attrition" name the same resources.
    name_prefix: Annotated[str, Pattern(
        "MLD102", r"^[a-z0-9](-*[a-z0-9]){0,29}-?$",
        "use 1 to 30 lower-case letters, digits and hyphens that start and end with a letter or "
        "digit, optionally followed by one hyphen (as in 'attrition-')")]
    job_name: Annotated[str, Length("MLD101", 1, JOB_NAME_MAX, "a timestamp is appended for each run"),
                        Pattern("MLD101", r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$",  # SageMaker job names
                                "use letters, digits and hyphens, starting and ending with a letter "
                                "or digit")]
    environment: Environment
    tags: Mapping[str, str] = field(default_factory=dict)
    # It names the output folder (build/<name>/) and the local run's folders: one path part,
    # never "..", "/" or a control character.
    name: Annotated[str, Pattern(
        "MLD140", r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$",
        "use 1 to 63 letters, digits, '_' and '-', starting with a letter or digit (it names the "
        "output folder)")] | None = None
    credentials_file: str = "~/.aws/credentials"
    kms_key: Annotated[str, Pattern(
        "MLD121", r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+$",
        "use a KMS key ARN such as 'arn:aws:kms:us-east-1:123456789012:key/<key id>'")] | None = None
    transform: GlueTransform = field(default_factory=GlueTransform)
    image: ByoImage | BuiltInImage = field(default_factory=ByoImage)
    tuning: Tuning = field(default_factory=Tuning)
    training: Training = field(default_factory=Training)
    gate: Gate = field(default_factory=Gate)
    deployment: Endpoint | BatchTransform = field(default_factory=BatchTransform)
    feature_store: FeatureStore = field(default_factory=FeatureStore)
    data: LocalData = field(default_factory=LocalData)
    model_registry: ModelRegistry | None = None
    notifications: Notifications | None = None
    training_schedule: Schedule | None = None  # also start a run on this schedule
    spot_training: SpotTraining | None = None
    max_runtime_minutes: RuntimeMinutes | None = None  # per training job (default 24 h) and transform
    drift_check: DriftCheck | None = None  # batch transform only

    @property
    def gate_metric(self) -> str:
        """The metric the gate compares: its own, or else (the default) the tuning objective's."""
        return self.gate.metric if self.gate.metric is not None else self.tuning.objective.metric

    @property
    def effective_gate(self) -> Gate:
        """The gate as compiled: ``gate`` with its metric filled in, at the gate's own location."""
        if self.gate.metric is not None:
            return self.gate
        gate = copy.copy(self.gate)
        object.__setattr__(gate, "metric", self.gate_metric)
        return gate

"""The one table of config inputs: each key of the JSON config, the DSL field it sets, and its meaning.

``CONFIG_FIELDS`` drives everything about the config form: loading (``load.blueprint_from_config``),
each field's JSON pointer in errors, the inverse (``load.config_from_blueprint``), the generated
JSON schema (``schema``) and the README's table. Types, enumerations, bounds and defaults are not
written here: they come from the DSL field a row names, so a config and a Python blueprint accept
the same values and default to the same ones.

A DSL path names a field from the Blueprint down: ``tuning.max_jobs``; a field that holds one of
several classes names the class: ``deployment[Endpoint].name``. A key with a dot nests the input in
an object: ``environment.aws_region``.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..dsl import (BatchTransform, Blueprint, DriftCheck, Endpoint, ModelRegistry, Notifications,
                   Rollout, SpotTraining)
from ..dsl._fields import options, split
from ..dsl._node import Node, hints
from .forms import (ABSENT, Bounds, Choice, Chooses, Form, Metrics, OneOrMany, OptionalNode,
                    Ranges)

ENDPOINT = "Create Model Endpoint Config"
BATCH = "Batch Transform"


@dataclass(frozen=True)
class Input:
    """One config key: the DSL field(s) it sets, what it means, and its JSON form if not the DSL's."""

    key: str
    path: str
    description: str
    required: bool = False
    also: tuple[str, ...] = ()  # further DSL paths the same value sets
    form: Form = Form()
    extension: bool = False  # an mlops_dsl input the reference module did not have

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(self.key.split("."))

    @property
    def pointer(self) -> str:
        return "/" + "/".join(self.parts)

    @property
    def annotation(self):
        return annotation_of(self.path)

    @property
    def is_object(self) -> bool:
        """A row for a nested DSL value (``environment``) whose fields are rows of their own."""
        base, _ = split(self.annotation)
        return isinstance(base, type) and issubclass(base, Node) and type(self.form) is Form

    def default(self):
        """The DSL value a missing key stands for: the DSL field's default, through the form."""
        return self.form.default(default_of(self.path))

    def text(self) -> str:
        return f"mlops_dsl extension: {self.description}" if self.extension else self.description


CONFIG_FIELDS: tuple[Input, ...] = (
    Input("aws_credentials_file", "credentials_file",
          "AWS credentials file used when pushing the bring-your-own image", required=True),
    Input("environment", "environment", "where the pipeline runs", required=True),
    Input("environment.aws_region", "environment.region", "the AWS region of every resource",
          required=True),
    Input("environment.vpc_id", "environment.vpc_id", "the VPC that holds the private subnets"),
    Input("environment.public_subnets", "environment.public_subnets", "public subnets of the VPC"),
    Input("environment.private_subnets", "environment.private_subnets",
          "subnets that the training jobs and the model run in"),
    Input("job_name", "job_name", "prefix of SageMaker model and job names (at most 18 characters)",
          required=True),
    Input("name_prefix", "name_prefix", "prefix of every resource name (buckets, ECR, Glue, Lambda)",
          required=True),
    Input("resource_tags", "tags", "tags on every resource", required=True),
    Input("kms_key_arn", "kms_key", "a customer-managed KMS key ARN for every store, job and log",
          extension=True),
    Input("script_path", "transform.script", "local Glue script"),
    Input("whl_path", "transform.wheels",
          "Python wheel made available to the Glue job: a path, a list of paths, or null",
          form=OneOrMany()),
    Input("glue_job_spark_flag", "transform.spark", "true: Spark Glue job; false: Python shell"),
    Input("glue_job_name", "transform.job_name", "name of the Glue transform job"),
    Input("built_in_model_image", "image[BuiltInImage].uri",
          "use this training/inference image; no image is built and no ECR repository created",
          form=Chooses()),
    Input("byo_model_image_source_path", "image[ByoImage].source",
          "local folder with the Dockerfile of the bring-your-own model"),
    Input("byo_model_image_name", "image[ByoImage].name",
          "image and ECR repository name of the bring-your-own model"),
    Input("byo_model_image_tag", "image[ByoImage].tag", "tag of that image"),
    Input("tuning_metric", "tuning.objective.metric",
          "objective metric of tuning, which the gate compares (e.g. error, auc, f1, accuracy)",
          also=("gate.metric",)),
    Input("tuning_objective", "tuning.objective.type", "Maximize or Minimize the metric"),
    Input("tuning_strategy", "tuning.strategy", "the tuning strategy", extension=True),
    Input("tuning_metric_regex", "tuning.metric_regex",
          "regex that reads the objective's value from the training log, with one capture group; "
          "null: the line `<metric>: <number>`", extension=True),
    Input("tuning_extra_metrics", "tuning.extra_metrics",
          "further metrics to record in the run metadata and the local summary: a list of names "
          "(each read from the line `<name>: <number>`) or an object of name to regex",
          form=Metrics(), extension=True),
    Input("parameter_ranges", "tuning.ranges",
          "ContinuousParameterRanges / IntegerParameterRanges, each a list of {Name, MinValue, "
          "MaxValue, ScalingType}; CategoricalParameterRanges ({Name, Values}) is an extension",
          form=Ranges()),
    Input("static_hyperparameters", "tuning.static_hyperparameters",
          "hyperparameters fixed during tuning"),
    Input("max_number_training_jobs", "tuning.max_jobs", "total tuning jobs"),
    Input("max_parallel_training_jobs", "tuning.max_parallel_jobs", "tuning jobs in parallel"),
    Input("training_job_instance_type", "training.instance_type", "training instance type"),
    Input("training_job_instance_count", "training.instance_count", "instances per training job"),
    Input("training_job_storage_in_gb", "training.volume_gb", "training volume size in GB"),
    Input("inference_comparison_operator", "gate.operator",
          "Step Functions comparison used to gate deployment"),
    Input("inference_metric_threshold", "gate.threshold", "threshold for that comparison"),
    Input("inference_metric_also", "gate.also",
          "further comparisons the metric must also pass, each {\"operator\", \"threshold\"}: "
          "with one, the gate is a band such as 0.9 < roc_auc < 0.999 (a Choice And rule)",
          form=Bounds(), extension=True),
    Input("endpoint_or_batch_transform", "deployment", f"{BATCH} or {ENDPOINT}",
          form=Choice(**{ENDPOINT: Endpoint, BATCH: BatchTransform})),
    Input("endpoint_name", "deployment[Endpoint].name", "endpoint created, or updated if it exists"),
    Input("endpoint_instance_type", "deployment[Endpoint].instance_type", "endpoint instance type"),
    Input("endpoint_instance_count", "deployment[Endpoint].instance_count",
          "initial endpoint instances"),
    Input("batch_transform_instance_type", "deployment[BatchTransform].instance_type",
          "instance type for batch inference"),
    Input("batch_transform_instance_count", "deployment[BatchTransform].instance_count",
          "instances for batch inference"),
    Input("feature_store_override", "feature_store.existing_bucket",
          "use this existing bucket as the feature store instead of creating one"),
    Input("train_local_path", "data.train",
          "local training data, uploaded by deploy and run; null if you upload it yourself"),
    Input("score_local_path", "data.score", "local scoring data; null for endpoint inference"),
    Input("endpoint_rollout", "deployment[Endpoint].rollout",
          "how an update reaches the endpoint: {strategy: all_at_once|canary|linear, "
          "canary_percent, linear_step_percent, wait_minutes, max_error_rate_percent, "
          "max_p99_latency_ms}; alarms roll it back", form=OptionalNode(Rollout), extension=True),
    Input("model_registry", "model_registry",
          "register each model that passes the gate: {group_name, approval: auto|manual}",
          form=OptionalNode(ModelRegistry), extension=True),
    Input("notifications", "notifications",
          "e-mail runs that end in one of events: {emails, events}",
          form=OptionalNode(Notifications), extension=True),
    Input("training_schedule", "training_schedule",
          "also start a run on this schedule (cron(...) or rate(...), UTC), on the training data "
          "at the compiled key", extension=True),
    Input("spot_training", "spot_training",
          "managed spot training: {max_wait_minutes}", form=OptionalNode(SpotTraining),
          extension=True),
    Input("max_runtime_minutes", "max_runtime_minutes",
          "longest run of one training job (default 1440) and of the batch transform",
          extension=True),
    Input("drift_check", "drift_check",
          "compare the scoring data with the training data before a batch transform: "
          "{max_psi, on_drift: fail|warn}", form=OptionalNode(DriftCheck), extension=True),
)


# DSL paths ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    field: str
    variant: str | None = None  # the class a union field must hold: deployment[Endpoint]


def steps(path: str) -> tuple[Step, ...]:
    out = []
    for part in path.split("."):
        name, _, variant = part.partition("[")
        out.append(Step(name, variant.rstrip("]") or None))
    return tuple(out)


def classes_of(cls: type, field: str) -> tuple[type, ...]:
    """The DSL classes a field may hold (one, or the members of a union)."""
    return tuple(c for c in options(split(hints(cls)[field])[0]) if isinstance(c, type))


def step_class(cls: type, step: Step) -> type:
    members = classes_of(cls, step.field)
    if step.variant is None:
        (only,) = members
        return only
    return next(c for c in members if c.__name__ == step.variant)


def owner_of(path: str) -> type:
    """The DSL class that holds the last field of ``path``."""
    cls = Blueprint
    for step in steps(path)[:-1]:
        cls = step_class(cls, step)
    return cls


def annotation_of(path: str):
    return hints(owner_of(path))[steps(path)[-1].field]


NO_DEFAULT = object()


def default_of(path: str):
    """The DSL default of the field at ``path`` (``NO_DEFAULT`` for a required field)."""
    name = steps(path)[-1].field
    field = next(f for f in dataclasses.fields(owner_of(path)) if f.name == name)
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return NO_DEFAULT


def read(blueprint, path: str):
    """The blueprint's value at ``path``, or ABSENT when the path runs through a variant it does
    not hold (an endpoint's name in a batch-transform blueprint)."""
    value = blueprint
    for step in steps(path):
        value = getattr(value, step.field)
        if step.variant is not None and type(value).__name__ != step.variant:
            return ABSENT
    return value


def children(row: Input | None) -> tuple[Input, ...]:
    """The rows nested in an object row (``environment.*``), or the top-level rows for None."""
    depth = 1 if row is None else len(row.parts) + 1
    prefix = () if row is None else row.parts
    return tuple(r for r in CONFIG_FIELDS if len(r.parts) == depth and r.parts[:depth - 1] == prefix)


LEAVES: tuple[Input, ...] = tuple(r for r in CONFIG_FIELDS if not r.is_object)

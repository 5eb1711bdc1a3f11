"""resolve(blueprint) -> Pipeline: defaults applied, paths made absolute, every name derived.

A pure function of the blueprint plus the bytes of the files it names: user assets are read once
and content-addressed (sha256), so an unchanged file keeps its key. Range bounds are written as
SageMaker takes them here, once, so every emitter and the local runner read the same text.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..dsl import Blueprint, BuiltInImage, ByoImage, Categorical, Continuous, Endpoint
from ..dsl.gate import OPERATORS
from ..errors import NOT_EMITTED, BlueprintError, Problem, shorten
from ..files import path_problem
from .layout import ASSETS_PREFIX, DRIFT_SCRIPT, SCORE_PREFIX, TRAIN_PREFIX
from .metrics import metric_definitions
from .names import Names
from .origin import Origin, origin_of, origins_of
from .pipeline import Pipeline
from .lifecycle import DriftSpec, limits_of
from .production import NotificationsSpec, RegistrySpec, RolloutSpec
from .specs import (Asset, BatchSpec, BuiltInImageSpec, ByoImageSpec, DataSpec, EndpointSpec,
                    GateSpec, RangeSpec, TrainingSpec, TransformSpec, TuningSpec)


def _base_dir(node, field: str) -> Path:
    """The folder a relative path resolves against: the folder of the file that wrote the field
    (a blueprint module, a helper it imports, a JSON config), kept by ``.with_()`` for the fields
    a variant leaves unchanged; the working folder for a value with no file."""
    file = node.where_of(field).file
    if file.startswith("<"):
        return Path.cwd()
    return Path(file).resolve().parent


def _path(node, field: str, value: str) -> Path:
    path = Path(os.path.expanduser(value))
    return path if path.is_absolute() else (_base_dir(node, field) / path)


def _asset(path: Path, data: bytes, written: str) -> Asset:
    digest = hashlib.sha256(data).hexdigest()
    return Asset(path, f"{ASSETS_PREFIX}{digest[:16]}/{path.name}", digest, data, written)


def _shipped_asset(folder: str, name: str) -> Asset:
    """A script mlops_dsl ships (``glue/drift.py``): an asset like the user's, content-addressed,
    with no path as the blueprint writes it (``Asset.shipped`` names its folder instead)."""
    from ..scaffold.shipped import shipped_dir

    path = shipped_dir(folder) / name
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    return Asset(path, f"{ASSETS_PREFIX}{digest[:16]}/{path.name}", digest, data, shipped=folder)


def number_text(value) -> str:
    """SageMaker takes range bounds as strings; ``1`` not ``1.0`` for whole numbers, and an int
    exactly as written (never through a float)."""
    if isinstance(value, int):
        return str(value)
    return str(int(value)) if value.is_integer() else repr(value)


def _range(item) -> RangeSpec:
    if isinstance(item, Categorical):
        return RangeSpec(kind="Categorical", name=item.name, values=tuple(item.values),
                         origins=origins_of(item, "name", "values"))
    return RangeSpec(kind="Continuous" if isinstance(item, Continuous) else "Integer",
                     name=item.name, min_value=number_text(item.min),
                     max_value=number_text(item.max), scaling=item.scaling,
                     origins=origins_of(item, "name", "min", "max", "scaling"))


def _rollout(rollout) -> RolloutSpec | None:
    if rollout is None:
        return None
    return RolloutSpec(strategy=rollout.strategy, canary_percent=rollout.canary_percent,
                       linear_step_percent=rollout.linear_step_percent,
                       wait_seconds=rollout.wait_minutes * 60,
                       max_error_rate_percent=float(rollout.max_error_rate_percent),
                       max_p99_latency_ms=float(rollout.max_p99_latency_ms),
                       origins=origins_of(rollout, "strategy", "canary_percent",
                                          "linear_step_percent", "wait_minutes",
                                          "max_error_rate_percent", "max_p99_latency_ms"))


def _files(bp: Blueprint):
    """The files the blueprint names, checked and read once; raises BlueprintError listing all.

    Each is checked for what it must be (a file, a folder), then for what it holds: the Glue
    script must be UTF-8 Python, a wheel a wheel (``validate.files``)."""
    from ..validate.files import image_problem, script_problem, wheel_problem

    problems: list[Problem] = []

    def add(node, field, code, message):
        problems.append(Problem(code, node.field_name(field), message, node.where_of(field)))

    def read(node, field, value, code, what, check=None, load=True):
        path = _path(node, field, value)
        reason = path_problem(path, "file")
        data = None
        if reason is None and load:
            try:
                data = path.read_bytes()
            except OSError as error:
                reason = f"cannot be read ({error.strerror or error})"
        if reason is not None:
            add(node, field, code, f"{what} {shorten(value)} {reason} (looked for {path})")
            return None
        wrong = check(path, data) if check else None
        if wrong:
            add(node, field, wrong[0], f"{what} {shorten(value)} {wrong[1]}")
            return None
        return path, data

    transform = bp.transform
    script = read(transform, "script", transform.script, "MLD201", "Glue script", script_problem)
    wheels = [(found, wheel) for wheel in transform.wheels
              if (found := read(transform, "wheels", wheel, "MLD202", "Python wheel", wheel_problem))]
    image_source = None
    if isinstance(bp.image, ByoImage):
        image_source = _path(bp.image, "source", bp.image.source)
        reason = path_problem(image_source, "folder")
        if reason:
            add(bp.image, "source", "MLD203", f"image folder {shorten(bp.image.source)} {reason} "
                f"(looked for {image_source})")
        else:
            wrong = image_problem(image_source)
            if wrong:
                add(bp.image, "source", wrong[0], f"image folder {shorten(bp.image.source)} {wrong[1]}")
    data = {}
    for kind in ("train", "score"):
        value = getattr(bp.data, kind)
        found = None if value is None else read(bp.data, kind, value, "MLD204",
                                                 f"local {kind} data", load=False)
        data[kind] = found[0] if found else None
    if problems:
        raise BlueprintError(problems, unchecked=NOT_EMITTED)
    return script, wheels, image_source, data


def _definitions_origin(tuning):
    """What MetricDefinitions came from: the extra metrics or the regex when given, else the
    objective's metric (whose default regex it is)."""
    for field in ("extra_metrics", "metric_regex"):
        if getattr(tuning, field):
            return origin_of(tuning, field)
    return origin_of(tuning.objective, "metric")


def _limit_origins(bp: Blueprint) -> dict[str, Origin]:
    """Which field each bound of the training jobs comes from: the run time from
    max_runtime_minutes, else (with spot training) from the wait it defaults to."""
    spot, origins = bp.spot_training, {}
    if bp.max_runtime_minutes is not None:
        origins["max_runtime_seconds"] = origin_of(bp, "max_runtime_minutes")
        origins["transform_timeout_seconds"] = origins["max_runtime_seconds"]
    elif spot is not None:
        origins["max_runtime_seconds"] = origin_of(spot, "max_wait_minutes")
    if spot is not None:
        origins["max_wait_seconds"] = origin_of(spot, "max_wait_minutes")
    return origins


def resolve(bp: Blueprint, name: str) -> Pipeline:
    """Resolve a blueprint already checked by validate.blueprint; raises BlueprintError on bad paths."""
    script, wheels, image_source, data = _files(bp)
    tuning, training, gate = bp.tuning, bp.training, bp.effective_gate
    if isinstance(bp.image, ByoImage):
        image = ByoImageSpec(name=bp.image.name, tag=bp.image.tag, source=image_source,
                             origins=origins_of(bp.image, "name", "tag", "source"))
    else:
        assert isinstance(bp.image, BuiltInImage)
        image = BuiltInImageSpec(uri=bp.image.uri, origins=origins_of(bp.image, "uri"))
    deployment = bp.deployment
    if isinstance(deployment, Endpoint):
        target = EndpointSpec(name=deployment.name, instance_type=deployment.instance_type,
                              instance_count=deployment.instance_count,
                              rollout=_rollout(deployment.rollout),
                              origins=origins_of(deployment, "name", "instance_type",
                                                 "instance_count", "rollout"))
    else:
        target = BatchSpec(instance_type=deployment.instance_type,
                           instance_count=deployment.instance_count,
                           origins=origins_of(deployment, "instance_type", "instance_count"))
    names_origins = {"prefix": origin_of(bp, "name_prefix"), "job_prefix": origin_of(bp, "job_name"),
                     "transform_job": origin_of(bp.transform, "job_name")}
    if isinstance(bp.image, ByoImage):
        names_origins["image_name"] = image.origin("name")
    return Pipeline(
        name=name,
        names=Names(prefix=bp.name_prefix, job_prefix=bp.job_name,
                    transform_job=bp.transform.job_name,
                    image_name=bp.image.name if isinstance(bp.image, ByoImage) else None,
                    origins=names_origins),
        job_name=bp.job_name,
        tags=tuple(sorted(bp.tags.items())),
        region=bp.environment.region,
        vpc_id=bp.environment.vpc_id,
        private_subnets=bp.environment.private_subnets,
        credentials_file=bp.credentials_file,
        kms_key_arn=bp.kms_key,
        existing_feature_store=bp.feature_store.existing_bucket,
        transform=TransformSpec(command="glueetl" if bp.transform.spark else "pythonshell",
                                script=_asset(*script, bp.transform.script),
                                wheels=tuple(_asset(*found, text) for found, text in wheels),
                                origins=origins_of(bp.transform, "script", "wheels", "spark",
                                                   "job_name")),
        image=image,
        tuning=TuningSpec(objective_metric=tuning.objective.metric,
                          objective_type=tuning.objective.type, strategy=tuning.strategy,
                          max_jobs=tuning.max_jobs, max_parallel_jobs=tuning.max_parallel_jobs,
                          ranges=tuple(_range(item) for item in tuning.ranges),
                          static_hyperparameters=tuple(tuning.static_hyperparameters.items()),
                          metric_definitions=metric_definitions(tuning.objective.metric,
                                                                tuning.metric_regex,
                                                                tuning.extra_metrics),
                          origins={**origins_of(tuning, "strategy", "max_jobs", "max_parallel_jobs",
                                                "ranges", "static_hyperparameters"),
                                   "objective_metric": origin_of(tuning.objective, "metric"),
                                   "objective_type": origin_of(tuning.objective, "type"),
                                   "metric_definitions": _definitions_origin(tuning)}),
        training=TrainingSpec(instance_type=training.instance_type,
                              instance_count=training.instance_count, volume_gb=training.volume_gb,
                              origins=origins_of(training, "instance_type", "instance_count",
                                                 "volume_gb")),
        gate=GateSpec(metric=gate.metric,
                      bounds=tuple((op, float(threshold)) for op, threshold in gate.bounds),
                      origins=origins_of(gate, "metric", "operator", "threshold", "also")),
        deployment=target,
        data=DataSpec(train=data["train"], score=data["score"],
                      train_key=TRAIN_PREFIX + (data["train"].name if data["train"] else "train.csv"),
                      score_key=SCORE_PREFIX + (data["score"].name if data["score"] else "score.csv"),
                      train_written=bp.data.train, score_written=bp.data.score,
                      origins=origins_of(bp.data, "train", "score")),
        registry=None if bp.model_registry is None else RegistrySpec(
            group_name=bp.model_registry.group_name, approval=bp.model_registry.approval,
            origins=origins_of(bp.model_registry, "group_name", "approval")),
        notifications=None if bp.notifications is None else NotificationsSpec(
            emails=tuple(bp.notifications.emails), events=tuple(bp.notifications.events),
            origins=origins_of(bp.notifications, "emails", "events")),
        limits=limits_of(bp.max_runtime_minutes,
                         bp.spot_training.max_wait_minutes if bp.spot_training else None,
                         _limit_origins(bp)),
        schedule=bp.training_schedule,
        drift=None if bp.drift_check is None else DriftSpec(
            max_psi=float(bp.drift_check.max_psi), on_drift=bp.drift_check.on_drift,
            script=_shipped_asset("glue", DRIFT_SCRIPT),
            origins=origins_of(bp.drift_check, "max_psi", "on_drift")),
        where=bp.where,
        origins={**origins_of(bp, "name_prefix", "job_name", "tags", "kms_key", "credentials_file"),
                 **origins_of(bp.environment, "region", "vpc_id", "private_subnets"),
                 "existing_feature_store": origin_of(bp.feature_store, "existing_bucket")},
    )

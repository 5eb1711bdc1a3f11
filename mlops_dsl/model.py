"""The resolved pipeline: defaults applied, paths made absolute, every AWS name derived.

The emitters read only this model, never the DSL objects or the environment, so what is deployed is
a pure function of the blueprint (plus the bytes of the files it names). Derived names are
deterministic; user assets are content-addressed (sha256) so an unchanged file keeps its key.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .dsl import BatchTransform, Blueprint, BuiltInImage, ByoImage, Endpoint
from .errors import BlueprintError, Problem

TRAIN_PREFIX = "data/train/"
SCORE_PREFIX = "data/score/"
EXTRACTS_TRAIN_PREFIX = "train/"
EXTRACTS_SCORE_KEY = "score/score.csv"
MODEL_PREFIX = "models/"
TRANSFORM_PREFIX = "transform/"
PREDICTIONS_PREFIX = "predictions/"
METADATA_PREFIX = "tuning-runs/"
MAX_TRAINING_RUNTIME_SECONDS = 24 * 60 * 60  # seed: 24 h max runtime per training job


@dataclass(frozen=True)
class Asset:
    """A local file the template refers to, stored under ``key`` in the source repository bucket.

    ``data`` is the content read once at resolve time: the key, the digest and the compiled
    ``assets/`` copy all come from the same bytes."""

    source: Path
    key: str
    sha256: str
    data: bytes = field(repr=False, compare=False, default=b"")


@dataclass(frozen=True)
class Pipeline:
    """Everything the emitters need, already checked and derived."""

    blueprint: Blueprint
    name: str
    name_prefix: str
    job_name: str
    tags: tuple[tuple[str, str], ...]
    region: str
    vpc_id: str | None
    private_subnets: tuple[str, ...]
    glue_job_name: str
    glue_command: str
    script: Asset
    wheels: tuple[Asset, ...]
    byo_image: ByoImage | None
    image_source: Path | None
    builtin_image_uri: str | None
    deployment: Endpoint | BatchTransform
    existing_feature_store: str | None
    train_data: Path | None
    score_data: Path | None
    train_key: str
    score_key: str
    state_machine_name: str
    crawler_name: str
    database_name: str
    kms_key_arn: str | None = None

    @property
    def is_endpoint(self) -> bool:
        return isinstance(self.deployment, Endpoint)

    @property
    def assets(self) -> tuple[Asset, ...]:
        return (self.script, *self.wheels)

    @property
    def tuning(self):
        return self.blueprint.tuning

    @property
    def training(self):
        return self.blueprint.training

    @property
    def gate(self):
        """The gate as compiled: its metric defaulted to the tuning objective's."""
        return self.blueprint.effective_gate


def _base_dir(node) -> Path:
    file = node.where.file
    if file.startswith("<"):
        return Path.cwd()
    return Path(file).resolve().parent


def _path(node, field: str, value: str) -> Path:
    path = Path(os.path.expanduser(value))
    return path if path.is_absolute() else (_base_dir(node) / path)


def _asset(path: Path) -> Asset:
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    return Asset(path, f"assets/{digest[:16]}/{path.name}", digest, data)


def resolve(bp: Blueprint, name: str) -> Pipeline:
    """Resolve a blueprint already checked by validate.blueprint; raises BlueprintError on bad paths."""
    problems: list[Problem] = []

    def existing_file(node, field, value, code, what):
        path = _path(node, field, value)
        if not path.is_file():
            problems.append(Problem(code, field_name(node, field),
                                    f"{what} {value!r} does not exist (looked for {path})",
                                    node.where_of(field)))
            return None
        return path

    script = existing_file(bp.transform, "script", bp.transform.script, "MLD201", "Glue script")
    wheels = []
    for wheel in bp.transform.wheels:
        path = existing_file(bp.transform, "wheels", wheel, "MLD202", "Python wheel")
        if path is not None:
            wheels.append(path)
    image_source = None
    if isinstance(bp.image, ByoImage):
        image_source = _path(bp.image, "source", bp.image.source)
        if not image_source.is_dir():
            problems.append(Problem("MLD203", field_name(bp.image, "source"),
                                    f"image folder {bp.image.source!r} does not exist "
                                    f"(looked for {image_source})", bp.image.where_of("source")))
        elif not (image_source / "Dockerfile").is_file():
            problems.append(Problem("MLD203", field_name(bp.image, "source"),
                                    f"image folder {bp.image.source!r} has no Dockerfile",
                                    bp.image.where_of("source")))
    data = {}
    for kind in ("train", "score"):
        value = getattr(bp.data, kind)
        data[kind] = None if value is None else existing_file(
            bp.data, kind, value, "MLD204", f"local {kind} data")
    if problems:
        raise BlueprintError(problems)

    prefix = bp.name_prefix
    return Pipeline(
        blueprint=bp,
        name=name,
        name_prefix=prefix,
        job_name=bp.job_name,
        tags=tuple(sorted(bp.tags.items())),
        region=bp.environment.region,
        vpc_id=bp.environment.vpc_id,
        private_subnets=bp.environment.private_subnets,
        glue_job_name=f"{prefix}-{bp.transform.job_name}",
        glue_command="glueetl" if bp.transform.spark else "pythonshell",
        script=_asset(script),
        wheels=tuple(_asset(w) for w in wheels),
        byo_image=bp.image if isinstance(bp.image, ByoImage) else None,
        image_source=image_source,
        builtin_image_uri=bp.image.uri if isinstance(bp.image, BuiltInImage) else None,
        deployment=bp.deployment,
        existing_feature_store=bp.feature_store.existing_bucket,
        train_data=data["train"],
        score_data=data["score"],
        train_key=TRAIN_PREFIX + (data["train"].name if data["train"] else "train.csv"),
        score_key=SCORE_PREFIX + (data["score"].name if data["score"] else "score.csv"),
        state_machine_name=f"{prefix}-pipeline",
        crawler_name=f"{prefix}-output-crawler",
        database_name=re.sub(r"[^a-z0-9_]", "_", f"{prefix}_output".lower()),
        kms_key_arn=bp.kms_key,
    )


def field_name(node, field: str) -> str:
    """How a field is named in messages: the config key for a JSON config (``script_path``), the
    class and field for Python (``GlueTransform.script``)."""
    where = node.where_of(field)
    if where.pointer:
        return where.pointer.lstrip("/").replace("/", ".")
    return f"{type(node).__name__}.{field}"

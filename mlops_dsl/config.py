"""The JSON config form of a blueprint: the reference module's input names, defaults and meanings.

``blueprint_from_config`` validates a config against the shipped JSON schema first (every problem at
once, a misspelt key answered with the closest valid name), then builds DSL values whose fields
remember the JSON pointer of the key they came from. ``config_from_blueprint`` is the inverse; the
two are tested to round-trip without loss.
"""
from __future__ import annotations

import difflib
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .dsl import (BatchTransform, Blueprint, BuiltInImage, ByoImage, Categorical, Continuous,
                  Endpoint, Environment, FeatureStore, Gate, GlueTransform, Integer, LocalData,
                  Objective, Training, Tuning)
from .dsl._node import _forced_location
from .errors import BlueprintError, Location, Problem

ENDPOINT = "Create Model Endpoint Config"
BATCH = "Batch Transform"


@lru_cache(maxsize=1)
def config_schema() -> dict:
    """The JSON schema shipped in mlops_dsl/schemas/ (also the source of every default)."""
    text = resources.files("mlops_dsl").joinpath("schemas/blueprint-config.schema.json").read_text()
    return json.loads(text)


def _pointer(path) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def schema_problems(config, file: str) -> list[Problem]:
    """Every schema violation of ``config``, each with its JSON pointer and what is allowed."""
    from jsonschema import Draft202012Validator

    schema = config_schema()
    problems = []
    validator = Draft202012Validator(schema)
    for error in sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.path))):
        pointer = _pointer(error.path)
        field = ".".join(str(p) for p in error.path) or "(config)"
        if error.validator == "additionalProperties":
            allowed = sorted(error.schema.get("properties", {}))
            instance = error.instance if isinstance(error.instance, dict) else {}
            for key in sorted(set(instance) - set(allowed)):
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; allowed keys: {', '.join(allowed)}"
                problems.append(Problem("MLD010", f"{field}.{key}" if error.path else key,
                                        f"unknown key {key!r}{hint}",
                                        Location(file, pointer=f"{pointer}/{key}")))
            continue
        if error.validator == "required":
            message = error.message.replace("is a required property", "is required")
            problems.append(Problem("MLD011", field, message, Location(file, pointer=pointer)))
            continue
        if error.validator == "enum":
            allowed = ", ".join(repr(v) for v in error.validator_value)
            message = f"{error.instance!r} is not allowed; use one of {allowed}"
        elif error.validator in ("type", "oneOf"):
            expected = _expected(error.schema)
            message = f"{error.instance!r} is not {expected}"
        else:
            message = error.message
        problems.append(Problem("MLD012", field, message, Location(file, pointer=pointer)))
    return problems


def _expected(schema: dict) -> str:
    if "oneOf" in schema:
        return " or ".join(_expected(option) for option in schema["oneOf"])
    kinds = schema.get("type", "a value")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    names = {"string": "a string", "number": "a number", "integer": "an integer",
             "boolean": "true or false", "null": "null", "array": "a list", "object": "an object"}
    return " or ".join(names.get(k, k) for k in kinds)


def load_config(path: str | Path) -> Blueprint:
    """Read, validate and convert a JSON config file. Raises BlueprintError with every problem."""
    path = Path(path)
    file = str(path)
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BlueprintError([Problem("MLD013", "(config)", f"not valid JSON: {exc.msg}",
                                      Location(file, line=exc.lineno))]) from None
    return blueprint_from_config(config, file=file, name=path.stem)


def blueprint_from_config(config, *, file: str, name: str | None = None) -> Blueprint:
    """Build a Blueprint from a config mapping (already parsed JSON)."""
    problems = schema_problems(config, file)
    if problems:
        raise BlueprintError(problems)
    defaults = {key: spec.get("default") for key, spec in config_schema()["properties"].items()}
    value = {**defaults, **config}

    def at(*keys: str) -> Location:
        return Location(file, pointer="/" + keys[0] if keys else "")

    def build(cls, pointer_of: dict[str, str], **fields):
        _forced_location.append(Location(file, pointer=""))
        try:
            made = cls(**fields)
        finally:
            _forced_location.pop()
        object.__setattr__(made, "_field_where",
                           {f: Location(file, pointer=p) for f, p in pointer_of.items()})
        return made

    env = value["environment"]
    environment = build(Environment, {"region": "/environment/aws_region",
                                      "vpc_id": "/environment/vpc_id",
                                      "public_subnets": "/environment/public_subnets",
                                      "private_subnets": "/environment/private_subnets"},
                        region=env["aws_region"], vpc_id=env.get("vpc_id"),
                        public_subnets=tuple(env.get("public_subnets", ())),
                        private_subnets=tuple(env.get("private_subnets", ())))
    wheels = value["whl_path"]
    wheels = () if wheels is None else (wheels,) if isinstance(wheels, str) else tuple(wheels)
    transform = build(GlueTransform, {"script": "/script_path", "wheels": "/whl_path",
                                      "spark": "/glue_job_spark_flag", "job_name": "/glue_job_name"},
                      script=value["script_path"], wheels=wheels, spark=value["glue_job_spark_flag"],
                      job_name=value["glue_job_name"])
    if value["built_in_model_image"] is not None:
        image = build(BuiltInImage, {"uri": "/built_in_model_image"}, uri=value["built_in_model_image"])
    else:
        image = build(ByoImage, {"source": "/byo_model_image_source_path",
                                 "name": "/byo_model_image_name", "tag": "/byo_model_image_tag"},
                      source=value["byo_model_image_source_path"],
                      name=value["byo_model_image_name"], tag=value["byo_model_image_tag"])
    tuning = build(Tuning, {"objective": "/tuning_metric", "ranges": "/parameter_ranges",
                            "static_hyperparameters": "/static_hyperparameters",
                            "max_jobs": "/max_number_training_jobs",
                            "max_parallel_jobs": "/max_parallel_training_jobs",
                            "strategy": "/tuning_strategy"},
                   objective=build(Objective, {"metric": "/tuning_metric", "type": "/tuning_objective"},
                                   metric=value["tuning_metric"], type=value["tuning_objective"]),
                   ranges=_ranges(value.get("parameter_ranges"), build),
                   static_hyperparameters=value["static_hyperparameters"],
                   max_jobs=value["max_number_training_jobs"],
                   max_parallel_jobs=value["max_parallel_training_jobs"],
                   strategy=value["tuning_strategy"])
    training = build(Training, {"instance_type": "/training_job_instance_type",
                                "instance_count": "/training_job_instance_count",
                                "volume_gb": "/training_job_storage_in_gb"},
                     instance_type=value["training_job_instance_type"],
                     instance_count=value["training_job_instance_count"],
                     volume_gb=value["training_job_storage_in_gb"])
    gate = build(Gate, {"metric": "/tuning_metric", "operator": "/inference_comparison_operator",
                        "threshold": "/inference_metric_threshold"},
                 metric=value["tuning_metric"], operator=value["inference_comparison_operator"],
                 threshold=value["inference_metric_threshold"])
    if value["endpoint_or_batch_transform"] == ENDPOINT:
        deployment = build(Endpoint, {"name": "/endpoint_name",
                                      "instance_type": "/endpoint_instance_type",
                                      "instance_count": "/endpoint_instance_count"},
                           name=value["endpoint_name"], instance_type=value["endpoint_instance_type"],
                           instance_count=value["endpoint_instance_count"])
    else:
        deployment = build(BatchTransform, {"instance_type": "/batch_transform_instance_type",
                                            "instance_count": "/batch_transform_instance_count"},
                           instance_type=value["batch_transform_instance_type"],
                           instance_count=value["batch_transform_instance_count"])
    feature_store = build(FeatureStore, {"existing_bucket": "/feature_store_override"},
                          existing_bucket=value["feature_store_override"])
    data = build(LocalData, {"train": "/train_local_path", "score": "/score_local_path"},
                 train=value["train_local_path"], score=value["score_local_path"])
    return build(Blueprint, {"name_prefix": "/name_prefix", "job_name": "/job_name",
                             "tags": "/resource_tags", "credentials_file": "/aws_credentials_file",
                             "environment": "/environment", "kms_key": "/kms_key_arn"},
                 name=name, name_prefix=value["name_prefix"], job_name=value["job_name"],
                 tags=value["resource_tags"], credentials_file=value["aws_credentials_file"],
                 kms_key=value["kms_key_arn"],
                 environment=environment, transform=transform, image=image, tuning=tuning,
                 training=training, gate=gate, deployment=deployment, feature_store=feature_store,
                 data=data)


def _number(text):
    if isinstance(text, str):
        number = float(text)
        return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
    return text


def _ranges(spec: dict | None, build) -> tuple:
    if spec is None:
        return None  # the DSL default ranges
    ranges = []
    for kind, cls in (("ContinuousParameterRanges", Continuous), ("IntegerParameterRanges", Integer)):
        for index, item in enumerate(spec.get(kind, ())):
            base = f"/parameter_ranges/{kind}/{index}"
            low, high = _number(item["MinValue"]), _number(item["MaxValue"])
            if cls is Continuous:
                low, high = float(low), float(high)
            ranges.append(build(cls, {"name": f"{base}/Name", "min": f"{base}/MinValue",
                                      "max": f"{base}/MaxValue", "scaling": f"{base}/ScalingType"},
                                name=item["Name"], min=low, max=high,
                                scaling=item.get("ScalingType", "Auto")))
    for index, item in enumerate(spec.get("CategoricalParameterRanges", ())):
        base = f"/parameter_ranges/CategoricalParameterRanges/{index}"
        ranges.append(build(Categorical, {"name": f"{base}/Name", "values": f"{base}/Values"},
                            name=item["Name"], values=tuple(item["Values"])))
    return tuple(ranges)


def config_from_blueprint(blueprint: Blueprint) -> dict:
    """The JSON config equivalent of a blueprint (the inverse of ``blueprint_from_config``)."""
    bp = blueprint
    deployment = bp.deployment
    config = {
        "aws_credentials_file": bp.credentials_file,
        "environment": {"aws_region": bp.environment.region, "vpc_id": bp.environment.vpc_id,
                        "public_subnets": list(bp.environment.public_subnets),
                        "private_subnets": list(bp.environment.private_subnets)},
        "job_name": bp.job_name,
        "name_prefix": bp.name_prefix,
        "resource_tags": dict(bp.tags),
        "kms_key_arn": bp.kms_key,
        "script_path": bp.transform.script,
        "whl_path": (None if not bp.transform.wheels else bp.transform.wheels[0]
                     if len(bp.transform.wheels) == 1 else list(bp.transform.wheels)),
        "glue_job_spark_flag": bp.transform.spark,
        "glue_job_name": bp.transform.job_name,
        "built_in_model_image": bp.image.uri if isinstance(bp.image, BuiltInImage) else None,
        "tuning_metric": bp.tuning.objective.metric,
        "tuning_objective": bp.tuning.objective.type,
        "tuning_strategy": bp.tuning.strategy,
        "parameter_ranges": _ranges_config(bp.tuning.ranges),
        "static_hyperparameters": dict(bp.tuning.static_hyperparameters),
        "max_number_training_jobs": bp.tuning.max_jobs,
        "max_parallel_training_jobs": bp.tuning.max_parallel_jobs,
        "training_job_instance_type": bp.training.instance_type,
        "training_job_instance_count": bp.training.instance_count,
        "training_job_storage_in_gb": bp.training.volume_gb,
        "inference_comparison_operator": bp.gate.operator,
        "inference_metric_threshold": bp.gate.threshold,
        "feature_store_override": bp.feature_store.existing_bucket,
        "train_local_path": bp.data.train,
        "score_local_path": bp.data.score,
        "endpoint_or_batch_transform": ENDPOINT if isinstance(deployment, Endpoint) else BATCH,
    }
    if isinstance(bp.image, ByoImage):
        config.update(byo_model_image_source_path=bp.image.source,
                      byo_model_image_name=bp.image.name, byo_model_image_tag=bp.image.tag)
    if isinstance(deployment, Endpoint):
        config.update(endpoint_name=deployment.name, endpoint_instance_type=deployment.instance_type,
                      endpoint_instance_count=deployment.instance_count)
    else:
        config.update(batch_transform_instance_type=deployment.instance_type,
                      batch_transform_instance_count=deployment.instance_count)
    return config


def _ranges_config(ranges) -> dict:
    out: dict[str, list] = {}
    for item in ranges:
        if isinstance(item, Categorical):
            out.setdefault("CategoricalParameterRanges", []).append(
                {"Name": item.name, "Values": list(item.values)})
            continue
        kind = "ContinuousParameterRanges" if isinstance(item, Continuous) else "IntegerParameterRanges"
        out.setdefault(kind, []).append({"Name": item.name, "MinValue": item.min,
                                         "MaxValue": item.max, "ScalingType": item.scaling})
    return out

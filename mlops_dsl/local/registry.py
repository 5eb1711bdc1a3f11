"""``aws-sdk:sagemaker:createModelPackage`` locally: the model registry is a folder of the workspace.

Each package is ``<workspace>/registry/<group>/<version>.json``; versions count up across the runs
of one workspace, as a model package group's do (``model-package/<group>/<version>``). The record
holds the request (approval status, model artifact, metadata properties), the model's metrics
(read from the ``ModelMetrics`` statistics object the run wrote: the best job's final metrics) and,
once a person decided, the decision. ``update_model_package`` has UpdateModelPackage's
arguments, so the decision code of ``deploy.approval`` records a local decision too.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from ..emit.tasks import sagemaker as tasks
from .context import Fake, RunContext, TaskFailed
from .fake import now
from .stores import split_uri

FOLDER = "registry"


class Registry:
    """The workspace's model packages."""

    def __init__(self, context: RunContext):
        self.context = context

    def group_folder(self, group: str) -> Path:
        return self.context.shared(FOLDER, group)

    def claim(self, group: str) -> tuple[int, Path]:
        """The next version of ``group`` and its file, created atomically (two runs at once get
        two versions)."""
        folder = self.group_folder(group)
        version = 1 + max((int(p.stem) for p in folder.glob("*.json") if p.stem.isdigit()),
                          default=0)
        while True:
            path = folder / f"{version}.json"
            try:
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
                return version, path
            except FileExistsError:
                version += 1

    def path_of(self, arn: str) -> Path:
        group, version = arn.split(":model-package/", 1)[1].split("/")
        return self.group_folder(group) / f"{version}.json"

    def update_model_package(self, *, ModelPackageArn: str, ModelApprovalStatus: str,
                             ApprovalDescription: str = "", **_) -> dict:
        path = self.path_of(ModelPackageArn)
        record = json.loads(path.read_text())
        record.update(status=ModelApprovalStatus, approval_description=ApprovalDescription,
                      decided=now())
        _write(path, record)
        for package in self.context.packages:
            if package["arn"] == ModelPackageArn:
                package.update(record)
        self.context.reporter.say(f"model package {ModelPackageArn}: {ModelApprovalStatus}"
                                  + (f" ({ApprovalDescription})" if ApprovalDescription else ""),
                                  indent=1)
        return {"ModelPackageArn": ModelPackageArn}


def _write(path: Path, record: dict) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    temporary.replace(path)


class LocalRegistry(Fake):
    ROUTES = {tasks.CreateModelPackage.API: "create_model_package"}

    def __init__(self, context: RunContext):
        self.context = context
        self.registry = Registry(context)

    def _metrics(self, parameters: dict) -> dict:
        """The best job's final metrics, from the ModelMetrics statistics object (the run's
        metadata), as name -> value."""
        uri = (parameters.get("ModelMetrics", {}).get("ModelQuality", {})
               .get("Statistics", {}).get("S3Uri"))
        if not uri:
            return {}
        bucket, key = split_uri(uri)
        try:
            metadata = json.loads(self.context.stores.get_bytes(bucket, key))
        except Exception as error:  # noqa: BLE001 - as SageMaker: the object must exist
            raise TaskFailed("SageMaker.ValidationException",
                             f"ModelMetrics statistics {uri} cannot be read: {error}") from None
        final = metadata.get("BestModel", {}).get("FinalMetrics") or []
        return {m["MetricName"]: m["Value"] for m in final if "MetricName" in m}

    def create_model_package(self, parameters: dict, state: str) -> dict:
        group = parameters["ModelPackageGroupName"]
        version, path = self.registry.claim(group)
        arn = self.context.arn("sagemaker", f"model-package/{group.lower()}/{version}")
        containers = parameters.get("InferenceSpecification", {}).get("Containers", [{}])
        record = {"arn": arn, "group": group, "version": version,
                  "status": parameters.get("ModelApprovalStatus", "PendingManualApproval"),
                  "description": parameters.get("ModelPackageDescription"),
                  "model_data": containers[0].get("ModelDataUrl"),
                  "image": containers[0].get("Image"),
                  "metrics": self._metrics(parameters),
                  "metadata": parameters.get("CustomerMetadataProperties", {}),
                  "run": self.context.run_id, "created": now()}
        _write(path, record)
        self.context.packages.append(dict(record, path=str(path)))
        self.context.reporter.say(f"model package {arn} ({record['status']}) -> {path}", indent=1)
        return {"ModelPackageArn": arn}

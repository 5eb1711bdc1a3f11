"""Which model serves which endpoint, kept in the workspace across local runs.

``<workspace>/endpoints/<endpoint>.json`` names the endpoint config and model that serve the
endpoint, the program folder that serves it and a copy of the model's artifact
(``<workspace>/endpoints/<endpoint>/<model>.tar.gz``), so a later run finds the endpoint in
service (its "Check endpoint exists" sees it in moto's SageMaker, seeded from here) and, when its
own model is rolled back, restarts the earlier model from here.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from .fake import ACCOUNT, PARTITION

FOLDER = "endpoints"


@dataclass(frozen=True)
class EndpointState:
    endpoint: str
    config: str
    model: str
    model_data: str  # the model's S3 URL in the run that deployed it
    archive: str  # the copy of model.tar.gz in the workspace
    program: str  # the folder whose serve program serves it
    run: str


def load(workspace: Path, endpoint: str) -> EndpointState | None:
    path = Path(workspace) / FOLDER / f"{endpoint}.json"
    try:
        return EndpointState(**json.loads(path.read_text()))
    except (OSError, ValueError, TypeError):
        return None


def save(workspace: Path, *, endpoint: str, config: str, model: str, model_data: str,
         archive: Path, program: Path, run: str) -> EndpointState:
    folder = Path(workspace) / FOLDER
    (folder / endpoint).mkdir(parents=True, exist_ok=True)
    kept = folder / endpoint / f"{model}.tar.gz"
    shutil.copyfile(archive, kept)
    state = EndpointState(endpoint, config, model, model_data, str(kept), str(program), run)
    temporary = folder / f"{endpoint}.json.tmp"
    temporary.write_text(json.dumps(asdict(state), indent=2, sort_keys=True) + "\n")
    temporary.replace(folder / f"{endpoint}.json")
    for old in (folder / endpoint).glob("*.tar.gz"):  # keep only the serving model's copy
        if old != kept:
            old.unlink()
    return state


def seed_moto(sagemaker_client, state: EndpointState) -> None:
    """Create the endpoint in moto's SageMaker, as the earlier run left it in the account."""
    sagemaker_client.create_model(
        ModelName=state.model, ExecutionRoleArn=f"arn:{PARTITION}:iam::{ACCOUNT}:role/local",
        PrimaryContainer={"Image": "local", "ModelDataUrl": state.model_data})
    sagemaker_client.create_endpoint_config(EndpointConfigName=state.config, ProductionVariants=[{
        "VariantName": "AllTraffic", "ModelName": state.model, "InitialInstanceCount": 1,
        "InstanceType": "ml.m5.large"}])
    sagemaker_client.create_endpoint(EndpointName=state.endpoint, EndpointConfigName=state.config)

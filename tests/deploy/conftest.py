"""Fixtures of the deploy tests: a deployed sample stack, fast polling (``cli`` is in tests/conftest.py)."""
from __future__ import annotations

import json
import os
import stat

import pytest

from deploy_helpers import SAMPLE


@pytest.fixture(autouse=True)
def _fast_polls(monkeypatch):
    from mlops_dsl.deploy import events, executions

    monkeypatch.setattr(events, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(executions, "POLL_SECONDS", 0.1)


@pytest.fixture
def deployed(moto_server, cli):
    """The attrition sample deployed as stack ``demo`` with its image pushed: the first deploy
    (which holds the training data back, the image not being there yet), a stand-in push of the
    image into moto's ECR, and a second deploy that uploads the training data. Returns both
    deploys' stdout, in order."""
    code, first, err = cli("deploy", SAMPLE, "--stack-name", "demo", "--yes")
    assert code == 0, err
    push_stand_in_image(SAMPLE)
    code, second, err = cli("deploy", SAMPLE, "--stack-name", "demo", "--yes")
    assert code == 0, err
    return first + second


def push_stand_in_image(blueprint) -> str:
    """Put an image manifest under the blueprint's repository and tag, as ``push-image`` would
    (moto's ECR stores the manifest; nothing is built)."""
    import json

    import boto3

    from mlops_dsl.compiler import compile_file

    pipeline = compile_file(blueprint).pipeline
    manifest = {"schemaVersion": 2, "mediaType":
                "application/vnd.docker.distribution.manifest.v2+json", "config": {
                    "mediaType": "application/vnd.docker.container.image.v1+json", "size": 1,
                    "digest": "sha256:" + "0" * 64}, "layers": []}
    boto3.client("ecr").put_image(repositoryName=pipeline.names.ecr_repository,
                                  imageManifest=json.dumps(manifest),
                                  imageTag=pipeline.byo_image.tag)
    return pipeline.names.ecr_repository


FAKE_DOCKER = """#!{python}
import json, os, sys
record = {{"argv": sys.argv[1:], "stdin": sys.stdin.read() if "--password-stdin" in sys.argv else None}}
with open(os.environ["FAKE_DOCKER_LOG"], "a") as log:
    log.write(json.dumps(record) + "\\n")
sys.exit(int(os.environ.get("FAKE_DOCKER_EXIT", "0")) if sys.argv[1] == "push" else 0)
"""


@pytest.fixture
def fake_docker(tmp_path, monkeypatch):
    import sys

    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "docker"
    script.write_text(FAKE_DOCKER.format(python=sys.executable))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "docker.log"
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_DOCKER_LOG", str(log))
    return lambda: [json.loads(line) for line in log.read_text().splitlines()]


@pytest.fixture
def fault_proxy(moto_server, monkeypatch):
    """A fault-injecting proxy (``fault_proxy.FaultProxy``) in front of the moto server; every
    client of the test goes through it."""
    from fault_proxy import FaultProxy

    proxy = FaultProxy(moto_server)
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    yield proxy
    proxy.stop()

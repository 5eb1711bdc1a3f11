"""Compiled output: deterministic, cfn-lint clean, within limits, and offline."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from helpers import ROOT, sample, sample_blueprints
from mlops_dsl.compiler import TEMPLATE, WORKFLOW, compile_file
from mlops_dsl.validate.template import MAX_INLINE_BODY_BYTES

SAMPLES = sample_blueprints()


@pytest.fixture(scope="module")
def compiled():
    return {path.name: compile_file(path) for path in SAMPLES}


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_compile_twice_gives_identical_bytes(path, compiled):
    assert compile_file(path).files == compiled[path.name].files


def test_compile_is_identical_across_processes(tmp_path):
    """Different hash seeds, time zones and working folders: the same bytes."""
    outputs = []
    for index, (seed, tz) in enumerate((("1", "UTC"), ("4242", "Asia/Tokyo"))):
        out = tmp_path / f"out{index}"
        env = {**os.environ, "PYTHONHASHSEED": seed, "TZ": tz}
        subprocess.run([sys.executable, "-m", "mlops_dsl", "compile",
                        str(ROOT / "blueprints" / "attrition.py"), "-o", str(out)],
                       check=True, env=env, cwd=tmp_path, capture_output=True)
        outputs.append({p.relative_to(out).as_posix(): p.read_bytes()
                        for p in sorted(out.rglob("*")) if p.is_file()})
    assert outputs[0] == outputs[1]
    assert TEMPLATE in outputs[0] and WORKFLOW in outputs[0]


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_template_has_no_cfn_lint_errors_or_warnings(path, compiled):
    from cfnlint.api import ManualArgs, lint

    text = compiled[path.name].files[TEMPLATE].decode()
    matches = lint(text, config=ManualArgs(regions=["us-east-1"]))
    assert [str(m) for m in matches] == []


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_template_fits_inline_limit_and_embeds_workflow(path, compiled):
    result = compiled[path.name]
    if not (result.pipeline.rollout or result.pipeline.registry):  # those stage it (deploy.md)
        assert len(result.files[TEMPLATE]) < MAX_INLINE_BODY_BYTES
    machine = result.template["Resources"]["StateMachine"]["Properties"]
    embedded = json.loads(machine["DefinitionString"]["Fn::Sub"])
    assert embedded == json.loads(result.files[WORKFLOW])
    assert "DefinitionSubstitutions" not in machine


def test_compile_never_opens_a_socket(monkeypatch):
    """No network and no credentials: compile must not even try."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                "AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(key, raising=False)

    def refuse(*args, **kwargs):
        raise AssertionError(f"compile tried to open a network connection: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for path in SAMPLES:
        assert compile_file(path).files[TEMPLATE]


def test_every_store_is_encrypted_private_tls_only_and_tagged(compiled):
    template = compiled["attrition.py"].template
    resources = template["Resources"]
    buckets = {k: v for k, v in resources.items() if v["Type"] == "AWS::S3::Bucket"}
    assert sorted(buckets) == sorted(["FeatureStoreBucket", "SourceRepositoryBucket", "ExtractsBucket",
                                      "ModelStoreBucket", "MetadataBucket", "OutputBucket",
                                      "AccessLogsBucket"])
    for logical_id, bucket in buckets.items():
        props = bucket["Properties"]
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert all(props["PublicAccessBlockConfiguration"].values())
        assert {"Key": "project", "Value": "employee-attrition"} in props["Tags"]
        assert bucket["DeletionPolicy"] == "Retain"
        policy = resources[f"{logical_id}Policy"]["Properties"]["PolicyDocument"]["Statement"][0]
        assert policy["Effect"] == "Deny"
        assert policy["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_existing_feature_store_is_not_created(tmp_path):
    from mlops_dsl.compiler import compile_blueprint
    from mlops_dsl.dsl import FeatureStore

    result = compile_blueprint(sample().with_(feature_store=FeatureStore(existing_bucket="team-data")))
    assert "FeatureStoreBucket" not in result.template["Resources"]
    transform = result.definition["States"]["Transform data"]["Parameters"]["Arguments"]
    assert transform["--S3_SOURCE"] == "team-data"
    rule = result.template["Resources"]["TrainingDataTrigger"]["Properties"]["EventPattern"]
    assert rule["detail"]["bucket"]["name"] == ["team-data"]


def test_builtin_image_has_no_repository_and_runs_in_private_subnets(compiled):
    result = compiled["attrition_builtin.py"]
    assert "ModelRepository" not in result.template["Resources"]
    tuning = result.definition["States"]["Tune model"]["Parameters"]["TrainingJobDefinition"]
    assert tuning["AlgorithmSpecification"]["TrainingImage"].startswith("123456789012.dkr.ecr.")
    assert tuning["VpcConfig"]["Subnets"] == ["subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"]
    model = result.definition["States"]["Create model"]["Parameters"]
    assert model["VpcConfig"] == tuning["VpcConfig"]

"""The plain AWS CLI path of docs/deploy.md, with the real ``aws`` CLI against the moto server:
compile, ``aws cloudformation package`` + ``deploy``, ``aws s3 sync``/``cp`` for assets and data."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import pytest
from deploy_helpers import BLUEPRINTS, SAMPLE

AWS = shutil.which("aws") or str(Path(sys.executable).with_name("aws"))
pytestmark = pytest.mark.skipif(not Path(AWS).exists(), reason="the AWS CLI is not installed")


def aws(*argv, cwd) -> str:
    result = subprocess.run([AWS, *argv], cwd=cwd, capture_output=True, text=True, timeout=120, check=False,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert result.returncode == 0, f"aws {' '.join(argv)}\n{result.stdout}\n{result.stderr}"
    return result.stdout.strip()


def physical_id(stack: str, logical_id: str, cwd) -> str:
    return aws("cloudformation", "list-stack-resources", "--stack-name", stack, "--query",
               f"StackResourceSummaries[?LogicalResourceId=='{logical_id}'].PhysicalResourceId",
               "--output", "text", cwd=cwd)


def test_package_deploy_and_copy_the_data(moto_server, tmp_path, cli):
    build = tmp_path / "build"
    code, _, err = cli("compile", SAMPLE, "-o", build)
    assert code == 0, err
    aws("s3", "mb", "s3://cfn-artifacts", cwd=build)
    aws("cloudformation", "package", "--template-file", "template.json", "--s3-bucket", "cfn-artifacts",
        "--output-template-file", "packaged.yaml", cwd=build)
    # small enough to send inline (moto cannot read a TemplateURL; with real AWS, add --s3-bucket)
    assert (build / "packaged.yaml").stat().st_size <= 51_200
    aws("cloudformation", "deploy", "--template-file", "packaged.yaml", "--stack-name", "plain",
        "--capabilities", "CAPABILITY_IAM", cwd=build)
    status = boto3.client("cloudformation").describe_stacks(StackName="plain")["Stacks"][0]["StackStatus"]
    assert status == "CREATE_COMPLETE"

    source = physical_id("plain", "SourceRepositoryBucket", build)
    features = physical_id("plain", "FeatureStoreBucket", build)
    aws("s3", "sync", "assets", f"s3://{source}/assets", cwd=build)
    aws("s3", "cp", str(BLUEPRINTS / "data" / "score.csv"), f"s3://{features}/data/score/score.csv", cwd=build)
    aws("s3", "cp", str(BLUEPRINTS / "data" / "train.csv"), f"s3://{features}/data/train/train.csv", cwd=build)

    s3 = boto3.client("s3")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=source)["Contents"]}
    from mlops_dsl.compiler import compile_file
    assert keys == {a.key for a in compile_file(SAMPLE).pipeline.assets}
    assert {o["Key"] for o in s3.list_objects_v2(Bucket=features)["Contents"]} == {
        "data/score/score.csv", "data/train/train.csv"}

    # the boto3 path then finds the stack up to date and the assets in place
    code, out, err = cli("deploy", SAMPLE, "--stack-name", "plain", "--yes")
    assert code == 0, err
    assert "1 unchanged" in out


def test_the_upload_commands_run_as_printed_from_the_blueprints_folder(moto_server, tmp_path,
                                                                        cli, fake_docker):
    """The stack's UploadCommands, with the stack's names filled in as CloudFormation would,
    run by a shell in the blueprint's folder: assets, scoring data, the image, then training data."""
    from mlops_dsl.asl.fn_sub import fn_sub
    from mlops_dsl.compiler import compile_file

    build = tmp_path / "build"
    assert cli("compile", SAMPLE, "-o", build)[0] == 0
    aws("cloudformation", "deploy", "--template-file", "template.json", "--stack-name", "plain",
        "--capabilities", "CAPABILITY_IAM", cwd=build)
    compiled = compile_file(SAMPLE)
    command = compiled.template["Outputs"]["UploadCommands"]["Value"]["Fn::Sub"]
    names = {"AWS::StackName": "plain"}
    for logical in ("SourceRepositoryBucket", "FeatureStoreBucket"):
        names[logical] = physical_id("plain", logical, build)
    # `python` in the commands is the user's interpreter, the one with mlops_dsl installed: this
    # one, whatever else (a pyenv shim beside `aws`) comes first on PATH
    path = os.pathsep.join((str(Path(sys.executable).parent), str(Path(AWS).parent),
                            os.environ["PATH"]))
    env = {**os.environ, "PATH": path, "PYTHONWARNINGS": "ignore"}
    result = subprocess.run(["sh", "-c", fn_sub(command, names)], cwd=SAMPLE.parent, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    s3 = boto3.client("s3")
    assets = {o["Key"] for o in s3.list_objects_v2(Bucket=names["SourceRepositoryBucket"])["Contents"]}
    assert assets == {a.key for a in compiled.pipeline.assets}
    data = {o["Key"] for o in s3.list_objects_v2(Bucket=names["FeatureStoreBucket"])["Contents"]}
    assert data == {"data/score/score.csv", "data/train/train.csv"}
    assert [c["argv"][0] for c in fake_docker()] == ["build", "tag", "login", "push"]
    assert result.stdout.index("score.csv") < result.stdout.index("pushed") \
        < result.stdout.index("train.csv")

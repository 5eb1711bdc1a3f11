"""Local stand-ins for ${...} placeholders; which program folder stands in for the image."""
from __future__ import annotations

import json

import pytest
from local_helpers import ROOT, sample

from mlops_dsl.compiler import compile_blueprint
from mlops_dsl.errors import BlueprintError
from mlops_dsl.local.image import find_program_folder, program_folder
from mlops_dsl.local.substitute import LocalNames, UnknownPlaceholder, substitute
from mlops_dsl.model import Names


def local_names(region: str, feature_store: str | None = None) -> LocalNames:
    names = Names(prefix="demo", job_prefix="demo", transform_job="t", image_name=None)
    return LocalNames(names, region, feature_store)


NAMES = local_names("eu-west-1")


def test_placeholders_get_local_names_and_nothing_else_changes():
    tree = {"Resource": "arn:${AWS::Partition}:states:::glue:startJobRun.sync",
            "S3Uri": "s3://${ExtractsBucket}/train/", "N": 3, "L": ["${OutputBucket}", None],
            "Fn": "${JobNameFunction.Arn}", "Role": "${SageMakerRole.Arn}",
            "Image": "${AWS::AccountId}.dkr.ecr.${AWS::Region}.${AWS::URLSuffix}/x:1",
            "Literal": "${!Keep}", "Path.$": "$.a"}
    assert substitute(tree, NAMES) == {
        "Resource": "arn:aws:states:::glue:startJobRun.sync",
        "S3Uri": "s3://demo-extracts/train/", "N": 3, "L": ["demo-output", None],
        "Fn": "arn:aws:lambda:eu-west-1:123456789012:function:demo-job-name",
        "Role": "arn:aws:iam::123456789012:role/demo-SageMakerRole",
        "Image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/x:1",
        "Literal": "${Keep}", "Path.$": "$.a"}


def test_an_unknown_placeholder_is_an_error_naming_it():
    with pytest.raises(UnknownPlaceholder, match=r"\$\{Mystery.Attr\}"):
        substitute("${Mystery.Attr}", NAMES)


def test_an_existing_feature_store_keeps_its_name():
    names = local_names("us-east-1", "their-bucket")
    assert names.buckets()["feature-store"] == "their-bucket"
    assert names.buckets()["extracts"] == "demo-extracts"


def test_the_compiled_sample_has_no_placeholder_left():
    compiled = compile_blueprint(sample())
    text = json.dumps(substitute(compiled.definition, NAMES))
    assert "${" not in text
    assert NAMES.function_arn("JobNameFunction") in text


def test_the_byo_image_runs_its_program_folder():
    pipeline = compile_blueprint(sample()).pipeline
    assert program_folder(pipeline, None) == ROOT / "container" / "xgboost"
    assert find_program_folder(ROOT / "container") == ROOT / "container" / "xgboost"
    assert find_program_folder(ROOT / "container" / "xgboost") == ROOT / "container" / "xgboost"


def test_a_builtin_image_needs_a_local_image_folder():
    pipeline = compile_blueprint(sample("attrition_builtin")).pipeline
    with pytest.raises(BlueprintError) as raised:
        program_folder(pipeline, None)
    message = str(raised.value)
    assert "[MLD501]" in message and "cannot run locally" in message
    assert "--local-image DIR" in message and "attrition_builtin.py" in message
    assert program_folder(pipeline, str(ROOT / "container")) == ROOT / "container" / "xgboost"


def test_a_local_image_folder_without_train_is_an_error(tmp_path):
    pipeline = compile_blueprint(sample("attrition_builtin")).pipeline
    with pytest.raises(BlueprintError, match=r"--local-image .*: no `train` program .*\[MLD502\]"):
        program_folder(pipeline, str(tmp_path))

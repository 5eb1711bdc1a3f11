"""Every deploy failure says what to do; a data file gone since compile names its blueprint field."""
from __future__ import annotations

import ast
import shutil

import pytest
from botocore import exceptions as bx
from botocore.parsers import ResponseParserError
from helpers import BLUEPRINTS, ROOT

from mlops_dsl.compiler import compile_file
from mlops_dsl.deploy.faults import DeployError, report, translate
from mlops_dsl.deploy.retries import Unanswered

PACKAGE = ROOT / "mlops_dsl"
ERROR_CLASSES = {"DeployError", "Interrupted", "StillRunning"}


def test_every_deploy_error_raised_in_the_code_has_a_what_to_do():
    """Read from the source: each construction passes a hint (the class requires one, but only
    a call that runs would show a missing one)."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in ERROR_CLASSES:
                    found.append((path.relative_to(ROOT), node.lineno))
                    has_hint = len(node.args) >= 2 or any(k.arg == "hint" for k in node.keywords)
                    assert has_hint, f"{path}:{node.lineno}: {name}(...) without a what-to-do"
    assert len(found) > 30  # the scan found the calls (of every module that raises them)


def client_error(code, message="boom", status=400, operation="DescribeStacks"):
    return bx.ClientError({"Error": {"Code": code, "Message": message},
                           "ResponseMetadata": {"HTTPStatusCode": status}}, operation)


def upload_failed():
    from boto3.exceptions import S3UploadFailedError

    try:
        try:
            raise client_error("502", "Bad Gateway", 502, "PutObject")
        except bx.ClientError as error:
            raise S3UploadFailedError(f"Failed to upload x to b/k: {error}")
    except S3UploadFailedError as error:
        return error


FAULTS = {
    "no credentials": bx.NoCredentialsError(),
    "partial credentials": bx.PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"),
    "unknown profile": bx.ProfileNotFound(profile="nope"),
    "sso expired": bx.TokenRetrievalError(provider="sso", error_msg="expired"),
    "credential process": bx.CredentialRetrievalError(provider="process", error_msg="exit 1"),
    "no region": bx.NoRegionError(),
    "refused": bx.EndpointConnectionError(endpoint_url="https://cloudformation.example"),
    "read timeout": bx.ReadTimeoutError(endpoint_url="https://cloudformation.example"),
    "connect timeout": bx.ConnectTimeoutError(endpoint_url="https://cloudformation.example"),
    "closed": bx.ConnectionClosedError(endpoint_url="https://cloudformation.example"),
    "unanswered": Unanswered(service="s3", operation="PutObject", endpoint="https://s3.example",
                             attempts=4, plural="s", elapsed="2 min", reason="no answer within 30 s"),
    "unreadable": ResponseParserError("Unable to parse response: <html>"),
    "waiter": bx.WaiterError(name="x", reason="y", last_response={}),
    "expired": client_error("ExpiredToken"),
    "bad key": client_error("InvalidClientTokenId"),
    "denied": client_error("AccessDenied"),
    "S3 HEAD denied": client_error("403", "Forbidden", 403, "HeadObject"),
    "throttled": client_error("ThrottlingException", "Rate exceeded"),
    "taken": client_error("BucketAlreadyExists"),
    "rollback failed": client_error("ValidationError", "is in UPDATE_ROLLBACK_FAILED state"),
    "502": client_error("502", "Bad Gateway", 502),
    "503": client_error("503", "Service Unavailable", 503),
    "internal error": client_error("InternalError", "We encountered an internal error", 500),
    "refused request": client_error("ValidationError", "Template format error"),
    "upload failed": upload_failed(),
    "not AWS at all": ValueError("something odd"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_every_translated_failure_says_what_to_do(fault, capsys):
    error = translate(FAULTS[fault], "deploying")
    assert isinstance(error, DeployError)
    assert error.hint and len(error.hint) > 20
    report(error)
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "\n  what to do: " in err


@pytest.mark.parametrize("fault", ["502", "503", "internal error", "upload failed"])
def test_server_side_failures_say_it_is_not_the_blueprint(fault):
    error = translate(FAULTS[fault], "deploying")
    assert "even after botocore's retries" in error.message
    assert "not in your blueprint" in error.hint and "safe to repeat" in error.hint


def _project(tmp_path, name):
    """A copy of a sample blueprint and its data, beside links to the repo's glue/ and container/."""
    project = tmp_path / "project"
    (project / "blueprints").mkdir(parents=True)
    shutil.copy(BLUEPRINTS / name, project / "blueprints" / name)
    shutil.copytree(BLUEPRINTS / "data", project / "blueprints" / "data")
    for folder in ("glue", "container"):
        (project / folder).symlink_to(ROOT / folder)
    return project / "blueprints" / name


@pytest.mark.parametrize("name", ["attrition.py", "attrition_config.json"])
def test_a_data_file_that_vanishes_mid_deploy_is_a_located_error(fault_proxy, cli, tmp_path, name):
    blueprint = _project(tmp_path, name)
    pipeline = compile_file(blueprint).pipeline
    data = pipeline.data
    origin = data.origin("score")
    # independently of the model: the location is the place the blueprint names the file
    if origin.location.pointer is not None:
        assert origin.location.pointer == "/score_local_path"
    else:
        written = blueprint.read_text().splitlines()[origin.location.line - 1]
        assert 'score="data/score.csv"' in written
    fault_proxy.let_through("ExecuteChangeSet", times=1, then=data.score.unlink)  # mid-deploy
    code, out, err = cli("deploy", blueprint, "--stack-name", "demo", "--yes")
    assert code == 1
    lines = err.splitlines()
    assert lines[0] == (f"error: {origin.location}: {origin.field}: the file {data.score} is gone: "
                        "it was there when the blueprint was compiled, but not when deploy came "
                        "to upload it")
    assert f"  uploaded: {', '.join(a.key for a in pipeline.assets)}" in lines
    assert lines[-1].startswith(f"  what to do: put the file back (or change {origin.field} to a "
                                "file that exists) and rerun deploy")
    assert "Traceback" not in err and "internal error" not in err


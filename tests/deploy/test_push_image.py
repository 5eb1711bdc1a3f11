"""push-image with the Docker CLI replaced by a recording fake on PATH."""
from __future__ import annotations

from deploy_helpers import SAMPLE


def test_builds_tags_logs_in_and_pushes_to_the_stack_repository(deployed, fake_docker, cli):
    code, out, err = cli("push-image", SAMPLE, "--stack-name", "demo")
    assert code == 0, err
    calls = fake_docker()
    assert [c["argv"][0] for c in calls] == ["build", "tag", "login", "push"]
    from mlops_dsl.compiler import compile_file

    repository = compile_file(SAMPLE).pipeline.names.ecr_repository
    assert repository == "attrition-byo-xgboost"  # the stack's own: prefix and image name
    uri = f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{repository}"
    build, tag, login, push = (c["argv"] for c in calls)
    assert build[-1].endswith("container") and "byo-xgboost:1.0" in build
    assert tag == ["tag", "byo-xgboost:1.0", f"{uri}:1.0"]
    assert login[:4] == ["login", "--username", "AWS", "--password-stdin"]
    password = calls[2]["stdin"]
    assert password and all(password not in arg for c in calls for arg in c["argv"])
    assert password not in out
    assert push == ["push", f"{uri}:1.0"]
    assert f"pushed {uri}:1.0" in out


def test_a_failing_push_is_reported_without_traceback(deployed, fake_docker, cli, monkeypatch):
    monkeypatch.setenv("FAKE_DOCKER_EXIT", "1")
    code, _, err = cli("push-image", SAMPLE, "--stack-name", "demo")
    assert code == 1
    assert "pushing" in err and "docker exited with code 1" in err and "Traceback" not in err


def test_without_docker_says_what_to_install(moto_server, cli, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no docker anywhere
    code, _, err = cli("push-image", SAMPLE, "--stack-name", "demo")
    assert code == 1
    assert "the Docker CLI (`docker`) was not found on PATH" in err
    assert "install Docker" in err


def test_a_builtin_image_has_nothing_to_push(moto_server, cli):
    code, _, err = cli("push-image", SAMPLE.parent / "attrition_builtin.py", "--stack-name", "demo")
    assert code == 1
    assert "there is no image to build or push" in err

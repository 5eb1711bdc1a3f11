"""container/: the Dockerfile, its pinned requirements and build_and_push.sh (with fake tools)."""
from __future__ import annotations

import os
import re
import subprocess

import pytest

from runtime_helpers import PROGRAM, REPO

CONTAINER = REPO / "container"
SCRIPT = CONTAINER / "build_and_push.sh"


def test_requirements_are_pinned():
    lines = [line.strip() for line in (CONTAINER / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines
    for line in lines:
        assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][A-Za-z0-9.]*", line), line
    names = {line.split("==")[0].lower() for line in lines}
    assert {"xgboost-cpu", "pandas", "scikit-learn", "flask", "gunicorn"} <= names
    assert "xgboost" not in names  # the CUDA build


def test_dockerfile_installs_the_requirements_and_the_programs():
    text = (CONTAINER / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.\d+-slim-\w+$", text, re.M)
    assert "pip install --no-cache-dir -r /tmp/requirements.txt" in text
    assert "COPY xgboost /opt/program" in text and 'PATH="/opt/program:' in text
    assert "nginx" in text
    for name in ("train", "serve"):
        assert os.access(PROGRAM / name, os.X_OK), name
    for name in ("predictor.py", "wsgi.py", "nginx.conf"):
        assert (PROGRAM / name).is_file(), name


@pytest.fixture
def fake_tools(tmp_path):
    """`aws` and `docker` stand-ins on PATH that log their arguments."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    (bin_dir / "aws").write_text(f"""#!/bin/sh
echo "aws $*" >> {log}
case "$*" in
  "sts get-caller-identity"*) echo 123456789012 ;;
  "ecr describe-repositories"*) [ "$REPO_EXISTS" = 1 ] || exit 254 ;;
  "ecr get-login-password"*) echo secret ;;
esac
""")
    (bin_dir / "docker").write_text(f"""#!/bin/sh
echo "docker $*" >> {log}
[ "$1" = login ] && cat > /dev/null
exit 0
""")
    for tool in ("aws", "docker"):
        (bin_dir / tool).chmod(0o755)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "HOME": str(tmp_path)}
    return env, log


def _script(args, env):
    return subprocess.run(["bash", str(SCRIPT), *args], env=env, capture_output=True,
                          text=True, timeout=60, check=False)


def test_build_and_push_usage(fake_tools):
    env, _ = fake_tools
    result = _script([], env)
    assert result.returncode == 2 and "usage: build_and_push.sh IMAGE_NAME [TAG] [REGION]" in (
        result.stderr)
    result = _script(["Byo_XGBoost"], env)
    assert result.returncode == 1 and "'Byo_XGBoost' is not a valid ECR repository" in (
        result.stderr)
    result = _script(["byo-xgboost", "v1", "moon-1"], env)
    assert result.returncode == 1 and "REGION 'moon-1' is not an AWS region" in result.stderr


def test_build_and_push_needs_the_repository(fake_tools):
    env, log = fake_tools
    result = _script(["byo-xgboost", "v1", "eu-west-1"], env)
    assert result.returncode == 1
    assert "ECR repository 'byo-xgboost' does not exist in eu-west-1" in result.stderr
    result = _script(["byo-xgboost", "v1", "eu-west-1"], {**env, "CREATE_REPOSITORY": "1"})
    assert result.returncode == 0, result.stderr
    assert any(c.startswith("aws ecr create-repository --region eu-west-1 --repository-name "
                            "byo-xgboost") for c in log.read_text().splitlines())


def test_build_and_push_commands(fake_tools):
    env, log = fake_tools
    result = _script(["byo-xgboost", "v1", "eu-west-1"], {**env, "REPO_EXISTS": "1"})
    assert result.returncode == 0, result.stderr
    full = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/byo-xgboost:v1"
    calls = log.read_text().splitlines()
    assert "aws ecr get-login-password --region eu-west-1" in calls
    assert ("docker login --username AWS --password-stdin "
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com") in calls
    assert f"docker build --platform linux/amd64 -t byo-xgboost:v1 {CONTAINER}" in calls
    assert f"docker push {full}" in calls
    assert result.stdout.strip().endswith(f"pushed {full}")

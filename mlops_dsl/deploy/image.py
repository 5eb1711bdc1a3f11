"""push-image: build the bring-your-own image with the Docker CLI and push it to the stack's ECR.

The registry login uses boto3 (``ecr.get_authorization_token``) with the same credentials as every
other command, and hands the password to ``docker login --password-stdin``: it never appears in a
command line or in the output.
"""
from __future__ import annotations

import base64
import shutil
import subprocess

from .faults import DeployError, translate

PLATFORM = "linux/amd64"  # SageMaker training and hosting instances run x86_64 images
INSTALL_HINT = ("install Docker (Docker Engine on Linux: https://docs.docker.com/engine/install/ ; "
                "Docker Desktop on macOS or Windows) so that `docker` is on PATH, then rerun")


def image_pushed(ecr, repository: str, tag: str) -> bool:
    """True when ``repository`` holds ``tag``. SageMaker refuses a tuning job whose image is not
    there yet ("Cannot find the requested image"), after the Glue job already ran; ECR's
    DescribeImages answers ImageNotFoundException (or RepositoryNotFoundException) instead."""
    from botocore.exceptions import ClientError

    try:
        ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": tag}])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("ImageNotFoundException",
                                                           "RepositoryNotFoundException"):
            return False
        raise translate(error, f"looking for the image {repository}:{tag}") from None
    except Exception as error:  # noqa: BLE001
        raise translate(error, f"looking for the image {repository}:{tag}") from None
    return True


def docker_cli(name: str = "docker") -> str:
    path = shutil.which(name)
    if path is None:
        raise DeployError("the Docker CLI (`docker`) was not found on PATH; push-image builds the "
                          "bring-your-own image with it", INSTALL_HINT)
    return path


def registry_login(ecr) -> tuple[str, str, str]:
    """(user, password, registry endpoint) from ECR's authorization token."""
    try:
        data = ecr.get_authorization_token()["authorizationData"][0]
    except Exception as error:  # noqa: BLE001
        raise translate(error, "getting an ECR login token") from None
    user, _, password = base64.b64decode(data["authorizationToken"]).decode("utf-8").partition(":")
    return user, password, data["proxyEndpoint"]


def _run(command: list[str], *, what: str, out, stdin: str | None = None) -> None:
    shown = " ".join(command[1:2] + [c for c in command[2:] if not c.startswith("--password")])
    out(f"$ docker {shown}")
    try:
        result = subprocess.run(command, input=stdin, text=True, check=False)
    except OSError as error:
        raise DeployError(f"could not run docker: {error}", INSTALL_HINT) from None
    if result.returncode != 0:
        raise DeployError(f"{what} failed (docker exited with code {result.returncode}; its "
                          f"output is above)",
                          "check that the Docker daemon runs (`docker info`) and that the "
                          "Dockerfile builds, then rerun")


def push(ecr, *, source, local_name: str, tag: str, repository_uri: str, out=print,
         docker: str | None = None) -> str:
    """Build ``source`` as ``local_name:tag``, tag it for ``repository_uri`` and push it."""
    docker = docker or docker_cli()
    user, password, endpoint = registry_login(ecr)
    local, remote = f"{local_name}:{tag}", f"{repository_uri}:{tag}"
    _run([docker, "build", "--platform", PLATFORM, "-t", local, str(source)],
         what=f"building {local} from {source}", out=out)
    _run([docker, "tag", local, remote], what=f"tagging {remote}", out=out)
    _run([docker, "login", "--username", user, "--password-stdin", endpoint],
         what=f"logging in to {endpoint}", out=out, stdin=password)
    _run([docker, "push", remote], what=f"pushing {remote}", out=out)
    return remote

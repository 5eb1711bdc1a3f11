"""Shared fixtures: a real moto server on 127.0.0.1 and an environment with no real AWS.

Every test runs with fake credentials, no EC2 metadata look-ups and a fixed region, so nothing can
reach AWS by accident. Tests that need AWS use ``moto_server``: a real HTTP server on the loopback
interface that boto3 and the AWS CLI reach through ``AWS_ENDPOINT_URL``.
"""
from __future__ import annotations

import socket

import pytest

FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch, tmp_path_factory):
    """Fake credentials for every test; no profile or config file of the machine is read."""
    for key, value in FAKE_ENV.items():
        monkeypatch.setenv(key, value)
    empty = tmp_path_factory.getbasetemp() / "no-aws-config"
    empty.touch()
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def moto_server_url():
    """Start one moto server on 127.0.0.1 for the whole session and return its URL."""
    from moto.server import ThreadedMotoServer

    import moto_fixes

    moto_fixes.apply()
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def moto_server(moto_server_url, monkeypatch):
    """A moto server reset to empty, with AWS_ENDPOINT_URL pointing every client at it."""
    import urllib.request

    request = urllib.request.Request(f"{moto_server_url}/moto-api/reset", method="POST")
    urllib.request.urlopen(request, timeout=10).close()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server_url)
    return moto_server_url


@pytest.fixture
def cli(capsys):
    """Run the command line in this process, as ``python -m mlops_dsl ARGS`` would; returns
    (exit code, stdout, stderr). Tests about the process itself (its exit status, ``python -m``)
    start a real one instead."""
    from mlops_dsl.cli import main

    def invoke(*argv):
        capsys.readouterr()  # only this command's output
        code = main([str(a) for a in argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


def pytest_addoption(parser):
    parser.addoption("--update-goldens", action="store_true", default=False,
                     help="rewrite tests/golden/ from the current compiler output (review the diff!)")


@pytest.fixture(scope="session")
def update_goldens(request) -> bool:
    return request.config.getoption("--update-goldens")

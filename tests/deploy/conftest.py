"""Fixtures of the deploy tests: a deployed sample stack, fast polling (``cli`` is in tests/conftest.py)."""
from __future__ import annotations

import pytest

from deploy_helpers import SAMPLE


@pytest.fixture(autouse=True)
def _fast_polls(monkeypatch):
    from mlops_dsl.deploy import events, executions

    monkeypatch.setattr(events, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(executions, "POLL_SECONDS", 0.1)


@pytest.fixture
def deployed(moto_server, cli):
    """The attrition sample deployed as stack ``demo``; returns the deploy's stdout."""
    code, out, err = cli("deploy", SAMPLE, "--stack-name", "demo", "--yes")
    assert code == 0, err
    return out

"""Fixtures of the deploy tests: the CLI in-process, a deployed sample stack, fast polling."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # deploy_helpers, in any import mode

from deploy_helpers import SAMPLE


@pytest.fixture(autouse=True)
def _fast_polls(monkeypatch):
    from mlops_dsl.deploy import events, executions

    monkeypatch.setattr(events, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(executions, "POLL_SECONDS", 0.1)


@pytest.fixture
def cli(capsys):
    """Run ``python -m mlops_dsl ARGS`` in-process; returns (exit code, stdout, stderr)."""
    from mlops_dsl.cli import main

    def invoke(*argv):
        code = main([str(a) for a in argv])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


@pytest.fixture
def deployed(moto_server, cli):
    """The attrition sample deployed as stack ``demo``; returns the deploy's stdout."""
    code, out, err = cli("deploy", SAMPLE, "--stack-name", "demo", "--yes")
    assert code == 0, err
    return out

"""Fixtures of the local runner's tests: sample blueprints made small, a quiet progress stream."""
from __future__ import annotations

import io

import pytest


@pytest.fixture()
def progress():
    """A Reporter writing into a StringIO (read it with ``progress.stream.getvalue()``)."""
    from mlops_dsl.local.progress import Reporter

    return Reporter(io.StringIO())

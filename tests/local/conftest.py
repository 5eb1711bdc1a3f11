"""Fixtures of the local runner's tests: sample blueprints made small, a quiet progress stream."""
from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # local_helpers, in any import mode


@pytest.fixture()
def progress():
    """A Reporter writing into a StringIO (read it with ``progress.stream.getvalue()``)."""
    from mlops_dsl.local.progress import Reporter

    return Reporter(io.StringIO())

"""Fixtures of the `new` command's tests: projects made once per problem type."""
from __future__ import annotations

import io

import pytest
from scaffold_helpers import PROBLEM_TYPES, REGION, new


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: runs programs or servers (seconds each)")


@pytest.fixture(scope="session")
def projects(tmp_path_factory) -> dict:
    """problem type -> the folder of a project made by `new --problem <type> --region eu-west-1`."""
    base = tmp_path_factory.mktemp("projects")
    made = {}
    for problem in PROBLEM_TYPES:
        folder = base / f"{problem}-demo"
        assert new(folder, "--problem", problem, "--region", REGION) == 0
        made[problem] = folder
    return made


@pytest.fixture()
def progress():
    """A Reporter writing into a StringIO (read it with ``progress.stream.getvalue()``)."""
    from mlops_dsl.local.progress import Reporter

    return Reporter(io.StringIO())

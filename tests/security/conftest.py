"""Fixtures of the security tests: compiled samples, and the scanners in their own virtualenv.

checkov pins boto3/botocore/packaging versions that conflict with awscli, moto and cfn-lint in the
project's environment, and parliament imports ``pkg_resources`` (gone from setuptools >= 82). Both
run from a separate virtualenv made by security_tools.py (``python tests/security/security_tools.py``
before the tests; set MLOPS_DSL_SECURITY_VENV to use another one, or MLOPS_DSL_NO_TOOL_INSTALL=1
to skip these tests when it is missing).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import security_tools as tools
from helpers import sample_blueprints


@pytest.fixture(scope="session")
def security_tools() -> Path:
    """The bin/ folder of a virtualenv holding checkov and parliament (see security_tools.py)."""
    if not tools.is_ready() and os.environ.get("MLOPS_DSL_NO_TOOL_INSTALL"):
        pytest.skip(f"security tools not installed in {tools.tools_dir()} (MLOPS_DSL_NO_TOOL_INSTALL is set)")
    try:
        return tools.ensure_tools()
    except RuntimeError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def compiled_samples():
    """Every sample blueprint compiled once: {stem: Compiled}."""
    from mlops_dsl.compiler import compile_file

    return {path.stem: compile_file(path) for path in sample_blueprints()}


@pytest.fixture(scope="session")
def compiled_variants(compiled_samples):
    """Every sample, and every sample with a customer-managed KMS key (``<name>+kms``)."""
    from mlops_dsl.compiler import compile_blueprint
    from mlops_dsl.loader import load_blueprint
    from policies import KMS_KEY

    variants = dict(compiled_samples)
    for path in sample_blueprints():
        name, blueprint = load_blueprint(path)
        variants[f"{path.stem}+kms"] = compile_blueprint(blueprint.with_(kms_key=KMS_KEY), name=name)
    return variants


@pytest.fixture(scope="session")
def service_authorization(security_tools):
    """The Service Authorization Reference as parliament ships it (aws_documented.py)."""
    from aws_documented import ServiceAuthorization
    from policies import ACCOUNT, PARTITION, REGION

    (path,) = security_tools.parent.glob("lib/python3*/site-packages/parliament/iam_definition.json")
    return ServiceAuthorization(path, PARTITION, REGION, ACCOUNT)

"""Fixtures of the security tests: compiled samples, and the scanners in their own virtualenv.

checkov pins boto3/botocore/packaging versions that conflict with awscli, moto and cfn-lint in the
project's environment, and parliament imports ``pkg_resources`` (gone from setuptools >= 82). Both
run from a separate virtualenv, created on first use under ``~/.cache/mlops_dsl/`` (about a minute;
set MLOPS_DSL_SECURITY_VENV to use another one, or MLOPS_DSL_NO_TOOL_INSTALL=1 to skip instead).
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers import sample_blueprints  # noqa: E402

TOOL_REQUIREMENTS = ("checkov==3.3.30", "parliament==1.6.4", "setuptools<81")


def _tools_dir() -> Path:
    if os.environ.get("MLOPS_DSL_SECURITY_VENV"):
        return Path(os.environ["MLOPS_DSL_SECURITY_VENV"])
    digest = hashlib.sha256("\n".join(TOOL_REQUIREMENTS).encode()).hexdigest()[:12]
    return Path.home() / ".cache" / "mlops_dsl" / f"security-tools-{digest}"


@pytest.fixture(scope="session")
def security_tools() -> Path:
    """The bin/ folder of a virtualenv holding checkov and parliament."""
    folder = _tools_dir()
    bin_dir = folder / "bin"
    ready = folder / ".complete"
    if not ready.exists():
        if os.environ.get("MLOPS_DSL_NO_TOOL_INSTALL"):
            pytest.skip(f"security tools not installed in {folder} (MLOPS_DSL_NO_TOOL_INSTALL is set)")
        venv.create(folder, with_pip=True, clear=True)
        result = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q",
                                 *TOOL_REQUIREMENTS], capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            pytest.fail(f"could not install {TOOL_REQUIREMENTS}: {result.stderr[-2000:]}")
        ready.touch()
    return bin_dir


@pytest.fixture(scope="session")
def compiled_samples():
    """Every sample blueprint compiled once: {stem: Compiled}."""
    from mlops_dsl.compiler import compile_file

    return {path.stem: compile_file(path) for path in sample_blueprints()}

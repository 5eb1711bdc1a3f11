"""checkov and parliament in their own virtualenv, made once and reused.

They cannot share the project's environment: checkov pins boto3/botocore/packaging versions that
clash with awscli, moto and cfn-lint, and parliament imports ``pkg_resources`` (gone from
setuptools >= 82). The folder is ``~/.cache/mlops_dsl/security-tools-<hash of the pins>/`` unless
MLOPS_DSL_SECURITY_VENV names another. Run this file to make it before the tests
(``python tests/security/security_tools.py``), so that the test run itself installs nothing.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

TOOL_REQUIREMENTS = ("checkov==3.3.30", "parliament==1.6.4", "setuptools<81")


def tools_dir() -> Path:
    if os.environ.get("MLOPS_DSL_SECURITY_VENV"):
        return Path(os.environ["MLOPS_DSL_SECURITY_VENV"])
    digest = hashlib.sha256("\n".join(TOOL_REQUIREMENTS).encode()).hexdigest()[:12]
    return Path.home() / ".cache" / "mlops_dsl" / f"security-tools-{digest}"


def is_ready() -> bool:
    return (tools_dir() / ".complete").exists()


def ensure_tools() -> Path:
    """The bin/ folder of the tools' virtualenv, made first if needed (about a minute)."""
    folder = tools_dir()
    if not is_ready():
        venv.create(folder, with_pip=True, clear=True)
        result = subprocess.run([str(folder / "bin" / "python"), "-m", "pip", "install", "-q",
                                 *TOOL_REQUIREMENTS], capture_output=True, text=True, timeout=900)
        if result.returncode != 0:
            raise RuntimeError(f"could not install {TOOL_REQUIREMENTS}: {result.stderr[-2000:]}")
        (folder / ".complete").touch()
    return folder / "bin"


if __name__ == "__main__":
    print(f"security tools ready in {ensure_tools().parent}", file=sys.stderr)

"""checkov on every compiled sample template: only the documented trade-offs fail.

Each failing check must be listed in docs/security.md (with why, and how a user turns it on).
The issue's goal is at most 5 failures per sample; the samples whose Lambda handlers alone fail 3
checks each (CKV_AWS_115/116/117) do not reach it yet: see the xfail reason.
"""
from __future__ import annotations

import json
import re
import subprocess

import pytest

from helpers import ROOT

MAX_FAILED = 5  # issue 5: at most 5 failed checks per sample, each an intentional trade-off
LAMBDA_CHECKS = {"CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117"}
OVER_GOAL = {"attrition", "attrition_builtin", "attrition_endpoint", "attrition_config"}


def _checkov(security_tools, template: bytes, tmp_path) -> list[tuple[str, str]]:
    path = tmp_path / "template.json"
    path.write_bytes(template)
    result = subprocess.run([str(security_tools / "checkov"), "-f", str(path), "--framework",
                             "cloudformation", "--skip-download", "--quiet", "--compact", "-o",
                             "json"], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                            timeout=300)
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    return sorted((r["check_id"], r["resource"]) for r in report["results"]["failed_checks"])


def _documented() -> set[str]:
    return set(re.findall(r"\|\s*(CKV2?_AWS_\d+)\s*\|", (ROOT / "docs" / "security.md").read_text()))


@pytest.fixture(scope="module")
def findings(compiled_samples, security_tools, tmp_path_factory):
    from mlops_dsl.compiler import TEMPLATE

    return {name: _checkov(security_tools, compiled.files[TEMPLATE], tmp_path_factory.mktemp(name))
            for name, compiled in compiled_samples.items()}


def test_only_documented_trade_offs_fail(findings):
    documented = _documented()
    for name, failed in findings.items():
        unexplained = sorted({check for check, _ in failed} - documented)
        assert not unexplained, f"{name}: {unexplained} fail and are not explained in docs/security.md"


@pytest.mark.parametrize("sample", sorted(OVER_GOAL))
@pytest.mark.xfail(strict=True, reason="each Lambda handler fails CKV_AWS_115/116/117; the workflow "
                   "(mlops_dsl/emit/workflow.py) still calls two handlers that intrinsic functions "
                   "and an aws-sdk:sagemaker:describeEndpoint task could replace")
def test_at_most_five_failed_checks(findings, sample):
    if sample not in findings:
        pytest.fail("sample not compiled")
    assert len(findings[sample]) <= MAX_FAILED, findings[sample]


def test_without_lambda_checks_every_sample_is_within_the_goal(findings):
    for name, failed in findings.items():
        others = [f for f in failed if f[0] not in LAMBDA_CHECKS]
        assert len(others) <= MAX_FAILED, f"{name}: {others}"

"""Template limits that only CloudFormation would otherwise enforce, at deploy time."""
from __future__ import annotations

from mlops_dsl.validate.template import check_template


def test_too_many_resources_and_outputs():
    template = {"Resources": {f"R{i}": {} for i in range(501)}, "Outputs": {f"O{i}": {} for i in range(201)}}
    problems, notes = check_template(template, b"{}")
    assert [str(p) for p in problems] == [
        "template.json#/Resources: Resources: 501 resources exceed CloudFormation's limit of 500 [MLD401]",
        "template.json#/Outputs: Outputs: 201 outputs exceed CloudFormation's limit of 200 [MLD401]"]


def test_body_too_large():
    problems, _ = check_template({}, b" " * 1_000_001)
    assert [str(p) for p in problems] == [
        "template.json: (template): 1,000,001 bytes exceed CloudFormation's limit of 1,000,000 [MLD402]"]


def test_note_above_the_inline_limit():
    problems, notes = check_template({}, b" " * 60_000)
    assert problems == []
    assert notes == ["template.json is 60,000 bytes, above the 51,200 that can be sent inline: "
                     "`deploy` stages it in S3 (--template-bucket NAME, or a bucket it creates); "
                     "with the AWS CLI, add --s3-bucket BUCKET to `aws cloudformation deploy` "
                     "(docs/deploy.md)"]

"""Limits of a template that CloudFormation enforces only at deploy time."""
from __future__ import annotations

from ..errors import Location, Problem

MAX_RESOURCES = 500  # CloudFormation: resources per template
MAX_BODY_BYTES = 1_000_000  # CloudFormation: template body size when passed through S3
MAX_INLINE_BODY_BYTES = 51_200  # CloudFormation: TemplateBody passed inline in the API call
MAX_OUTPUTS = 200  # CloudFormation: outputs per template


def check_template(template: dict, body: bytes, file: str = "template.json") -> tuple[list[Problem], list[str]]:
    """Problems (limits exceeded) and notes (sizes worth knowing) of a rendered template."""
    problems, notes = [], []
    resources = template.get("Resources", {})
    if len(resources) > MAX_RESOURCES:
        problems.append(Problem("MLD401", "Resources", f"{len(resources)} resources exceed "
                                f"CloudFormation's limit of {MAX_RESOURCES}", Location(file, pointer="/Resources")))
    if len(template.get("Outputs", {})) > MAX_OUTPUTS:
        problems.append(Problem("MLD401", "Outputs", f"{len(template['Outputs'])} outputs exceed "
                                f"CloudFormation's limit of {MAX_OUTPUTS}", Location(file, pointer="/Outputs")))
    if len(body) > MAX_BODY_BYTES:
        problems.append(Problem("MLD402", "(template)", f"{len(body):,} bytes exceed CloudFormation's "
                                f"limit of {MAX_BODY_BYTES:,}", Location(file)))
    elif len(body) > MAX_INLINE_BODY_BYTES:
        notes.append(f"{file} is {len(body):,} bytes, above the {MAX_INLINE_BODY_BYTES:,} that can be "
                     f"sent inline: `deploy` stages it in S3 (--template-bucket NAME, or a bucket it "
                     f"creates); with the AWS CLI, add --s3-bucket BUCKET to `aws cloudformation "
                     f"deploy` (docs/deploy.md)")
    return problems, notes

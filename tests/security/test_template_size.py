"""Every sample template without the production features can be sent inline (CloudFormation
TemplateBody: 51,200 bytes), also with a customer-managed KMS key, whose ARN every store, log and
job then repeats. With rollout, registry and notifications all on, a template is larger: compile
says so, and deploy stages it in S3 (docs/deploy.md)."""
from __future__ import annotations

import pytest

from helpers import sample_blueprints
from mlops_dsl.validate.template import MAX_INLINE_BODY_BYTES

# A key ARN as long as AWS makes them (a multi-Region key's ID is 36 characters, "mrk-" + 32).
KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"


@pytest.mark.parametrize("kms", [False, True], ids=["default", "kms"])
def test_every_sample_template_fits_inline(compiled_samples, kms):
    from mlops_dsl.compiler import TEMPLATE, compile_blueprint
    from mlops_dsl.loader import load_blueprint

    assert MAX_INLINE_BODY_BYTES == 51_200  # CloudFormation's TemplateBody limit (its quotas page)
    for path in sample_blueprints():
        name, compiled = path.stem, compiled_samples[path.stem]
        if kms:
            name, blueprint = load_blueprint(path)
            compiled = compile_blueprint(blueprint.with_(kms_key=KMS_KEY), name=name)
            assert compiled.pipeline.kms_key_arn == KMS_KEY
        size = len(compiled.files[TEMPLATE])
        production = compiled.pipeline.rollout or compiled.pipeline.registry
        if production and size >= MAX_INLINE_BODY_BYTES:
            assert any("`deploy` stages it in S3 (--template-bucket" in note
                       and "--s3-bucket" in note for note in compiled.notes)
            continue
        assert size < MAX_INLINE_BODY_BYTES, f"{name}{' with a KMS key' if kms else ''}: {size:,} bytes"

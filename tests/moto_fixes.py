"""Where moto 5.2.5 refuses what CloudFormation accepts, corrected for the tests' moto server.

Each fix names the moto behaviour and the AWS one; none makes moto accept what AWS refuses.
"""
from __future__ import annotations

import functools


def kms_key_tags_from_cloudformation() -> None:
    """AWS::KMS::Key takes ``Tags`` as ``[{Key, Value}]`` (CloudFormation template reference);
    moto hands them to the KMS API's tagger, which wants ``TagKey``/``TagValue``, and fails."""
    from moto.kms.models import Key

    original = Key.create_from_cloudformation_json.__func__
    if getattr(original, "_mlops_fixed", False):
        return

    @functools.wraps(original)
    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = dict(cloudformation_json.get("Properties", {}))
        properties["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]}
                              for t in properties.get("Tags", [])]
        return original(cls, resource_name, {**cloudformation_json, "Properties": properties},
                        account_id, region_name, **kwargs)

    create._mlops_fixed = True
    Key.create_from_cloudformation_json = classmethod(create)


def apply() -> None:
    kms_key_tags_from_cloudformation()

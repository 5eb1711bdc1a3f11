"""Where a template too large to send inline goes: an S3 object that the change set names by URL.

CreateChangeSet takes at most 51,200 bytes as ``TemplateBody``; through ``TemplateURL`` (an object
in S3) a template may have up to 1 MB ("CloudFormation quotas", AWS CloudFormation User Guide;
CreateChangeSet, API reference). The bucket is, in this order: ``--template-bucket NAME`` (it must
exist), the stack's own source repository bucket once the stack exists (deploy uploads its assets
there anyway), else ``mlops-dsl-templates-<account>-<region>``, created on first use: encrypted
(SSE-S3), all public access blocked, and the staged templates expire after
``EXPIRE_DAYS`` (CloudFormation reads the object only while it creates the change set).
Keys are content-addressed (``templates/<stack>/<sha16>.json``), so restaging the same template
overwrites nothing different.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .faults import DeployError, translate

PREFIX = "templates/"
EXPIRE_DAYS = 30  # staged templates are needed only while a change set is computed


@dataclass(frozen=True)
class Staged:
    bucket: str
    key: str
    url: str


def default_bucket(account: str, region: str) -> str:
    """The created staging bucket's name: one per account and region, as ``cdk bootstrap``'s."""
    return f"mlops-dsl-templates-{account}-{region}"


def template_key(stack_name: str, body: bytes) -> str:
    return f"{PREFIX}{stack_name}/{hashlib.sha256(body).hexdigest()[:16]}.json"


def url(bucket: str, key: str, region: str) -> str:
    """The virtual-hosted-style URL that TemplateURL accepts (CreateChangeSet: "The URL must point
    to a template that's located in an Amazon S3 bucket")."""
    return f"https://{bucket}.s3.{region}.amazonaws.com/{key}"


def account_of(aws) -> str:
    try:
        return aws.client("sts").get_caller_identity()["Account"]
    except Exception as error:  # noqa: BLE001
        raise translate(error, "looking up the AWS account (for the template staging bucket)") from None


def exists(s3, bucket: str) -> bool:
    """True when ``bucket`` exists and is ours to write; False when there is no such bucket."""
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket)
        return True
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchBucket", "NotFound"):
            return False
        if code in ("403", "AccessDenied", "Forbidden"):
            raise DeployError(f"the template staging bucket {bucket} exists but is not accessible "
                              "to these credentials (another account may own it)",
                              "name a bucket of yours with --template-bucket NAME") from None
        raise translate(error, f"checking the template staging bucket {bucket}") from None
    except Exception as error:  # noqa: BLE001
        raise translate(error, f"checking the template staging bucket {bucket}") from None


def create_bucket(s3, bucket: str, region: str, *, out=print) -> None:
    """Create the staging bucket locked down: SSE-S3, public access blocked, expiry. (No
    TLS-only bucket policy: an endpoint reached over plain HTTP, as the local moto server is,
    could then not be written; boto3 and CloudFormation use HTTPS against AWS.)"""
    out(f"  creating the template staging bucket {bucket} (encrypted, public access blocked, "
        f"templates expire after {EXPIRE_DAYS} days)")
    arguments = {"Bucket": bucket}
    if region != "us-east-1":  # us-east-1 refuses a LocationConstraint naming itself
        arguments["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        s3.create_bucket(**arguments)
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True})
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [{
            "ID": "expire-staged-templates", "Status": "Enabled", "Filter": {"Prefix": PREFIX},
            "Expiration": {"Days": EXPIRE_DAYS},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}]})
    except Exception as error:  # noqa: BLE001
        raise translate(error, f"creating the template staging bucket {bucket}") from None


def stage(s3, bucket: str, stack_name: str, body: bytes, region: str, *, out=print) -> Staged:
    """Upload the template; the URL CloudFormation reads it from."""
    key = template_key(stack_name, body)
    out(f"  uploading  template.json ({len(body):,} bytes) -> s3://{bucket}/{key}")
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
    except Exception as error:  # noqa: BLE001
        raise translate(error, f"staging the template in s3://{bucket}/{key}") from None
    return Staged(bucket, key, url(bucket, key, region))

"""A template above CloudFormation's 51,200-byte inline limit (the production sample, with rollout,
registry and notifications) is staged in S3 and the change set is made from its URL; a small one
still goes as a body. Against a moto server on 127.0.0.1."""
from __future__ import annotations

import json

import boto3
import pytest

from deploy_helpers import SAMPLE
from helpers import BLUEPRINTS
from mlops_dsl.compiler import TEMPLATE, compile_file
from mlops_dsl.deploy import staging
from mlops_dsl.deploy.changeset import MAX_INLINE_TEMPLATE_BYTES

PRODUCTION = BLUEPRINTS / "attrition_production.py"


@pytest.fixture
def change_set_calls(monkeypatch):
    """The arguments of every CreateChangeSet call, as botocore sends them (real client, real
    server: the calls are recorded on their way out, not answered)."""
    calls = []

    def record(params, **_):
        calls.append(dict(params))

    import boto3.session

    original = boto3.session.Session.client

    def client(self, service, *args, **kwargs):
        made = original(self, service, *args, **kwargs)
        if service == "cloudformation":
            made.meta.events.register("provide-client-params.cloudformation.CreateChangeSet", record)
        return made

    monkeypatch.setattr(boto3.session.Session, "client", client)
    return calls


def _account_and_region():
    session = boto3.session.Session()
    return boto3.client("sts").get_caller_identity()["Account"], session.region_name


def test_a_large_template_is_staged_in_a_created_bucket(moto_server, cli, change_set_calls):
    body = compile_file(PRODUCTION).files[TEMPLATE]
    assert len(body) > MAX_INLINE_TEMPLATE_BYTES, "the production sample no longer needs staging"
    code, out, err = cli("deploy", PRODUCTION, "--stack-name", "prod", "--yes")
    assert code == 0, err
    account, region = _account_and_region()
    bucket = staging.default_bucket(account, region)
    key = staging.template_key("prod", body)
    s3 = boto3.client("s3")
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body
    [call] = change_set_calls
    assert "TemplateBody" not in call
    assert call["TemplateURL"] == f"https://{bucket}.s3.{region}.amazonaws.com/{key}"
    assert f"creating the template staging bucket {bucket}" in out
    assert f"{len(body):,} bytes, more than the 51,200" in out and "TemplateURL" in out
    stack = boto3.client("cloudformation").describe_stacks(StackName="prod")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    # the created bucket is locked down
    blocked = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(blocked[k] for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                    "RestrictPublicBuckets"))
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    [rule] = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rule["Expiration"]["Days"] == staging.EXPIRE_DAYS and rule["Status"] == "Enabled"

    # once the stack exists, a large template goes to the stack's own source bucket
    from mlops_dsl.deploy import stack as stacks
    from mlops_dsl.deploy.apply import staged_template_url
    from mlops_dsl.deploy.session import connect

    aws = connect()
    cf = aws.client("cloudformation")
    lines = []
    found = staged_template_url(aws, cf, stacks.describe(cf, "prod"), body, out=lines.append)
    source = next(r["PhysicalResourceId"] for r in cf.list_stack_resources(
        StackName="prod")["StackResourceSummaries"] if r["LogicalResourceId"] == "SourceRepositoryBucket")
    assert found == staging.url(source, key, region)
    assert s3.get_object(Bucket=source, Key=key)["Body"].read() == body
    assert not any("creating the template staging bucket" in line for line in lines)


def test_a_named_template_bucket_is_used_and_must_exist(moto_server, cli, change_set_calls):
    body = compile_file(PRODUCTION).files[TEMPLATE]
    code, out, err = cli("deploy", PRODUCTION, "--stack-name", "prod", "--yes",
                         "--template-bucket", "my-templates")
    assert code == 1
    assert "the template bucket my-templates (--template-bucket) does not exist" in err
    assert change_set_calls == []
    assert "Traceback" not in err

    boto3.client("s3").create_bucket(Bucket="my-templates")
    code, out, err = cli("deploy", PRODUCTION, "--stack-name", "prod", "--yes",
                         "--template-bucket", "my-templates")
    assert code == 0, err
    key = staging.template_key("prod", body)
    assert boto3.client("s3").get_object(Bucket="my-templates", Key=key)["Body"].read() == body
    [call] = change_set_calls
    assert call["TemplateURL"].startswith("https://my-templates.s3.")
    account, region = _account_and_region()
    names = {b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]}
    assert staging.default_bucket(account, region) not in names


def test_a_small_template_still_goes_as_a_body(moto_server, cli, change_set_calls):
    body = compile_file(SAMPLE).files[TEMPLATE]
    assert len(body) <= MAX_INLINE_TEMPLATE_BYTES
    code, out, err = cli("deploy", SAMPLE, "--stack-name", "small", "--yes")
    assert code == 0, err
    [call] = change_set_calls
    assert call["TemplateBody"] == body.decode() and "TemplateURL" not in call
    account, region = _account_and_region()
    names = {b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]}
    assert staging.default_bucket(account, region) not in names
    assert "TemplateURL" not in out


def test_diff_of_a_large_template_stages_it_in_the_stacks_source_bucket(moto_server, cli,
                                                                        change_set_calls):
    compiled = compile_file(PRODUCTION)
    assert cli("deploy", PRODUCTION, "--stack-name", "prod", "--yes")[0] == 0
    # the deployed template drifts from the compiled one (an edit made outside mlops_dsl)
    cf = boto3.client("cloudformation")
    edited = dict(compiled.template, Description="edited by hand")
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="hand-edits")
    s3.put_object(Bucket="hand-edits", Key="t.json", Body=json.dumps(edited).encode())
    cf.update_stack(StackName="prod", TemplateURL="https://hand-edits.s3.amazonaws.com/t.json",
                    Capabilities=["CAPABILITY_IAM"])
    change_set_calls.clear()
    before = cf.list_change_sets(StackName="prod")["Summaries"]
    code, out, err = cli("diff", PRODUCTION, "--stack-name", "prod")
    assert code == 0, err
    [call] = change_set_calls
    source = next(r["PhysicalResourceId"] for r in cf.list_stack_resources(
        StackName="prod")["StackResourceSummaries"] if r["LogicalResourceId"] == "SourceRepositoryBucket")
    body = compiled.files[TEMPLATE]
    key = staging.template_key("prod", body)
    assert call["TemplateURL"] == staging.url(source, key, boto3.session.Session().region_name)
    assert s3.get_object(Bucket=source, Key=key)["Body"].read() == body
    assert cf.list_change_sets(StackName="prod")["Summaries"] == before  # the preview is deleted

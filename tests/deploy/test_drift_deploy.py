"""deploy of a blueprint with a drift check (moto server): the shipped drift script is uploaded
with the user's assets, content-addressed, before the training data."""
from __future__ import annotations

import boto3
from deploy_helpers import BLUEPRINTS, ROOT

from mlops_dsl.compiler import compile_file

SAMPLE = BLUEPRINTS / "attrition_drift.py"


def test_deploy_uploads_the_drift_script_as_an_asset(moto_server, cli):
    code, out, err = cli("deploy", SAMPLE, "--stack-name", "drift", "--yes")
    assert code == 0, err
    pipeline = compile_file(SAMPLE).pipeline
    script = pipeline.drift.script
    s3 = boto3.client("s3")
    bucket = next(b["Name"] for b in s3.list_buckets()["Buckets"]
                  if b["Name"].startswith("drift-sourcerepositorybucket"))
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert keys == {a.key for a in pipeline.assets} and script.key in keys
    body = s3.get_object(Bucket=bucket, Key=script.key)
    assert body["Body"].read() == (ROOT / "glue" / "drift.py").read_bytes()
    assert body["Metadata"]["sha256"] == script.sha256
    assert f"{len(pipeline.assets)} uploaded" in out

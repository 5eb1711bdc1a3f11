"""deploy and diff against a moto server: first deploy, no-op redeploy, an update, a failure."""
from __future__ import annotations

import boto3
from deploy_helpers import SAMPLE, blueprint_variant

from mlops_dsl.compiler import compile_file


def _objects(bucket_prefix: str) -> dict[str, dict]:
    s3 = boto3.client("s3")
    bucket = next(b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(bucket_prefix))
    return {o["Key"]: o for o in s3.list_objects_v2(Bucket=bucket).get("Contents", ())}, bucket


def test_first_deploy_creates_the_stack_uploads_assets_then_data(deployed):
    from mlops_dsl.compiler import compile_file

    compiled = compile_file(SAMPLE)
    pipeline = compiled.pipeline
    stack = boto3.client("cloudformation").describe_stacks(StackName="demo")["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert f"  {len(compiled.template['Resources'])} to add, 0 to modify, 0 to remove" in deployed
    sources, source_bucket = _objects("demo-sourcerepositorybucket")
    assert set(sources) == {a.key for a in pipeline.assets}
    head = boto3.client("s3").head_object(Bucket=source_bucket, Key=pipeline.transform.script.key)
    assert head["Metadata"]["sha256"] == pipeline.transform.script.sha256
    data, _ = _objects("demo-featurestorebucket")
    assert set(data) == {"data/score/score.csv", "data/train/train.csv"}
    # the order: assets, scoring data, the image, then training data (which starts a run), said so
    assert deployed.index("transform.py") < deployed.index("score.csv") \
        < deployed.index("is not in its repository yet") < deployed.index("train.csv")
    assert "EventBridge starts a run of attrition-pipeline" in deployed


def test_deploy_before_the_image_is_pushed_holds_the_training_data_back(moto_server, cli):
    code, out, err = cli("deploy", SAMPLE, "--stack-name", "first", "--yes")
    assert code == 0, err
    data, _ = _objects("first-featurestorebucket")
    assert set(data) == {"data/score/score.csv"}, "a run would fail: the image is not there yet"
    repository = compile_file(SAMPLE).pipeline.names.ecr_repository
    assert f"the image {repository}:1.0 is not in its repository yet, so the training data was " \
           "not uploaded" in out
    assert f"python -m mlops_dsl push-image {SAMPLE} --stack-name first" in out
    assert f"python -m mlops_dsl deploy {SAMPLE} --stack-name first" in out
    assert "EventBridge starts a run" not in out


def test_run_refuses_to_start_before_the_image_is_pushed(moto_server, cli):
    assert cli("deploy", SAMPLE, "--stack-name", "first", "--yes")[0] == 0
    code, out, err = cli("run", SAMPLE, "--stack-name", "first")
    assert code == 1
    assert "is not in its repository yet" in err and "push-image" in err
    assert "started" not in out


def test_second_deploy_with_nothing_changed_touches_nothing(deployed, cli):
    from mlops_dsl.compiler import compile_file

    assets = compile_file(SAMPLE).pipeline.assets
    cf = boto3.client("cloudformation")
    events_before = cf.describe_stack_events(StackName="demo")["StackEvents"]
    change_sets_before = cf.list_change_sets(StackName="demo")["Summaries"]
    data_before, _ = _objects("demo-featurestorebucket")
    code, out, err = cli("deploy", SAMPLE, "--stack-name", "demo", "--yes")
    assert code == 0, err
    assert "no changes: stack demo is up to date; it was not touched" in out
    assert "creating change set" not in out
    assert cf.describe_stack_events(StackName="demo")["StackEvents"] == events_before
    assert cf.list_change_sets(StackName="demo")["Summaries"] == change_sets_before
    data_after, _ = _objects("demo-featurestorebucket")
    assert {k: v["ETag"] for k, v in data_after.items()} == {k: v["ETag"] for k, v in data_before.items()}
    assert f"0 uploaded, {len(assets)} unchanged" in out
    assert "uploading" not in out and "no run was started" in out


def test_update_that_changes_the_workflow_is_shown_by_diff_then_deployed(deployed, cli, tmp_path):
    stricter = blueprint_variant(tmp_path, threshold=0.9)
    cf = boto3.client("cloudformation")
    change_sets_before = cf.list_change_sets(StackName="demo")["Summaries"]
    code, out, err = cli("diff", stricter, "--stack-name", "demo")
    assert code == 0, err
    assert "~ StateMachine  AWS::StepFunctions::StateMachine" in out
    assert "0 to add, 1 to modify, 0 to remove" in out
    assert "~ Check metric threshold" in out
    assert "Choices[0].NumericGreaterThan: " in out and "-> 0.9" in out
    from mlops_dsl.model.lifecycle import plan

    assert "plan (what one run may use):" in out
    assert all(f"  {line}\n" in out for line in plan(compile_file(stricter).pipeline))
    assert cf.list_change_sets(StackName="demo")["Summaries"] == change_sets_before  # preview deleted

    code, out, err = cli("deploy", stricter, "--stack-name", "demo", "--yes")
    assert code == 0, err
    assert "UPDATE_COMPLETE" in out
    template = boto3.client("cloudformation").get_template(StackName="demo")["TemplateBody"]
    assert '"NumericGreaterThan":0.9' in template["Resources"]["StateMachine"]["Properties"][
        "DefinitionString"]["Fn::Sub"]
    code, out, _ = cli("diff", stricter, "--stack-name", "demo")
    assert "no changes" in out


def test_diff_of_a_new_stack_lists_what_deploy_creates(moto_server, cli):
    code, out, _ = cli("diff", SAMPLE, "--stack-name", "fresh")
    assert code == 0
    assert "stack fresh does not exist" in out and "+ StateMachine" in out
    assert "+ Check metric threshold" in out
    assert boto3.client("cloudformation").list_stacks()["StackSummaries"] == []


def test_failed_deploy_names_the_failure_and_keeps_user_data(moto_server, cli, tmp_path):
    clash = blueprint_variant(tmp_path, image_name="taken-name")
    taken = compile_file(clash).pipeline.names.ecr_repository
    boto3.client("ecr").create_repository(repositoryName=taken)
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="users-own-bucket")
    s3.put_object(Bucket="users-own-bucket", Key="keep.csv", Body=b"a,b\n")
    code, out, err = cli("deploy", clash, "--stack-name", "clash", "--yes")
    assert code == 1
    assert "error: deploy failed" in err and "taken-name" in err and "already exists" in err
    assert "no data was deleted" in err
    assert "Traceback" not in err + out and "internal error" not in err
    assert "uploading" not in out  # nothing was uploaded before the stack settled
    assert s3.get_object(Bucket="users-own-bucket", Key="keep.csv")["Body"].read() == b"a,b\n"


def test_deploy_without_yes_and_without_a_terminal_refuses(moto_server, cli, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, out, err = cli("deploy", SAMPLE, "--stack-name", "demo")
    assert code == 1
    assert "needs a confirmation" in err and "--yes" in err
    assert "change set for stack demo (create)" in out  # the plan was shown first


def test_declining_the_change_set_leaves_the_stack_alone(deployed, cli, tmp_path, monkeypatch):
    from mlops_dsl.deploy import apply

    monkeypatch.setattr(apply, "confirm", lambda question: False)
    cf = boto3.client("cloudformation")
    change_sets_before = cf.list_change_sets(StackName="demo")["Summaries"]
    code, out, _ = cli("deploy", blueprint_variant(tmp_path, threshold=0.9), "--stack-name", "demo")
    assert code == 1
    assert "not executed" in out
    assert cf.list_change_sets(StackName="demo")["Summaries"] == change_sets_before
    assert cf.describe_stacks(StackName="demo")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


def test_the_template_needs_only_capability_iam():
    from mlops_dsl.compiler import compile_file
    from mlops_dsl.deploy.changeset import capabilities

    assert capabilities(compile_file(SAMPLE).template) == ["CAPABILITY_IAM"]
    named = {"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "x"}}}}
    assert capabilities(named) == ["CAPABILITY_NAMED_IAM"]


def test_update_uploads_a_changed_script_before_the_change_set_runs(deployed, cli, tmp_path):
    from deploy_helpers import ROOT

    from mlops_dsl.compiler import compile_file

    variant = blueprint_variant(tmp_path)
    script = tmp_path / "transform.py"
    script.write_text((ROOT / "glue" / "transform.py").read_text() + "\n# a changed transform\n")
    variant.write_text(variant.read_text().replace(f'"{ROOT}/glue/transform.py"', f'"{script}"'))
    new_key = compile_file(variant).pipeline.transform.script.key
    code, out, err = cli("deploy", variant, "--stack-name", "demo", "--yes")
    assert code == 0, err
    # the new script is in the bucket before the stack (and so the Glue job) points at it
    assert out.index(new_key) < out.index("UPDATE_COMPLETE")
    sources, _ = _objects("demo-sourcerepositorybucket")
    assert new_key in sources


def test_the_reference_modules_trailing_hyphen_prefix_deploys(moto_server, cli, tmp_path):
    variant = blueprint_variant(tmp_path, prefix="attrition-")
    code, out, err = cli("deploy", variant, "--stack-name", "hyphen", "--yes")
    assert code == 0, err
    resources = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in boto3.client(
        "cloudformation").list_stack_resources(StackName="hyphen")["StackResourceSummaries"]}
    names = compile_file(variant).pipeline.names
    assert names.state_machine == "attrition-pipeline"  # one hyphen, as with "attrition"
    assert resources["StateMachine"].endswith(":stateMachine:attrition-pipeline")
    assert resources["ModelRepository"] == "attrition-byo-xgboost"

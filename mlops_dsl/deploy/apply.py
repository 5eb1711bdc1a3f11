"""The deploy sequence: change set -> review -> execute -> follow -> assets -> data -> summary.

Assets go to the stack's own source repository bucket: on a first deploy once the stack exists, on
an update before the change set runs (new content-addressed keys, nothing overwritten), so the
Glue job never points at a script that is not there yet. The data goes last (scoring first, then
training: a new object under ``data/train/`` starts a run through EventBridge), after the stack
has settled, and every bucket is retained (DeletionPolicy Retain), so a rollback loses no data.
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import exit_codes
from . import assets, changeset, events
from . import stack as stacks
from .faults import DeployError
from .replacements import replaced_names

SOURCE_BUCKET, SOURCE_OUTPUT = "SourceRepositoryBucket", "SourceRepositoryBucketName"
FEATURE_BUCKET, FEATURE_OUTPUT = "FeatureStoreBucket", "FeatureStoreBucketName"
STATE_MACHINE, STATE_MACHINE_OUTPUT = "StateMachine", "StateMachineArn"
SUMMARY_TYPES = ("AWS::S3::Bucket", "AWS::StepFunctions::StateMachine", "AWS::ECR::Repository")


@dataclass
class Options:
    stack_name: str
    yes: bool = False
    poll_seconds: float | None = None
    blueprint: str = "BLUEPRINT"  # as the user named it, for the next commands we print


def confirm(question: str) -> bool:
    import sys

    if not sys.stdin or not sys.stdin.isatty():
        raise DeployError("the change set needs a confirmation and there is no terminal to ask in",
                          "review it with `python -m mlops_dsl diff`, then rerun deploy with --yes")
    answer = input(f"{question} [y/N] ")
    return answer.strip().lower() in ("y", "yes")


def deploy(compiled, aws, options: Options, *, out=print, ask=None) -> int:
    from ..compiler import TEMPLATE

    cf = aws.client("cloudformation")
    name = options.stack_name
    stack = stacks.describe(cf, name)
    if stack.status:
        stacks.check_updatable(stack)
    body = compiled.files[TEMPLATE]
    out(f"deploying {compiled.pipeline.name} to stack {name} in {aws.region}")
    changed = True
    assets_sent = False
    deployed = stacks.deployed_template(cf, name) if stack.exists else None
    if stack.exists and stack.status in stacks.SETTLED_OK and \
            changeset.same_template(deployed, compiled.template):
        changed = False
    else:
        url = _staged_template_url(aws, cf, stack, body) \
            if len(body) > changeset.MAX_INLINE_TEMPLATE_BYTES else None
        plan = changeset.create(cf, stack, body, compiled.template, template_url=url, out=out)
        for line in changeset.render(plan):
            out(line)
        for replacement in replaced_names(deployed, compiled.template):
            out(replacement.line())
        if plan.empty:
            changed = False
        else:
            if not options.yes and not (ask or confirm)("Execute this change set?"):
                changeset.delete(cf, plan)
                out("not executed: the change set was deleted and the stack is unchanged")
                return exit_codes.FAILED
            if stack.exists:
                # The source bucket exists already: upload the new content-addressed assets
                # before the Glue job points at them, so no run can see a missing script.
                _upload_assets(aws, cf, stack, compiled.pipeline, out)
                assets_sent = True
            _execute(cf, plan, len(plan.changes), options, out)
    if not changed:
        out(f"no changes: stack {name} is up to date; it was not touched")
    stack = stacks.describe(cf, name)
    if not assets_sent:
        _upload_assets(aws, cf, stack, compiled.pipeline, out)
    _upload_data(aws, cf, stack, compiled.pipeline, out, options.blueprint)
    _summary(cf, stack, out)
    return exit_codes.OK


def _execute(cf, plan, expected: int, options: Options, out) -> None:
    seen = events.seen_event_ids(cf, plan.stack_name)
    out(f"executing change set; following the events of stack {plan.stack_name}:")
    try:
        changeset.execute(cf, plan)
    except DeployError as error:
        outcome = events.follow(cf, plan.stack_name, seen=seen, expected=expected, out=out,
                                poll_seconds=options.poll_seconds) if _settles(cf, plan) else None
        cause = outcome.root_cause if outcome else None
        raise DeployError(f"deploy failed: {cause or error.message}", _after_failure(plan)) from None
    outcome = events.follow(cf, plan.stack_name, seen=seen, expected=expected, out=out,
                            poll_seconds=options.poll_seconds)
    if outcome.status not in stacks.SETTLED_OK:
        cause = outcome.root_cause
        what = f"{cause.logical_id} ({cause.resource_type}) {cause.status}: {cause.reason}" if cause \
            else "no resource reported a failure"
        raise DeployError(f"deploy failed, stack {plan.stack_name} is {outcome.status}: {what}",
                          _after_failure(plan, outcome.status))


def _settles(cf, plan) -> bool:
    status = stacks.describe(cf, plan.stack_name).status or ""
    return bool(status) and status != "REVIEW_IN_PROGRESS"


def _after_failure(plan, status: str = "") -> str:
    hint = ("nothing of yours was uploaded before the stack settled and every bucket is retained "
            "(DeletionPolicy Retain), so no data was deleted; fix the cause and deploy again")
    if status == "ROLLBACK_COMPLETE":
        hint += (f"; a first deploy that rolled back must be removed before the next one: "
                 f"`aws cloudformation delete-stack --stack-name {plan.stack_name}`")
    if status == "UPDATE_ROLLBACK_FAILED":
        hint = (f"fix the resource named above, then `aws cloudformation continue-update-rollback "
                f"--stack-name {plan.stack_name}` and deploy again")
    return hint


def _staged_template_url(aws, cf, stack, body: bytes) -> str | None:
    """A large template goes through the stack's source bucket (only once the stack exists)."""
    if not stack.exists:
        return None
    import hashlib

    bucket = stacks.physical_id(cf, stack.name, SOURCE_BUCKET, output=SOURCE_OUTPUT, stack=stack)
    key = f"templates/{hashlib.sha256(body).hexdigest()[:16]}.json"
    s3 = aws.client("s3")
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    return f"https://{bucket}.s3.{aws.region}.amazonaws.com/{key}"


def _upload_assets(aws, cf, stack, pipeline, out) -> None:
    if not pipeline.assets:
        return
    bucket = stacks.physical_id(cf, stack.name, SOURCE_BUCKET, output=SOURCE_OUTPUT, stack=stack)
    out(f"assets -> source repository bucket {bucket}:")
    # model.Asset has what an Upload has (source, key, sha256): no copy needed
    sent = assets.put_all(aws.client("s3"), bucket, pipeline.assets, out=out)
    out(f"  {sent} uploaded, {len(pipeline.assets) - sent} unchanged")


def _upload_data(aws, cf, stack, pipeline, out, blueprint: str = "BLUEPRINT") -> None:
    data = pipeline.data
    wanted = [(path, key) for path, key in ((data.score, data.score_key),
                                            (data.train, data.train_key)) if path]
    if not wanted:
        return
    waiting = _image_missing(aws, pipeline)
    if waiting and data.train:
        wanted = [(path, key) for path, key in wanted if key != data.train_key]
    bucket = pipeline.existing_feature_store or stacks.physical_id(
        cf, stack.name, FEATURE_BUCKET, output=FEATURE_OUTPUT, stack=stack)
    s3 = aws.client("s3")
    started = False
    if wanted:
        out(f"data -> feature store {bucket} (scoring first; training data last starts a run):")
    for path, key in wanted:
        sent = assets.put(s3, bucket, assets.Upload.of(path, key), out=out)
        started = started or (sent and key == data.train_key)
    if waiting:
        out(f"the image {waiting} is not in its repository yet, so the training data was not "
            f"uploaded: a run now would fail with \"Cannot find the requested image\". Next:")
        out(f"  python -m mlops_dsl push-image {blueprint} --stack-name {stack.name}")
        out(f"  python -m mlops_dsl deploy {blueprint} --stack-name {stack.name}   (uploads the "
            f"training data, which starts a run)")
    elif started:
        out(f"the training data was uploaded: EventBridge starts a run of {pipeline.names.state_machine} "
            f"now; watch it in the Step Functions console")
    else:
        out("the data is unchanged, so no run was started (start one with "
            f"`python -m mlops_dsl run {blueprint} --stack-name {stack.name} --follow`)")


def _image_missing(aws, pipeline) -> str | None:
    """``repository:tag`` of the bring-your-own image when it is not pushed yet, else None."""
    from .image import image_pushed

    byo = pipeline.byo_image
    if byo is None:
        return None
    repository = pipeline.names.ecr_repository
    return None if image_pushed(aws.client("ecr"), repository, byo.tag) else f"{repository}:{byo.tag}"


def _summary(cf, stack, out) -> None:
    stack = stacks.describe(cf, stack.name)
    out(f"stack {stack.name}: {stack.status}")
    if not stack.outputs:  # some endpoints (e.g. local emulators) report none: show the resources
        out("  (the stack reports no outputs; its main resources:)")
        for logical_id, physical in stacks.resources(cf, stack.name, SUMMARY_TYPES):
            out(f"  {logical_id}  {physical}")
    width = max((len(k) for k in stack.outputs), default=0)
    for key in sorted(stack.outputs):
        out(f"  {key:<{width}}  {stack.outputs[key]}")

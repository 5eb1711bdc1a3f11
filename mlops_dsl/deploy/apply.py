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
from .faults import DeployError, translate
from .progress import EXECUTE_SENT, EXECUTING, PREVIEWED, SETTLED, Progress
from .replacements import replaced_names

SOURCE_BUCKET, SOURCE_OUTPUT = "SourceRepositoryBucket", "SourceRepositoryBucketName"
FEATURE_BUCKET, FEATURE_OUTPUT = "FeatureStoreBucket", "FeatureStoreBucketName"
STATE_MACHINE, STATE_MACHINE_OUTPUT = "StateMachine", "StateMachineArn"
SUMMARY_TYPES = ("AWS::S3::Bucket", "AWS::StepFunctions::StateMachine", "AWS::ECR::Repository")
QUESTION = "Execute this change set?"


@dataclass
class Options:
    stack_name: str
    yes: bool = False
    poll_seconds: float | None = None
    blueprint: str = "BLUEPRINT"  # as the user named it, for the next commands we print
    stack_timeout: float | None = None  # seconds of following the stack (events.DEADLINE_SECONDS)
    template_bucket: str | None = None  # where a template above 51,200 bytes is staged (staging)


def confirm(question: str) -> bool:
    """Ask on the terminal. End of input (Ctrl-D), a closed output (broken pipe) and Ctrl-C are
    raised as they come (EOFError, BrokenPipeError, KeyboardInterrupt): the caller takes each as
    "no"."""
    import sys

    if not sys.stdin or not sys.stdin.isatty():
        raise DeployError("the change set needs a confirmation and there is no terminal to ask in",
                          "review it with `python -m mlops_dsl diff`, then rerun deploy with --yes")
    # The prompt is written and flushed here rather than by input(), which ignores a failed
    # flush: with nobody reading our output it would wait for an answer to an unseen question.
    print(f"{question} [y/N] ", end="", flush=True)
    answer = input()
    return answer.strip().lower() in ("y", "yes")


def deploy(compiled, aws, options: Options, *, out=print, ask=None) -> int:
    """Deploy; Ctrl-C at any point says what state the stack and the uploads are in."""
    progress = Progress(options.stack_name, options.blueprint)
    # the first line comes before any AWS call, so a silent endpoint is never a silent deploy
    out(f"deploying {compiled.pipeline.name} to stack {options.stack_name} in {aws.region}")
    cf = None
    try:
        aws.check_credentials()
        cf = aws.client("cloudformation")
        return _deploy(compiled, aws, cf, options, progress, out, ask)
    except KeyboardInterrupt:
        _drop_change_set(cf, progress)
        raise progress.interrupted() from None
    except BrokenPipeError:  # whoever read our output has gone (`deploy ... | head`): stop too
        _silence_stdout()
        _drop_change_set(cf, progress)
        raise progress.output_closed() from None
    except DeployError as error:
        raise progress.failed(error) from None


def _drop_change_set(cf, progress: Progress) -> None:
    """A change set that was never executed goes when the deploy stops (best effort)."""
    if progress.stack == PREVIEWED and progress.plan is not None and not progress.change_set_deleted:
        progress.change_set_deleted = changeset.delete(cf, progress.plan)


def _deploy(compiled, aws, cf, options: Options, progress: Progress, out, ask) -> int:
    from ..compiler import TEMPLATE

    name = options.stack_name
    progress.expect(a.key for a in compiled.pipeline.assets)
    progress.expect(key for _, _, key in _data_files(compiled.pipeline))
    progress.doing(f"looking up stack {name}")
    stack = stacks.describe(cf, name)
    if stack.status:
        stacks.check_updatable(stack)
    body = compiled.files[TEMPLATE]
    changed = True
    assets_sent = False
    deployed = stacks.deployed_template(cf, name) if stack.exists else None
    if stack.exists and stack.status in stacks.SETTLED_OK and \
            changeset.same_template(deployed, compiled.template):
        changed = False
    else:
        url = staged_template_url(aws, cf, stack, body, template_bucket=options.template_bucket,
                                  out=out, doing=progress.doing) \
            if len(body) > changeset.MAX_INLINE_TEMPLATE_BYTES else None
        progress.doing("creating the change set")
        progress.kind = "UPDATE" if stack.exists else "CREATE"
        plan = changeset.create(cf, stack, body, compiled.template, template_url=url, out=out,
                                on_created=progress.previewed)
        for line in changeset.render(plan):
            out(line)
        for replacement in replaced_names(deployed, compiled.template):
            out(replacement.line())
        if plan.empty:  # CloudFormation found nothing to change; the change set is gone
            progress.change_set_deleted = True
            changed = False
        else:
            if not options.yes and not _confirmed(cf, plan, progress, ask or confirm):
                out(f"not executed: {progress.stack_line()}")
                return exit_codes.FAILED
            if stack.exists:
                # The source bucket exists already: upload the new content-addressed assets
                # before the Glue job points at them, so no run can see a missing script.
                _upload_assets(aws, cf, stack, compiled.pipeline, out, progress)
                assets_sent = True
            _execute(cf, plan, len(plan.changes), options, out, progress)
    if not changed:
        out(f"no changes: stack {name} is up to date; it was not touched")
    stack = stacks.describe(cf, name)
    progress.stack, progress.status = SETTLED, stack.status or ""
    if not assets_sent:
        _upload_assets(aws, cf, stack, compiled.pipeline, out, progress)
    _upload_data(aws, cf, stack, compiled.pipeline, out, options.blueprint, progress)
    progress.doing("printing the stack's outputs")
    _summary(cf, stack, out)
    return exit_codes.OK


def _confirmed(cf, plan, progress: Progress, ask) -> bool:
    """The answer to the question; no answer (end of input, a closed output, Ctrl-C) is "no",
    and the change set is deleted in every case but "yes"."""
    import sys

    progress.doing("waiting for the confirmation")
    try:
        if ask(QUESTION):
            return True
    except DeployError as error:  # no terminal to ask in
        _drop_change_set(cf, progress)
        raise DeployError(error.message, error.hint, details=[progress.stack_line()]) from None
    except (EOFError, BrokenPipeError, KeyboardInterrupt) as stop:
        if isinstance(stop, BrokenPipeError):
            _silence_stdout()
        print(file=sys.stderr)  # end the prompt's line
        _drop_change_set(cf, progress)
        if isinstance(stop, KeyboardInterrupt):
            raise progress.interrupted() from None
        why = "the input ended (Ctrl-D)" if isinstance(stop, EOFError) else \
            "the output was closed (broken pipe)"
        raise DeployError(f"{why} before the question \"{QUESTION}\" was answered: taken as no",
                          "rerun deploy in a terminal and answer y, or with --yes to execute "
                          "without asking", details=[progress.stack_line()]) from None
    _drop_change_set(cf, progress)
    return False


def _silence_stdout() -> None:
    """After a broken pipe, further output to stdout (and the interpreter's final flush) would
    fail again: point it at /dev/null, as Python's documentation advises for SIGPIPE."""
    import os
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # io.UnsupportedOperation is both of the first
        pass  # not a real file (captured output): nothing will fail at exit


def _execute(cf, plan, expected: int, options: Options, out, progress: Progress) -> None:
    seen = events.seen_event_ids(cf, plan.stack_name)
    progress.doing("executing the change set")
    out(f"executing change set; following the events of stack {plan.stack_name}:")
    progress.stack = EXECUTE_SENT
    follow = dict(seen=seen, expected=expected, out=out, poll_seconds=options.poll_seconds,
                  deadline_seconds=options.stack_timeout)
    try:
        changeset.execute(cf, plan)
    except DeployError as error:
        outcome = events.follow(cf, plan.stack_name, **follow) if _settles(cf, plan) else None
        cause = outcome.root_cause if outcome else None
        progress.stack = SETTLED if outcome else PREVIEWED
        raise DeployError(f"deploy failed: {cause or error.message}", _after_failure(plan)) from None
    progress.stack = EXECUTING
    progress.doing("following the stack's events")
    outcome = events.follow(cf, plan.stack_name, **follow)
    progress.stack, progress.status = SETTLED, outcome.status
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
    hint = ("no data was uploaded before the stack settled (new Glue scripts and wheels go under "
            "new keys and overwrite nothing) and every bucket is retained (DeletionPolicy "
            "Retain), so no data was deleted; fix the cause and deploy again")
    if status == "ROLLBACK_COMPLETE":
        hint += (f"; a first deploy that rolled back must be removed before the next one: "
                 f"`aws cloudformation delete-stack --stack-name {plan.stack_name}`")
    if status == "UPDATE_ROLLBACK_FAILED":
        hint = (f"fix the resource named above, then `aws cloudformation continue-update-rollback "
                f"--stack-name {plan.stack_name}` and deploy again")
    return hint


def staged_template_url(aws, cf, stack, body: bytes, *, template_bucket: str | None = None,
                        out=print, doing=lambda what: None) -> str:
    """A template above the inline limit goes to S3 and the change set names it by URL
    (``staging``): --template-bucket, else the stack's source bucket, else the created one."""
    from . import staging

    s3 = aws.client("s3")
    bucket = template_bucket
    if bucket:
        if not staging.exists(s3, bucket):
            raise DeployError(f"the template bucket {bucket} (--template-bucket) does not exist",
                              "create it, or leave --template-bucket out to let deploy create "
                              "and use its own staging bucket")
    elif stack.exists:
        bucket = stacks.physical_id(cf, stack.name, SOURCE_BUCKET, output=SOURCE_OUTPUT, stack=stack)
    else:
        doing("looking up the template staging bucket")
        bucket = staging.default_bucket(staging.account_of(aws), aws.region)
        if not staging.exists(s3, bucket):
            staging.create_bucket(s3, bucket, aws.region, out=out)
    out(f"the template is {len(body):,} bytes, more than the {changeset.MAX_INLINE_TEMPLATE_BYTES:,} "
        f"CloudFormation accepts inline: the change set reads it from S3 (TemplateURL)")
    doing(f"staging the template in {bucket}")
    return staging.stage(s3, bucket, stack.name, body, aws.region, out=out).url


def _upload_assets(aws, cf, stack, pipeline, out, progress: Progress) -> None:
    if not pipeline.assets:
        return
    bucket = stacks.physical_id(cf, stack.name, SOURCE_BUCKET, output=SOURCE_OUTPUT, stack=stack)
    progress.doing(f"uploading the Glue script and wheels to {bucket}")
    out(f"assets -> source repository bucket {bucket}:")
    s3 = aws.client("s3")
    sent = 0
    for asset in pipeline.assets:  # a model.Asset has what an Upload has, its bytes included
        progress.uploading(asset.key)
        done = assets.put(s3, bucket, asset, out=out)
        progress.uploaded(asset.key, done)
        sent += done
    out(f"  {sent} uploaded, {len(pipeline.assets) - sent} unchanged")


def _data_files(pipeline) -> list[tuple[str, object, str]]:
    """(field, local path, key) of the data files, in upload order: scoring, then training."""
    data = pipeline.data
    return [(field, path, key) for field, path, key in (("score", data.score, data.score_key),
                                                        ("train", data.train, data.train_key))
            if path]


def _upload_data(aws, cf, stack, pipeline, out, blueprint: str, progress: Progress) -> None:
    data = pipeline.data
    wanted = _data_files(pipeline)
    if not wanted:
        return
    progress.doing("checking the image repository")
    waiting = _image_missing(aws, pipeline)
    if waiting and data.train:
        progress.held_back(data.train_key)
        wanted = [item for item in wanted if item[2] != data.train_key]
    bucket = pipeline.existing_feature_store or stacks.physical_id(
        cf, stack.name, FEATURE_BUCKET, output=FEATURE_OUTPUT, stack=stack)
    s3 = aws.client("s3")
    started = False
    if wanted:
        out(f"data -> feature store {bucket} (scoring first; training data last starts a run):")
    for field, path, key in wanted:
        progress.doing(f"uploading the data to {bucket}")
        progress.uploading(key)
        sent = assets.put_file(s3, bucket, path, key, out=out, origin=data.origin(field))
        progress.uploaded(key, sent)
        if sent and key == data.train_key:
            started = progress.run_started = True
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

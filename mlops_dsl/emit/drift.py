"""The data-drift check (``drift_check``), present only when the blueprint asks for it.

Workflow: after the Glue transform has written the extracts and the run has its job name, and
before any training, the states below run ``glue/drift.py`` as a second Glue job, read its report
(``drift/<job name>.json`` in the metadata store) and compare its maximum PSI with ``max_psi``.
Checking before training (not just before the batch transform) spends nothing on a run that
would stop anyway; both extracts are final once the transform job is done. On drift, ``fail``
ends the run in a Fail state naming the drifted features; ``warn`` records a warning in the
run's data (``$.drift.Warning``, written to the tuning metadata with the report) and goes on.

Template: the job (Python shell, as the transform job's Python shell settings) and its own role,
granted only what the script does: read its script and the two extracts, write ``drift/*`` in
the metadata store, put metrics in this stack's namespace, and log.
"""
from __future__ import annotations

from troposphere import GetAtt, Ref, Sub
from troposphere.glue import ExecutionProperty, Job, JobCommand

from ..asl.fn_sub import escape
from ..asl.operators import NUMERIC_BY_SYMBOL
from ..model import Pipeline
from ..model.layout import DRIFT_PREFIX, EXTRACTS_SCORE_KEY, EXTRACTS_TRAIN_PREFIX
from ..model.lifecycle import DRIFT_DPU, DRIFT_TIMEOUT_MINUTES
from . import arns
from . import names as n
from .sdk import ChoiceRule, Choice, Fail, Pass
from .tasks import glue, s3

CHECK = "Check data drift"
READ = "Read drift report"
DRIFTED = "Data drifted?"
FAILED = "Data drifted"
WARNED = "Continue despite drift"

JOB = "$.names.JobName"
REPORT = "$.drift.Report"  # the report as read (glue/drift.py's JSON)
DRIFT_ERROR = "DataDrifted"
TIMEOUT_MINUTES = DRIFT_TIMEOUT_MINUTES


def report_key() -> str:
    """``drift/<job name>.json``, as a States.Format expression."""
    return f"States.Format('{DRIFT_PREFIX}{{}}.json', {JOB})"


def states(build, pipeline: Pipeline, next_step):
    """The drift check's states, in front of ``next_step``; ``next_step`` itself without one."""
    drift = pipeline.drift
    if drift is None:
        return next_step
    names = pipeline.names
    check = build.add(glue.StartJobRunSync(
        CHECK, job=names.drift_job, job_value=escape(names.drift_job), arguments={
            "--EXTRACTS": n.sub(n.EXTRACTS),
            "--TRAIN_KEY": EXTRACTS_TRAIN_PREFIX,
            "--SCORE_KEY": EXTRACTS_SCORE_KEY,
            "--REPORT": n.sub(n.METADATA),
            "--REPORT_KEY.$": report_key(),
            "--MAX_PSI": drift.traced("max_psi", f"{drift.max_psi:g}"),
            "--METRIC_NAMESPACE": escape(names.drift_namespace),
            "--PIPELINE": escape(pipeline.name)},
        result_path="$.drift_job",
        result_selector={"JobRunId.$": "$.Id", "JobRunState.$": "$.JobRunState"},
        comment="Compare each feature of the scoring extract with the training extract (PSI)"))
    read = build.add(s3.GetObject(
        READ, bucket=n.sub(n.METADATA), prefix=DRIFT_PREFIX, parameters={"Key.$": report_key()},
        result_path="$.drift", result_selector={"Report.$": "States.StringToJson($.Body)"}))
    bound = f"{drift.max_psi:g}"
    over = getattr(ChoiceRule, NUMERIC_BY_SYMBOL[">"].name)(variable=f"{REPORT}.max_psi",
                                                            value=drift.max_psi)
    where = f"s3://{n.sub(n.METADATA)}/{DRIFT_PREFIX}{{}}.json"
    if drift.on_drift == "fail":
        target = Fail(FAILED, error=DRIFT_ERROR, cause_path=(
            f"States.Format('The scoring data drifted from the training data: PSI above {bound} "
            f"in {{}} (max PSI {{}}); the report is {where}', {REPORT}.drifted_features, "
            f"{REPORT}.max_psi, {JOB})"))
    else:
        target = Pass(WARNED, result_path="$.drift.Warning", parameters={
            "Message.$": (f"States.Format('Data drift: PSI above {bound} in {{}} (max PSI {{}}); "
                          f"the run goes on (on_drift warn)', {REPORT}.drifted_features, "
                          f"{REPORT}.max_psi)")})
        target.next(next_step)
    choice = Choice(DRIFTED, comment=f"Drift: a feature's PSI above {bound}")
    choice.add_choice(over, next_step=target)
    choice.default_choice(next_step)
    check.next(read)
    read.next(choice)
    return check


def metadata(pipeline: Pipeline) -> dict:
    """What the run's metadata records of the check (the report, and a warning if any)."""
    return {} if pipeline.drift is None else {"Drift.$": "$.drift"}


def job(pipeline: Pipeline, security_configuration: str) -> Job:
    """The Glue job running ``glue/drift.py``: Python shell 3.9 on Glue 3.0 with the analytics
    library set (pandas and numpy preinstalled), as the transform job's Python shell settings."""
    script = Sub(f"s3://{n.sub(n.SOURCE_REPOSITORY)}/{escape(pipeline.drift.script.key)}")
    return Job(n.DRIFT_JOB, Name=pipeline.names.drift_job, Role=GetAtt(n.DRIFT_ROLE, "Arn"),
               Command=JobCommand(Name="pythonshell", PythonVersion="3.9", ScriptLocation=script),
               DefaultArguments={"--job-language": "python", "library-set": "analytics"},
               GlueVersion="3.0", MaxCapacity=DRIFT_DPU, Timeout=TIMEOUT_MINUTES,
               ExecutionProperty=ExecutionProperty(MaxConcurrentRuns=1),
               SecurityConfiguration=Ref(security_configuration),
               Description="Data-drift check: PSI of the scoring extract against the training "
                           "extract", Tags=dict(pipeline.tags))


def role_statements(pipeline: Pipeline, statement, kms) -> list[dict]:
    """The drift job's grants (``statement`` and ``kms`` are emit.iam's helpers)."""
    extracts, metadata_bucket = n.sub(n.EXTRACTS), n.sub(n.METADATA)
    return [
        statement(["s3:GetObject"], [
            Sub(arns.bucket(n.sub(n.SOURCE_REPOSITORY), escape(pipeline.drift.script.key))),
            Sub(arns.bucket(extracts, EXTRACTS_TRAIN_PREFIX + "*")),
            Sub(arns.bucket(extracts, EXTRACTS_SCORE_KEY))]),
        # The training extract is a prefix: the script lists it (ListObjectsV2 needs ListBucket).
        statement(["s3:ListBucket"], [Sub(arns.bucket(extracts))],
                  {"StringLike": {"s3:prefix": [EXTRACTS_TRAIN_PREFIX + "*"]}}),
        statement(["s3:PutObject"], [Sub(arns.bucket(metadata_bucket, DRIFT_PREFIX + "*"))]),
        # PutMetricData supports no resource ARNs; the cloudwatch:namespace condition key limits it
        # to this stack's namespace (Service Authorization Reference, Amazon CloudWatch; "Using
        # condition keys to limit access to CloudWatch namespaces", CloudWatch user guide).
        statement(["cloudwatch:PutMetricData"], ["*"],
                  {"StringEquals": {"cloudwatch:namespace": pipeline.names.drift_namespace}}),
        # With a security configuration Glue logs to /aws-glue/jobs/<configuration>-role/...
        statement(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
                  + (["logs:AssociateKmsKey"] if pipeline.kms_key_arn else []),
                  [Sub(arns.log_group("/aws-glue/*"))]),
        *kms(pipeline),
    ]

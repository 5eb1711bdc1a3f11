"""Every physical name the pipeline gives an AWS resource, derived in one place.

The template names resources with these, the IAM policies scope grants to them, the workflow calls
them, the local runner stands in for them and deploy looks them up. Buckets are the exception: their
names are left to CloudFormation (globally unique), and the local runner names its stand-ins here.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .origin import Origin, Spec, origins_field

JOB_NAME_FUNCTION = "job-name"  # purposes of the Lambda handlers, the suffix of their names
ENDPOINT_CHECK_FUNCTION = "endpoint-check"
DRIFT_JOB_SUFFIX = "drift-check"  # the drift check's Glue job: <prefix>-drift-check
ROLLOUT_ALARMS = ("errors", "latency")  # what the rollout alarms watch: 5XX rate, p99 latency
STACK_TAG_CHARS = 4  # lambdas/job_name.py: job_name (18) + "-" + tag (4) + "-" + time (8) = 32
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def stack_tag(stem: str) -> str:
    """Four base-36 characters derived from the name prefix: what keeps two stacks' SageMaker
    names (and the IAM patterns scoped to them) apart when they share a job_name."""
    number = int(hashlib.sha256(stem.encode("utf-8")).hexdigest(), 16)
    tag = ""
    for _ in range(STACK_TAG_CHARS):
        number, digit = divmod(number, 36)
        tag += DIGITS[digit]
    return tag


@dataclass(frozen=True, kw_only=True)
class Names(Spec):
    """The physical names of one pipeline's resources."""

    prefix: str  # name_prefix as given: every name below starts with it
    job_prefix: str  # job_name: SageMaker tuning, training, transform jobs, models and configs
    transform_job: str  # GlueTransform.job_name
    image_name: str | None  # a bring-your-own image's name (ByoImage.name)
    origins: dict[str, Origin] = origins_field()

    @property
    def stem(self) -> str:
        """The prefix without the trailing hyphen of the reference module's convention
        (``"attrition-"``): names join with one hyphen either way."""
        return self.prefix.rstrip("-")

    def join(self, *parts: str) -> str:
        """``<prefix>-part-part``."""
        return "-".join((self.stem, *parts))

    @property
    def glue_job(self) -> str:
        return self.join(self.transform_job)

    @property
    def drift_job(self) -> str:
        """The drift check's Glue job (``drift_check``)."""
        return self.join(DRIFT_JOB_SUFFIX)

    @property
    def drift_namespace(self) -> str:
        """The CloudWatch namespace of the drift check's ``MaxPSI`` metric: one per stack, so the
        job's PutMetricData grant (conditioned on ``cloudwatch:namespace``) reaches no other."""
        return f"mlops_dsl/{self.stem}"

    @property
    def crawler(self) -> str:
        return self.join("output-crawler")

    @property
    def database(self) -> str:
        """The Glue database: lower case, underscores (Athena reads hyphens badly)."""
        return re.sub(r"[^a-z0-9_]", "_", f"{self.stem}_output".lower())

    @property
    def glue_security_configuration(self) -> str:
        return self.join("glue")

    @property
    def state_machine(self) -> str:
        return self.join("pipeline")

    @property
    def log_group(self) -> str:
        """The one log group: state machine errors and the handlers' logs."""
        return f"/aws/vendedlogs/states/{self.state_machine}"

    def function(self, purpose: str) -> str:
        """A Lambda handler's name; explicit, so log groups and grants can name it."""
        return self.join(purpose)

    @property
    def sagemaker_names(self) -> str:
        """What every SageMaker job, model and endpoint config name of this stack starts with:
        ``<job_name>-<stack tag>``, completed per run by the job-name handler."""
        return f"{self.job_prefix}-{stack_tag(self.stem)}"

    @property
    def sagemaker_prefix(self) -> str:
        """The IAM pattern prefix of this stack's SageMaker resources: SageMaker ARNs hold names
        in lower case, and the hyphen keeps ``job`` from matching another stack's ``job2``."""
        return self.sagemaker_names.lower() + "-"

    @property
    def ecr_repository(self) -> str | None:
        """The bring-your-own image's repository: ``<prefix>-<image name>``."""
        return None if self.image_name is None else self.join(self.image_name)

    def alarm(self, watches: str) -> str:
        """A rollout alarm on the endpoint (``errors`` or ``latency``)."""
        return self.join("endpoint", watches)

    @property
    def topic(self) -> str:
        """The SNS topic of run notifications and approval requests."""
        return self.join("pipeline-events")

    @property
    def schedule(self) -> str:
        """The EventBridge Scheduler schedule that starts a retraining run."""
        return self.join("retrain")

    def physical(self, *, endpoint: str | None = None, batch: bool = True, alarms: bool = False,
                 topic: bool = False, group: str | None = None,
                 schedule: bool = False, drift: bool = False) -> dict[str, str]:
        """Every explicit name of the stack, by what it names (for collision checks)."""
        found = {"Glue job": self.glue_job, "Glue security configuration":
                 self.glue_security_configuration, "state machine": self.state_machine,
                 "log group": self.log_group, "Lambda function job-name":
                 self.function(JOB_NAME_FUNCTION), "SageMaker names": self.sagemaker_names + "-"}
        if drift:
            found["Glue job drift-check"] = self.drift_job
        if self.ecr_repository:
            found["ECR repository"] = self.ecr_repository
        if batch:
            found.update({"Glue crawler": self.crawler, "Glue database": self.database})
        if endpoint is not None:
            found.update({"SageMaker endpoint": endpoint,
                          "Lambda function endpoint-check": self.function(ENDPOINT_CHECK_FUNCTION)})
        if alarms:
            found.update({f"CloudWatch alarm {w}": self.alarm(w) for w in ROLLOUT_ALARMS})
        if topic:
            found["SNS topic"] = self.topic
        if group is not None:
            found["model package group"] = group
        if schedule:
            found["schedule"] = self.schedule
        return found

    def local_bucket(self, store: str) -> str:
        """The local runner's stand-in for a store bucket (``<prefix>-extracts``)."""
        return self.join(store).lower()

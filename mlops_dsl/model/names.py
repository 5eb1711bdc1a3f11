"""Every physical name the pipeline gives an AWS resource, derived in one place.

The template names resources with these, the IAM policies scope grants to them, the workflow calls
them, the local runner stands in for them and deploy looks them up. Buckets are the exception: their
names are left to CloudFormation (globally unique), and the local runner names its stand-ins here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .origin import Origin, Spec, origins_field

JOB_NAME_FUNCTION = "job-name"  # purposes of the Lambda handlers, the suffix of their names
ENDPOINT_CHECK_FUNCTION = "endpoint-check"


@dataclass(frozen=True, kw_only=True)
class Names(Spec):
    """The physical names of one pipeline's resources."""

    prefix: str  # name_prefix as given: every name below starts with it
    job_prefix: str  # job_name: SageMaker tuning, training, transform jobs, models and configs
    transform_job: str  # GlueTransform.job_name
    image_repository: str | None  # the ECR repository of a bring-your-own image
    origins: dict[str, Origin] = origins_field()

    def join(self, *parts: str) -> str:
        """``<prefix>-part-part``."""
        return "-".join((self.prefix, *parts))

    @property
    def glue_job(self) -> str:
        return self.join(self.transform_job)

    @property
    def crawler(self) -> str:
        return self.join("output-crawler")

    @property
    def database(self) -> str:
        """The Glue database: lower case, underscores (Athena reads hyphens badly)."""
        return re.sub(r"[^a-z0-9_]", "_", f"{self.prefix}_output".lower())

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
    def sagemaker_prefix(self) -> str:
        """SageMaker ARNs hold names in lower case; every job and model name starts with this."""
        return self.job_prefix.lower()

    def local_bucket(self, store: str) -> str:
        """The local runner's stand-in for a store bucket (``<prefix>-extracts``)."""
        return self.join(store).lower()

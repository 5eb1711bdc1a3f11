"""Glue: run the transform job and wait for it; start the output crawler."""
from __future__ import annotations

from .. import arns
from .base import Grant, Integration

# Error names: an optimized integration (glue:startJobRun) reports a modelled error by its name
# (Glue.ConcurrentRunsExceededException) and any other as Glue.AWSGlueException; an AWS SDK
# integration (aws-sdk:glue:*) reports the unmodelled ones as Glue.GlueException and client-side
# failures as Glue.SdkClientException ("Learning to use AWS service SDK integrations in Step
# Functions"; botocore's glue model lists the modelled errors of each call).
MODELLED_TRANSIENT = ("Glue.InternalServiceException", "Glue.OperationTimeoutException")
TRANSIENT = ("Glue.AWSGlueException", *MODELLED_TRANSIENT)
SDK_TRANSIENT = ("Glue.GlueException", "Glue.SdkClientException", *MODELLED_TRANSIENT)


class StartJobRunSync(Integration):
    """``glue:startJobRun.sync``: the run's result is GetJobRun's ``JobRun``."""

    API = "glue:startJobRun.sync"
    TRANSIENT = TRANSIENT
    # The job runs one at a time (MaxConcurrentRuns 1): a second upload waits for the first run.
    CAPACITY = ("Glue.ConcurrentRunsExceededException",)

    def __init__(self, name: str, *, job: str, job_value, arguments: dict, **state):
        super().__init__(name, {"JobName": job_value, "Arguments": arguments}, **state)
        self.job = job

    def grants(self) -> list[Grant]:
        # .sync polls GetJobRun(s) and stops the run (BatchStopJobRun) when the execution stops.
        return [Grant(("glue:BatchStopJobRun", "glue:GetJobRun", "glue:GetJobRuns",
                       "glue:StartJobRun"), (arns.glue("job", self.job),))]


class StartCrawler(Integration):
    """``aws-sdk:glue:startCrawler``: starts the crawler and returns at once."""

    API = "aws-sdk:glue:startCrawler"
    TRANSIENT = SDK_TRANSIENT

    def __init__(self, name: str, *, crawler: str, crawler_value, **state):
        super().__init__(name, {"Name": crawler_value}, **state)
        self.crawler = crawler

    def grants(self) -> list[Grant]:
        return [Grant(("glue:StartCrawler",), (arns.glue("crawler", self.crawler),))]

"""Glue: run the transform job and wait for it; start the output crawler."""
from __future__ import annotations

from .. import arns
from .base import Grant, Integration

TRANSIENT = ("Glue.AWSGlueException", "Glue.ThrottlingException", "Glue.SdkClientException")


class StartJobRunSync(Integration):
    """``glue:startJobRun.sync``: the run's result is GetJobRun's ``JobRun``."""

    API = "glue:startJobRun.sync"
    TRANSIENT = TRANSIENT

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
    TRANSIENT = TRANSIENT

    def __init__(self, name: str, *, crawler: str, crawler_value, **state):
        super().__init__(name, {"Name": crawler_value}, **state)
        self.crawler = crawler

    def grants(self) -> list[Grant]:
        return [Grant(("glue:StartCrawler",), (arns.glue("crawler", self.crawler),))]

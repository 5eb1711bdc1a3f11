"""CloudWatch: which of the rollout's alarms fired."""
from __future__ import annotations

from .. import arns
from .base import Grant, Integration


class DescribeAlarms(Integration):
    """``aws-sdk:cloudwatch:describeAlarms`` of the rollout's alarms, by name."""

    API = "aws-sdk:cloudwatch:describeAlarms"
    TRANSIENT = ("CloudWatch.CloudWatchException", "CloudWatch.SdkClientException")

    def __init__(self, name: str, *, alarms: tuple[str, ...], **state):
        super().__init__(name, {"AlarmNames": list(alarms)}, **state)
        self.alarms = alarms

    def grants(self) -> list[Grant]:
        return [Grant(("cloudwatch:DescribeAlarms",), tuple(arns.alarm(a) for a in self.alarms))]

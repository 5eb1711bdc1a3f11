"""The shape every service integration shares: one object renders its Task state *and* what the
state machine's role needs to call it (aws-cdk's stepfunctions-tasks habit). Change a call and its
permission in one place; the role is the union of its tasks' grants (``emit.iam.states_role``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .. import names as n
from ...model.origin import untrace
from ..sdk import Retry, Task

RETRY_INTERVAL_SECONDS = 5
RETRY_ATTEMPTS = 3
RETRY_BACKOFF = 2.0
# Waiting for capacity (another run of the Glue job, an account limit on SageMaker jobs): from a
# minute, doubling, at most 15 minutes apart, with full jitter so concurrent runs spread out;
# up to 75 minutes in all. MaxDelaySeconds and JitterStrategy: "Handling errors in Step
# Functions workflows", Retrier fields (Step Functions developer guide).
CAPACITY_RETRY = {"interval_seconds": 60, "max_attempts": 8, "backoff_rate": 2.0,
                  "max_delay_seconds": 900, "jitter_strategy": "FULL"}


@dataclass(frozen=True)
class Grant:
    """Allow ``actions`` on ``resources`` (``Fn::Sub`` strings), optionally under a condition."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]
    condition: dict | None = None


def retry(errors, attempts: int = RETRY_ATTEMPTS, **fields) -> Retry:
    settings = {"interval_seconds": RETRY_INTERVAL_SECONDS, "max_attempts": attempts,
                "backoff_rate": RETRY_BACKOFF, **fields}
    return Retry(error_equals=list(errors), **settings)


class Integration:
    """A Task state calling one service API.

    Subclasses set ``API`` (the integration after ``states:::``, e.g. ``glue:startJobRun.sync``,
    also the key the local runner routes by), ``TRANSIENT`` (errors worth a few quick retries:
    the call was refused or lost, nothing was created), ``CAPACITY`` (errors that say to wait for
    capacity, retried for about an hour),
    ``PASSES`` (the roles the call passes to its service, by logical ID) and ``RULES`` (the
    Step Functions-managed EventBridge rules a ``.sync`` call watches with), and implement
    ``grants``. Parameters may hold ``Traced`` values: ``render`` strips them and returns where
    each came from.
    """

    API: ClassVar[str]
    TRANSIENT: ClassVar[tuple[str, ...]] = ()
    CAPACITY: ClassVar[tuple[str, ...]] = ()
    PASSES: ClassVar[tuple[tuple[str, str], ...]] = ()  # (role logical ID, service principal)
    RULES: ClassVar[tuple[str, ...]] = ()

    def __init__(self, name: str, parameters: dict, *, result_path=None, result_selector=None,
                 comment: str | None = None, retry=None, catch=None,
                 timeout_seconds: int | None = None):
        self.name = name
        self.parameters = parameters
        self.result_path = result_path
        self.result_selector = result_selector
        self.comment = comment
        self.retries = retry
        self.catch = catch
        self.timeout_seconds = timeout_seconds

    @classmethod
    def resource(cls) -> str:
        return n.integration(cls.API)

    def grants(self) -> list[Grant]:
        raise NotImplementedError

    @classmethod
    def default_retry(cls) -> list[Retry]:
        """Capacity waits first, then the quick retries. A job's own failure (``States.TaskFailed``
        of a ``.sync`` task) is never retried: a retry resubmits the same job name."""
        retriers = [retry(cls.CAPACITY, **CAPACITY_RETRY)] if cls.CAPACITY else []
        return retriers + ([retry(cls.TRANSIENT)] if cls.TRANSIENT else [])

    def render(self) -> tuple[Task, dict]:
        """The SDK Task, and ``{(state, *parameter path): Origin}`` of its traced parameters."""
        parameters, origins = untrace(self.parameters, (self.name,))
        fields = {"resource": self.resource(), "parameters": parameters,
                  "result_path": self.result_path,
                  "retry": self.retries if self.retries is not None else self.default_retry()}
        if self.result_selector is not None:
            fields["result_selector"] = self.result_selector
        if self.comment:
            fields["comment"] = self.comment
        if self.catch is not None:
            fields["catch"] = self.catch
        if self.timeout_seconds is not None:
            fields["timeout_seconds"] = self.timeout_seconds
        return Task(self.name, **fields), origins

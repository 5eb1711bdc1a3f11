"""The resolved production parts: rollout, registry and notifications, ready to emit.

The rollout's SageMaker settings are computed here, once: the wait and termination intervals in
seconds, the deployment's overall timeout, the latency threshold in microseconds (ModelLatency's
unit), and how long the workflow keeps checking the endpoint.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .origin import Origin, Spec, origins_field

TERMINATION_WAIT_SECONDS = 300  # the old fleet is kept 5 minutes after traffic has moved
# BlueGreenUpdatePolicy.MaximumExecutionTimeoutInSeconds: 600-28800 (SageMaker API reference)
MIN_EXECUTION_SECONDS, MAX_EXECUTION_SECONDS = 600, 28_800
PROVISIONING_SECONDS = 1_800  # the new fleet's instances start and the model loads
APPROVAL_TIMEOUT_SECONDS = 7 * 24 * 3600  # a model waits a week for its approval


@dataclass(frozen=True, kw_only=True)
class RolloutSpec(Spec):
    strategy: str  # all_at_once, canary or linear
    canary_percent: int
    linear_step_percent: int
    wait_seconds: int
    max_error_rate_percent: float
    max_p99_latency_ms: float
    origins: dict[str, Origin] = origins_field()

    @property
    def traffic_type(self) -> str:
        """TrafficRoutingConfig.Type."""
        return self.strategy.upper()

    @property
    def steps(self) -> int:
        """How many times traffic moves (each followed by a bake of ``wait_seconds``)."""
        if self.strategy == "canary":
            return 2
        if self.strategy == "linear":
            return math.ceil(100 / self.linear_step_percent)
        return 1

    @property
    def max_execution_seconds(self) -> int:
        """MaximumExecutionTimeoutInSeconds: every bake, the old fleet's wait, and provisioning."""
        total = self.steps * self.wait_seconds + TERMINATION_WAIT_SECONDS + PROVISIONING_SECONDS
        return max(MIN_EXECUTION_SECONDS, min(MAX_EXECUTION_SECONDS, total))

    @property
    def max_latency_microseconds(self) -> float:
        return self.max_p99_latency_ms * 1000  # ModelLatency is reported in microseconds


@dataclass(frozen=True, kw_only=True)
class RegistrySpec(Spec):
    group_name: str
    approval: str  # auto or manual
    origins: dict[str, Origin] = origins_field()

    @property
    def status(self) -> str:
        """The registered package's ModelApprovalStatus."""
        return "Approved" if self.approval == "auto" else "PendingManualApproval"

    @property
    def manual(self) -> bool:
        return self.approval == "manual"


@dataclass(frozen=True, kw_only=True)
class NotificationsSpec(Spec):
    emails: tuple[str, ...]
    events: tuple[str, ...]
    origins: dict[str, Origin] = origins_field()

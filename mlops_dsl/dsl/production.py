"""What production pipelines add, each optional: a safe endpoint rollout with automatic rollback,
a model registry with approval, notifications. (JSON config: ``endpoint_rollout``,
``model_registry``, ``notifications``; extensions of the seed's inputs.)

The bounds mirror SageMaker's deployment guardrails and the SNS and SageMaker name rules; each
constraint names its limit.
"""
from __future__ import annotations

from typing import Annotated, Literal

from ._fields import Allowed, Bounds, Pattern
from ._node import Node, node

RolloutStrategy = Annotated[Literal["all_at_once", "canary", "linear"], Allowed("MLD150")]
Approval = Annotated[Literal["auto", "manual"], Allowed("MLD151")]
ExecutionStatus = Annotated[Literal["FAILED", "TIMED_OUT", "ABORTED", "SUCCEEDED"],
                            Allowed("MLD152")]  # Step Functions execution statuses that end a run
Email = Annotated[str, Pattern("MLD152", r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                               "use an e-mail address such as 'team@example.com'", "an e-mail address")]


@node
class Rollout(Node):
    """How a new model reaches an endpoint that serves already: a blue/green update whose traffic
    moves all at once, after a canary, or in linear steps, each step baked for ``wait_minutes``
    while two CloudWatch alarms watch it; either alarm rolls the endpoint back to its old model.

    ``max_error_rate_percent`` is the share of 5XX answers, ``max_p99_latency_ms`` the 99th
    percentile of the model's latency, each over one minute.
    """

    strategy: RolloutStrategy = "all_at_once"
    # "the canary size should be less than or equal to 50% of the new fleet's capacity"
    # (SageMaker deployment guardrails, canary traffic shifting)
    canary_percent: Annotated[int, Bounds("MLD150", 1, 50)] = 10
    # "LinearStepSize ... Value must be 10-50% of the variant's total instance count"
    # (TrafficRoutingConfig, SageMaker API reference)
    linear_step_percent: Annotated[int, Bounds("MLD150", 10, 50)] = 20  # CapacitySize, percent
    wait_minutes: Annotated[int, Bounds("MLD150", 0, 60)] = 5  # WaitIntervalInSeconds: 0-3600
    max_error_rate_percent: Annotated[float, Bounds("MLD150", 0, 100)] = 1.0
    max_p99_latency_ms: Annotated[float, Bounds("MLD150", 1, 3_600_000)] = 800.0


@node
class ModelRegistry(Node):
    """Record every model that passes the gate in a SageMaker model package group; ``manual``
    holds the deployment until a person approves it (``python -m mlops_dsl approve``)."""

    group_name: Annotated[str, Pattern(  # ModelPackageGroupName: 1-63 of [a-zA-Z0-9-]
        "MLD151", r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", "use 1 to 63 letters, digits and hyphens")]
    approval: Approval = "auto"


@node
class Notifications(Node):
    """E-mail the team when a run ends in one of ``events``, when the gate refuses a model and when
    a model waits for approval."""

    emails: tuple[Email, ...] = ()
    events: tuple[ExecutionStatus, ...] = ("FAILED", "TIMED_OUT", "ABORTED")

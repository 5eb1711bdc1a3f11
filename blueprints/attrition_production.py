"""The endpoint sample as production runs it: a canary rollout that alarms roll back, every model
that passes the gate registered and held for a person's approval, and e-mail when a run fails.

See docs/operations.md for a walkthrough.
"""
from attrition_endpoint import attrition_endpoint

from mlops_dsl import ModelRegistry, Notifications, Rollout

attrition_production = attrition_endpoint.with_(
    name="attrition_production",
    name_prefix="attrition-prod",
    # Two instances: a canary (or a linear step) is at most half of the fleet (MLD153).
    deployment=attrition_endpoint.deployment.with_(
        instance_count=2,
        rollout=Rollout(strategy="canary", canary_percent=10, wait_minutes=5,
                        max_error_rate_percent=1, max_p99_latency_ms=800)),
    model_registry=ModelRegistry(group_name="attrition-models", approval="manual"),
    notifications=Notifications(emails=("ml-team@example.com",),
                                events=("FAILED", "TIMED_OUT", "ABORTED", "SUCCEEDED")),
)

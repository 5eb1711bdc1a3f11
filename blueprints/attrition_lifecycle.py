"""The batch sample kept alive: retrained every Monday at 03:00 UTC on the training data in the
feature store, on spot capacity (each job may wait for it, and resumes from its checkpoints), with
every job bounded in time so a run's cost is known before deploy (``compile`` prints the plan).
"""
from attrition import attrition

from mlops_dsl import SpotTraining

attrition_lifecycle = attrition.with_(
    name="attrition_lifecycle",
    name_prefix="attrition-life",
    training_schedule="cron(0 3 ? * MON *)",
    spot_training=SpotTraining(max_wait_minutes=120),
    max_runtime_minutes=60,
)

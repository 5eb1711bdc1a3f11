"""The sample with a data-drift check before its batch transform, warning only.

Before any training, a second Glue job compares each feature of the scoring extract with the
training extract (population stability index) and writes ``drift/<run>.json`` to the metadata
store; a PSI above ``max_psi`` (0.25, the usual "significant shift" bound) is a drift. With
``on_drift="warn"`` the run records the warning in its metadata and goes on; ``"fail"`` would stop
it naming the drifted features.

The sample's own score.csv does drift from its train.csv (PerformanceRating takes values 2 and 5
that training never saw, PSI about 3.7; PercentSalaryHike about 2.4): a local run of this sample
warns. docs/local.md shows a run on scoring rows drawn from train.csv, which passes.
"""
from attrition import attrition

from mlops_dsl import DriftCheck

attrition_drift = attrition.with_(
    name="attrition_drift",
    name_prefix="attrition-dc",
    drift_check=DriftCheck(max_psi=0.25, on_drift="warn"),
)

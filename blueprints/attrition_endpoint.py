"""The sample deployed to a real-time endpoint (created, or updated if it exists).

Derived from the batch sample with ``.with_()``: only what differs is written here.
"""
from attrition import attrition

from mlops_dsl import Endpoint, LocalData

attrition_endpoint = attrition.with_(
    name="attrition_endpoint",
    name_prefix="attrition-rt",
    deployment=Endpoint(name="attrition-endpoint", instance_type="ml.m5.large", instance_count=1),
    data=LocalData(train="data/train.csv", score=None),
)

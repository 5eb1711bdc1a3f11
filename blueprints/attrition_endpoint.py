"""The sample deployed to a real-time endpoint (created, or updated if it exists).

Derived from the batch sample with ``.with_()``: only what differs is written here. It runs in a
VPC: training, the model and the Lambda handlers get network interfaces in its private subnets.
"""
from attrition import attrition

from mlops_dsl import Endpoint, Environment, LocalData

attrition_endpoint = attrition.with_(
    name="attrition_endpoint",
    name_prefix="attrition-rt",
    deployment=Endpoint(name="attrition-endpoint", instance_type="ml.m5.large", instance_count=1),
    data=LocalData(train="data/train.csv", score=None),
    environment=Environment(region="us-east-1", vpc_id="vpc-0123456789abcdef0",
                            private_subnets=("subnet-0123456789abcdef1", "subnet-0123456789abcdef2")),
)

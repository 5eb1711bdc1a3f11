"""The sample with a ready image instead of the bring-your-own container: no ECR repository.

The image must print the tuning metric as ``roc_auc: <value>`` for the metric regex to read it;
here it is the bring-your-own image already pushed to another account's registry, inside a VPC.
"""
from attrition import attrition

from mlops_dsl import BuiltInImage, Environment

attrition_builtin = attrition.with_(
    name="attrition_builtin",
    name_prefix="attrition-bi",
    image=BuiltInImage(uri="123456789012.dkr.ecr.us-east-1.amazonaws.com/byo-xgboost:1.0"),
    environment=Environment(region="us-east-1", vpc_id="vpc-0a1b2c3d4e5f60718",
                            private_subnets=("subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788")),
)

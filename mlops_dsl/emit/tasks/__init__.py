"""One class per service integration the workflow calls; each renders its Task and its grants.

``ALL`` lists them: the local runner keys its routes by their ``API`` and refuses to start a
workflow with a Task it has no route for.
"""
from . import awslambda, cloudwatch, glue, s3, sagemaker, sns
from .base import Grant, Integration

ALL = (glue.StartJobRunSync, glue.StartCrawler, awslambda.Invoke, sagemaker.CreateTuningJobSync,
       sagemaker.DescribeTrainingJob, sagemaker.CreateModel, sagemaker.CreateEndpointConfig,
       sagemaker.CreateEndpoint, sagemaker.UpdateEndpoint, sagemaker.UpdateEndpointSdk,
       sagemaker.DescribeEndpoint,
       sagemaker.CreateTransformJobSync, sagemaker.StopTransformJob,
       sagemaker.CreateModelPackage, s3.PutObject, s3.CopyObject, s3.DeleteObject, s3.GetObject,
       sns.Publish, sns.PublishWaitForToken, cloudwatch.DescribeAlarms)

__all__ = ["ALL", "Grant", "Integration", "awslambda", "cloudwatch", "glue", "s3", "sagemaker",
           "sns"]

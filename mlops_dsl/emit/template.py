"""The CloudFormation template, built with troposphere. A pure function of the resolved pipeline.

Resources: the six stores of the reference module (encrypted, public access blocked, TLS only,
versioned with old versions expired, access-logged, retained on stack deletion so no data is lost;
an endpoint writes no batch output, so it has no output store) and the access-log bucket they log
to, the Glue job, database and crawler under one Glue security configuration, the ECR repository
(bring-your-own image only; scanned on push, tags immutable unless the tag is ``latest``), one role
per service principal, the Lambda handlers inlined (in the private subnets when there are some),
the state machine (ASL embedded with ``Fn::Sub``; errors logged, X-Ray traced) and the trigger. The
state machine and the handlers share one log group.

Every store, log and job takes the pipeline's customer-managed KMS key when it has one
(``kms_key_arn``); without one they use AWS-owned keys (SSE-S3, AES256). docs/security.md lists the
checkov findings that remain, why, and how to turn each off.
"""
from __future__ import annotations

import ast
import io
import json
import shlex
import tokenize
from pathlib import PurePath
from functools import lru_cache

from troposphere import GetAtt, Output, Ref, Sub, Tags, Template
from troposphere.awslambda import Code, Function, LoggingConfig, VPCConfig
from troposphere.ec2 import SecurityGroup, SecurityGroupEgress, SecurityGroupIngress, SecurityGroupRule
from troposphere.ecr import EncryptionConfiguration, ImageScanningConfiguration, Repository
from troposphere.events import Rule, Target
from troposphere.glue import (CloudWatchEncryption, Crawler, Database, DatabaseInput,
                              EncryptionConfiguration as GlueEncryption, ExecutionProperty, Job,
                              JobBookmarksEncryption, JobCommand, S3Encryption, S3Target,
                              SchemaChangePolicy, SecurityConfiguration, Targets)
from troposphere.logs import LogGroup
from troposphere.s3 import (AbortIncompleteMultipartUpload, Bucket, BucketEncryption, BucketPolicy,
                            EventBridgeConfiguration, LifecycleConfiguration,
                            LoggingConfiguration as AccessLogging, NoncurrentVersionExpiration,
                            NotificationConfiguration, OwnershipControls, OwnershipControlsRule,
                            PublicAccessBlockConfiguration, ServerSideEncryptionByDefault,
                            ServerSideEncryptionRule, VersioningConfiguration)
from troposphere.s3 import LifecycleRule
from troposphere.stepfunctions import (CloudWatchLogsLogGroup, LogDestination, LoggingConfiguration,
                                       StateMachine, TracingConfiguration)

from ..asl.fn_sub import escape
from ..model import Pipeline
from ..model.layout import PREDICTIONS_PREFIX, TRAIN_PREFIX
from ..model.names import ENDPOINT_CHECK_FUNCTION, JOB_NAME_FUNCTION
from . import drift, handlers, iam, lifecycle, operations
from . import names as n
from .workflow import Workflow

LOG_RETENTION_DAYS = 90
NONCURRENT_VERSION_DAYS = 30  # old object versions kept this long, then expired
ACCESS_LOG_DAYS = 365  # server access logs kept a year
INCOMPLETE_UPLOAD_DAYS = 7
ACCESS_LOGS = "AccessLogsBucket"
GLUE_SECURITY = "GlueSecurityConfiguration"

BUCKET_PURPOSE = {
    n.FEATURE_STORE: "Feature store: training data under data/train/, scoring data under data/score/",
    n.SOURCE_REPOSITORY: "Source repository: the Glue script and its Python wheels",
    n.EXTRACTS: "Extracts store: the Glue job's output, read by training and batch transform",
    n.MODEL_STORE: "Model store: model artifacts of the training jobs",
    n.METADATA: "Metadata store: a JSON log of each tuning run",
    n.OUTPUT: "Output store: batch transform output, crawled for Athena",
}


def kms_key(pipeline: Pipeline) -> str | None:
    """The customer-managed KMS key of every store, log and job, if the blueprint names one."""
    return pipeline.kms_key_arn


def _not_applicable(check: str, reason: str) -> dict:
    """Resource ``Metadata`` telling checkov that ``check`` does not apply here, and why."""
    return {"checkov": {"skip": [{"id": check, "comment": reason}]}}


def _tags(pipeline: Pipeline, **extra) -> Tags:
    return Tags(**dict(pipeline.tags), **extra)


def _encryption(key: str | None) -> BucketEncryption:
    if key:  # an S3 Bucket Key cuts the KMS requests (and their cost) by orders of magnitude
        rule = ServerSideEncryptionRule(BucketKeyEnabled=True, ServerSideEncryptionByDefault=
                                        ServerSideEncryptionByDefault(SSEAlgorithm="aws:kms",
                                                                      KMSMasterKeyID=key))
    else:
        rule = ServerSideEncryptionRule(ServerSideEncryptionByDefault=ServerSideEncryptionByDefault(
            SSEAlgorithm="AES256"))
    return BucketEncryption(ServerSideEncryptionConfiguration=[rule])


def _bucket(pipeline: Pipeline, logical_id: str) -> list:
    expire = [] if logical_id != ACCESS_LOGS else [{"ExpirationInDays": ACCESS_LOG_DAYS}]
    properties = {
        # Server access logs can only be delivered to an SSE-S3 bucket.
        "BucketEncryption": _encryption(None if logical_id == ACCESS_LOGS else kms_key(pipeline)),
        "PublicAccessBlockConfiguration": PublicAccessBlockConfiguration(
            BlockPublicAcls=True, BlockPublicPolicy=True, IgnorePublicAcls=True,
            RestrictPublicBuckets=True),
        "OwnershipControls": OwnershipControls(Rules=[OwnershipControlsRule(
            ObjectOwnership="BucketOwnerEnforced")]),
        "VersioningConfiguration": VersioningConfiguration(Status="Enabled"),
        "LifecycleConfiguration": LifecycleConfiguration(Rules=[LifecycleRule(
            Id="expire-old-versions", Status="Enabled",
            NoncurrentVersionExpiration=NoncurrentVersionExpiration(
                NoncurrentDays=NONCURRENT_VERSION_DAYS),
            AbortIncompleteMultipartUpload=AbortIncompleteMultipartUpload(
                DaysAfterInitiation=INCOMPLETE_UPLOAD_DAYS), **expire[0] if expire else {})]),
        "Tags": _tags(pipeline),
    }
    if logical_id != ACCESS_LOGS:
        properties["LoggingConfiguration"] = AccessLogging(
            DestinationBucketName=Ref(ACCESS_LOGS), LogFilePrefix=f"{logical_id}/")
    if logical_id == n.FEATURE_STORE:
        properties["NotificationConfiguration"] = NotificationConfiguration(
            EventBridgeConfiguration=EventBridgeConfiguration(EventBridgeEnabled=True))
    if logical_id == ACCESS_LOGS:  # checkov would have the log bucket log to itself
        properties["Metadata"] = _not_applicable("CKV_AWS_18", "The access-log bucket: logging "
                                                               "to itself would loop")
    bucket = Bucket(logical_id, DeletionPolicy="Retain", UpdateReplacePolicy="Retain", **properties)
    statements = [{"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
                   "Action": "s3:*",
                   "Resource": [GetAtt(logical_id, "Arn"), Sub(f"${{{logical_id}.Arn}}/*")],
                   "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]
    if logical_id == ACCESS_LOGS:
        statements.append({"Sid": "S3ServerAccessLogs", "Effect": "Allow",
                           "Principal": {"Service": "logging.s3.amazonaws.com"},
                           "Action": "s3:PutObject", "Resource": Sub(f"${{{logical_id}.Arn}}/*"),
                           "Condition": {"StringEquals": {"aws:SourceAccount": Ref("AWS::AccountId")}}})
    policy = BucketPolicy(f"{logical_id}Policy", Bucket=Ref(logical_id), PolicyDocument={
        "Version": "2012-10-17", "Statement": statements})
    return [bucket, policy]


def _glue(pipeline: Pipeline) -> list:
    transform = pipeline.transform
    script = Sub(f"s3://{n.sub(n.SOURCE_REPOSITORY)}/{escape(transform.script.key)}")
    arguments = {"--job-language": "python"}
    if transform.wheels:
        # Python shell jobs install wheels given as --extra-py-files; Spark jobs install them
        # with pip from --additional-python-modules ("Using Python libraries with AWS Glue").
        option = "--additional-python-modules" if transform.is_spark else "--extra-py-files"
        arguments[option] = Sub(",".join(
            f"s3://{n.sub(n.SOURCE_REPOSITORY)}/{escape(wheel.key)}" for wheel in transform.wheels))
    if not transform.is_spark:
        command = JobCommand(Name="pythonshell", PythonVersion="3.9", ScriptLocation=script)
        sizing = {"GlueVersion": "3.0", "MaxCapacity": 0.0625}
        arguments["library-set"] = "analytics"  # pandas and boto3 preinstalled in Python shell 3.9
    else:
        command = JobCommand(Name="glueetl", PythonVersion="3", ScriptLocation=script)
        sizing = {"GlueVersion": "4.0", "WorkerType": "G.1X", "NumberOfWorkers": 2}
    job = Job(n.GLUE_JOB, Name=pipeline.names.glue_job, Role=GetAtt(n.GLUE_ROLE, "Arn"),
              Command=command, DefaultArguments=arguments, Timeout=60,
              ExecutionProperty=ExecutionProperty(MaxConcurrentRuns=1),
              SecurityConfiguration=Ref(GLUE_SECURITY),
              Description="Transforms feature-store data into extracts", Tags=dict(pipeline.tags),
              **sizing)
    resources = [_glue_security(pipeline), job]
    if not pipeline.is_endpoint:
        resources += [
            Database(n.DATABASE, CatalogId=Ref("AWS::AccountId"),
                     DatabaseInput=DatabaseInput(Name=pipeline.names.database,
                                                 Description="Batch transform output, for Athena")),
            Crawler(n.CRAWLER, Name=pipeline.names.crawler, Role=GetAtt(n.GLUE_ROLE, "Arn"),
                    DatabaseName=Ref(n.DATABASE),
                    Targets=Targets(S3Targets=[S3Target(
                        Path=Sub(f"s3://{n.sub(n.OUTPUT)}/{PREDICTIONS_PREFIX}"))]),
                    SchemaChangePolicy=SchemaChangePolicy(UpdateBehavior="UPDATE_IN_DATABASE",
                                                          DeleteBehavior="LOG"),
                    CrawlerSecurityConfiguration=Ref(GLUE_SECURITY),
                    Tags=dict(pipeline.tags)),
        ]
    return resources


def _glue_security(pipeline: Pipeline) -> SecurityConfiguration:
    """What the Glue job and crawler write: S3 objects, CloudWatch logs, job bookmarks.

    CloudWatch and bookmark encryption need a customer-managed key; without one they stay off
    (checkov CKV_AWS_99, docs/security.md) and S3 output uses SSE-S3.
    """
    key = kms_key(pipeline)
    if key:
        config = GlueEncryption(
            S3Encryptions=[S3Encryption(S3EncryptionMode="SSE-KMS", KmsKeyArn=key)],
            CloudWatchEncryption=CloudWatchEncryption(CloudWatchEncryptionMode="SSE-KMS", KmsKeyArn=key),
            JobBookmarksEncryption=JobBookmarksEncryption(JobBookmarksEncryptionMode="CSE-KMS",
                                                          KmsKeyArn=key))
    else:
        config = GlueEncryption(
            S3Encryptions=[S3Encryption(S3EncryptionMode="SSE-S3")],
            CloudWatchEncryption=CloudWatchEncryption(CloudWatchEncryptionMode="DISABLED"),
            JobBookmarksEncryption=JobBookmarksEncryption(JobBookmarksEncryptionMode="DISABLED"))
    return SecurityConfiguration(GLUE_SECURITY, Name=pipeline.names.glue_security_configuration,
                                 EncryptionConfiguration=config)


@lru_cache(maxsize=None)
def inline_code(module: str) -> str:
    """A handler's source without its module docstring and comments (the same statements).

    Inline code counts against the template's 51,200-byte inline limit; lambdas/ keeps the docs.
    """
    source = handlers.handler_source(module)
    lines = source.splitlines(keepends=True)
    drop = set()
    first = ast.parse(source).body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
            and isinstance(first.value.value, str):
        drop.update(range(first.lineno - 1, first.end_lineno))
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:  # a comment runs to the end of its line
            row, column = token.start
            lines[row - 1] = lines[row - 1][:column].rstrip() + "\n"
            if not lines[row - 1].strip():
                drop.add(row - 1)
    return "".join(line for i, line in enumerate(lines) if i not in drop).lstrip("\n")


def _functions(pipeline: Pipeline) -> list:
    wanted = [(n.JOB_NAME_FUNCTION, JOB_NAME_FUNCTION, handlers.JOB_NAME, "Unique SageMaker job names")]
    if pipeline.is_endpoint:
        wanted.append((n.ENDPOINT_CHECK_FUNCTION, ENDPOINT_CHECK_FUNCTION, handlers.ENDPOINT_EXISTS,
                       "Create-or-update decision for the endpoint"))
    # With private subnets the handlers run in them, behind the training security group (HTTPS out).
    vpc = ({"VpcConfig": VPCConfig(SecurityGroupIds=[GetAtt(n.TRAINING_SECURITY_GROUP, "GroupId")],
                                   SubnetIds=list(pipeline.private_subnets))}
           if pipeline.private_subnets else {})
    resources = []
    for logical_id, purpose, module, description in wanted:
        name = pipeline.names.function(purpose)
        resources.append(Function(
            logical_id, FunctionName=name, Description=description, Runtime="python3.12",
            Handler="index.handler", Role=GetAtt(n.LAMBDA_ROLE, "Arn"), Timeout=30,
            MemorySize=128, Code=Code(ZipFile=inline_code(module)),
            LoggingConfig=LoggingConfig(LogGroup=Ref(n.STATE_MACHINE_LOGS)),
            Tags=_tags(pipeline), **vpc,
            # Only the state machine invokes them, synchronously: failures surface (and are
            # retried) in the execution; a dead-letter queue receives asynchronous failures only.
            Metadata=_not_applicable("CKV_AWS_116", "Invoked synchronously by Step Functions "
                                                    "only; a DLQ gets async failures only")))
    return resources


def _state_machine(pipeline: Pipeline, definition: dict) -> list:
    compact = json.dumps(definition, sort_keys=True, separators=(",", ":"))
    key = kms_key(pipeline)
    log_group = LogGroup(n.STATE_MACHINE_LOGS, LogGroupName=pipeline.names.log_group,
                         RetentionInDays=LOG_RETENTION_DAYS, DeletionPolicy="Delete",
                         UpdateReplacePolicy="Delete", **({"KmsKeyId": key} if key else {}))
    machine = StateMachine(
        n.STATE_MACHINE, StateMachineName=pipeline.names.state_machine,
        RoleArn=GetAtt(n.STATES_ROLE, "Arn"), DefinitionString=Sub(compact),
        LoggingConfiguration=LoggingConfiguration(
            Level="ERROR", IncludeExecutionData=False,
            Destinations=[LogDestination(CloudWatchLogsLogGroup=CloudWatchLogsLogGroup(
                LogGroupArn=GetAtt(n.STATE_MACHINE_LOGS, "Arn")))]),
        TracingConfiguration=TracingConfiguration(Enabled=True),
        Tags=_tags(pipeline))
    bucket = pipeline.existing_feature_store or Ref(n.FEATURE_STORE)
    trigger = Rule(n.TRIGGER, Description="Start the pipeline when training data lands",
                   State="ENABLED", EventPattern={
                       "source": ["aws.s3"], "detail-type": ["Object Created"],
                       "detail": {"bucket": {"name": [bucket]},
                                  "object": {"key": [{"prefix": TRAIN_PREFIX}]}}},
                   Targets=[Target(Id="pipeline", Arn=Ref(n.STATE_MACHINE),
                                   RoleArn=GetAtt(n.EVENTS_ROLE, "Arn"))])
    return [log_group, machine, trigger]


def _outputs(pipeline: Pipeline) -> list:
    outputs = [Output(f"{logical_id}Name", Description=BUCKET_PURPOSE[logical_id],
                      Value=Ref(logical_id) if logical_id != n.FEATURE_STORE or not
                      pipeline.existing_feature_store else pipeline.existing_feature_store)
               for logical_id in n.BUCKETS]
    folder, upload = upload_commands(pipeline)
    outputs += [
        Output("StateMachineArn", Description="The pipeline's state machine", Value=Ref(n.STATE_MACHINE)),
        # Names known at compile time are written as literals (moto cannot resolve Glue refs).
        Output("StateMachineName", Value=pipeline.names.state_machine),
        Output("GlueJobName", Value=pipeline.names.glue_job),
        Output("UploadCommands", Description=f"Run from the folder of {folder}: upload the Glue "
               f"assets and the scoring data{', push the image' if pipeline.byo_image else ''}, "
               f"then the training data, which starts a run", Value=Sub(" && ".join(upload))),
        Output("StartExecutionCommand", Description="Start a run without uploading data",
               Value=Sub(f"aws stepfunctions start-execution --state-machine-arn ${{{n.STATE_MACHINE}}}")),
    ]
    if pipeline.byo_image is not None:
        outputs.append(Output("ImageRepositoryUri", Description="Push the bring-your-own image here",
                              Value=GetAtt(n.MODEL_REPOSITORY, "RepositoryUri")))
    if not pipeline.is_endpoint:
        outputs.append(Output("AthenaDatabase", Value=pipeline.names.database))
    if pipeline.has_topic:
        outputs.append(Output("NotificationsTopicArn", Value=Ref(n.TOPIC),
                              Description="Run notifications and approval requests"))
    if pipeline.registry is not None:
        outputs.append(Output("ModelPackageGroupName", Value=pipeline.registry.group_name))
    return outputs


def _security_group(pipeline: Pipeline) -> list:
    """The training security group: HTTPS out, and all traffic between its own members.

    Multi-instance training and batch transform exchange data between instances: "configure the
    security group to allow inbound connections between members of the same security group"
    (SageMaker developer guide, "Give SageMaker training jobs access to resources in your
    Amazon VPC"); the egress is restricted, so the same holds outbound.
    """
    group = SecurityGroup(
        n.TRAINING_SECURITY_GROUP, GroupDescription="SageMaker training jobs and model",
        VpcId=pipeline.vpc_id, SecurityGroupEgress=[SecurityGroupRule(
            IpProtocol="tcp", FromPort=443, ToPort=443, CidrIp="0.0.0.0/0",
            Description="HTTPS to S3, ECR and SageMaker APIs")],
        Tags=_tags(pipeline))
    itself = GetAtt(n.TRAINING_SECURITY_GROUP, "GroupId")
    return [group,
            SecurityGroupIngress(f"{n.TRAINING_SECURITY_GROUP}FromItself", GroupId=itself,
                                 IpProtocol="-1", SourceSecurityGroupId=itself,
                                 Description="Between the instances of one job"),
            SecurityGroupEgress(f"{n.TRAINING_SECURITY_GROUP}ToItself", GroupId=itself,
                                IpProtocol="-1", DestinationSecurityGroupId=itself,
                                Description="Between the instances of one job")]


def _shell_word(text: str) -> str:
    """One shell word, quoted (user text never runs), for a line inside ``Fn::Sub``: ``text``
    already has its user parts escaped (``asl.fn_sub.escape``) and only our own ``${...}``."""
    return text if text and all(c.isalnum() or c in "-_./:@" for c in text) else shlex.quote(text)


def _shell_path(written: str) -> str:
    """A path as the user wrote it, as one shell word; ``~/`` is left to the shell to expand."""
    if written.startswith("~/"):
        return "~/" + _shell_word(escape(written[2:]))
    return _shell_word(escape(written))


def shipped_copy(asset, bucket: str) -> str:
    """The copy of a file mlops_dsl ships (``glue/drift.py``): found by the installed package,
    wherever it is, so the command is the same on every machine (and the template with it)."""
    finder = (f"python -c 'from mlops_dsl.scaffold.shipped import shipped_dir; "
              f"print(shipped_dir(\"{asset.shipped}\") / \"{asset.source.name}\")'")
    return f"aws s3 cp \"$({finder})\" {_shell_word(f's3://{bucket}/{escape(asset.key)}')}"


def upload_commands(pipeline: Pipeline) -> tuple[str, list[str]]:
    """The AWS CLI commands that finish a deploy, in the order that works: assets, scoring data,
    the image (a run pulls it), and last the training data, whose upload starts a run. Paths are
    as the blueprint gives them, so the commands run from the blueprint's folder."""
    file = pipeline.where.file if pipeline.where else ""
    blueprint = "BLUEPRINT" if not file or file.startswith("<") else PurePath(file).name
    fs = escape(pipeline.existing_feature_store or "") or n.sub(n.FEATURE_STORE)
    data = pipeline.data

    def copy(path: str, bucket: str, key: str) -> str:
        return f"aws s3 cp {_shell_path(path)} {_shell_word(f's3://{bucket}/{escape(key)}')}"

    upload = [shipped_copy(asset, n.sub(n.SOURCE_REPOSITORY)) if asset.shipped else
              copy(asset.written or str(asset.source), n.sub(n.SOURCE_REPOSITORY), asset.key)
              for asset in pipeline.assets]
    if data.score_written and not pipeline.is_endpoint:
        upload.append(copy(data.score_written, fs, data.score_key))
    if pipeline.byo_image is not None:
        upload.append(f"python -m mlops_dsl push-image {_shell_path(blueprint)} --name "
                      f"{_shell_path(pipeline.name)} --stack-name ${{AWS::StackName}}")
    if data.train_written:
        upload.append(copy(data.train_written, fs, data.train_key))
    return blueprint, upload


def build_template(pipeline: Pipeline, workflow: Workflow) -> Template:
    """The whole stack for one pipeline."""
    template = Template(Description=f"mlops_dsl pipeline {pipeline.name} ({pipeline.names.prefix}): "
                                    f"Glue transform, SageMaker tuning, gate, "
                                    f"{'endpoint' if pipeline.is_endpoint else 'batch transform'}")
    template.set_version("2010-09-09")
    for logical_id in (*n.BUCKETS, ACCESS_LOGS):
        if logical_id == n.FEATURE_STORE and pipeline.existing_feature_store:
            continue
        template.add_resource(_bucket(pipeline, logical_id))
    if pipeline.byo_image is not None:
        key = kms_key(pipeline)
        encryption = (EncryptionConfiguration(EncryptionType="KMS", KmsKey=key) if key else
                      EncryptionConfiguration(EncryptionType="AES256"))
        # A moving tag such as "latest" must be re-pushable; any other tag names one image for good.
        mutability = "MUTABLE" if pipeline.byo_image.tag == "latest" else "IMMUTABLE"
        template.add_resource(Repository(
            n.MODEL_REPOSITORY, RepositoryName=pipeline.names.ecr_repository,
            ImageScanningConfiguration=ImageScanningConfiguration(ScanOnPush=True),
            ImageTagMutability=mutability, EncryptionConfiguration=encryption,
            # Images are built from the blueprint's folder and pushed again at will: deleting the
            # stack deletes them with the repository, which CloudFormation can only delete empty
            # (AWS::ECR::Repository EmptyOnDelete). Data stores are retained instead.
            EmptyOnDelete=True, Tags=_tags(pipeline)))
    if pipeline.private_subnets:
        template.add_resource(_security_group(pipeline))
    template.add_resource(iam.roles(pipeline, workflow.tasks))
    template.add_resource(_glue(pipeline))
    if pipeline.drift is not None:
        template.add_resource(drift.job(pipeline, GLUE_SECURITY))
    template.add_resource(_functions(pipeline))
    template.add_resource(_state_machine(pipeline, workflow.definition))
    template.add_resource(operations.resources(pipeline, _tags(pipeline), kms_key(pipeline)))
    template.add_resource(lifecycle.schedule(pipeline, _tags(pipeline)))
    template.add_output(_outputs(pipeline))
    return template

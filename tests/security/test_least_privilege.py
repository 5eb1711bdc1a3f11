"""Least privilege, proved: what each role needs is derived from what the pipeline calls, and the
roles grant exactly that.

Needs come from the compiled workflow (each Task's API, the extra calls of ``.sync`` integrations,
the Step Functions-managed EventBridge rules, the roles it passes), from the template (the Glue job's
script and wheels, the crawler's target, logging and tracing, the functions' VPC configuration),
from the handlers' and the Glue script's boto3 calls (read with ``ast``), and from the SageMaker
jobs' data channels and image.
Every need must be granted; every grant must serve a need. ``*`` is accepted only for the actions
listed in ``STAR_ONLY`` (AWS offers no resource-level permission for them). parliament must find
nothing on any compiled policy.
"""
from __future__ import annotations

import ast
import json
import re
import subprocess

import pytest

from helpers import ROOT
from policies import ACCOUNT, REGION, allows, granted, resolve, role_policies

# Actions without resource-level permissions (IAM service authorization reference).
STAR_ONLY = {"cloudwatch:PutMetricData", "ecr:GetAuthorizationToken", "ec2:DescribeDhcpOptions",
             "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets",
             "ec2:DescribeVpcs", "logs:CreateLogDelivery", "logs:DeleteLogDelivery",
             "logs:DescribeLogGroups", "logs:DescribeResourcePolicies", "logs:GetLogDelivery",
             "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:UpdateLogDelivery",
             "xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords",
             "xray:PutTraceSegments"}
# What a .sync integration calls besides its start API, and the managed rule it watches with.
SYNC_EXTRAS = {
    "sagemaker:CreateHyperParameterTuningJob": (
        ["sagemaker:DescribeHyperParameterTuningJob", "sagemaker:StopHyperParameterTuningJob",
         "sagemaker:ListTrainingJobsForHyperParameterTuningJob", "sagemaker:ListTags"],
        "StepFunctionsGetEventsForSageMakerTuningJobsRule"),
    "sagemaker:CreateTransformJob": (["sagemaker:DescribeTransformJob", "sagemaker:StopTransformJob",
                                      "sagemaker:ListTags"],
                                     "StepFunctionsGetEventsForSageMakerTransformJobsRule"),
    "glue:StartJobRun": (["glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"], None),
}
# The SageMaker resource each call acts on (the ARN's type), named by the job name prefix.
SAGEMAKER_TYPES = {"HyperParameterTuningJob": "hyper-parameter-tuning-job",
                   "TrainingJob": "training-job", "TransformJob": "transform-job",
                   "Model": "model", "EndpointConfig": "endpoint-config", "Endpoint": "endpoint"}
# The Glue Data Catalog calls a crawler makes to keep its tables (AWSGlueServiceRole's catalog set).
CRAWLER_CATALOG = ["glue:BatchCreatePartition", "glue:BatchGetPartition", "glue:CreatePartition",
                   "glue:CreateTable", "glue:GetDatabase", "glue:GetPartition", "glue:GetPartitions",
                   "glue:GetTable", "glue:GetTables", "glue:UpdatePartition", "glue:UpdateTable"]
LOG_DELIVERY = ["logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups",
                "logs:DescribeResourcePolicies", "logs:GetLogDelivery", "logs:ListLogDeliveries",
                "logs:PutResourcePolicy", "logs:UpdateLogDelivery"]
XRAY = ["xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords",
        "xray:PutTraceSegments"]
ARN = f"arn:aws:{{}}:{REGION}:{ACCOUNT}:{{}}"


def _s3_parts(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def _format_prefix(expression: str) -> str:
    """The literal start of ``States.Format('prefix/{}...', ...)``: the key prefix a task uses."""
    match = re.match(r"States\.Format\('([^{']*)", expression)
    return match.group(1) if match else ""


class Needs:
    def __init__(self, template: dict, compiled):
        self.template, self.compiled = template, compiled
        self.items: dict[str, set[tuple[str, str]]] = {}
        self.job = compiled.pipeline.job_name.lower()

    def add(self, role: str, actions, *resources: str) -> None:
        for action in ([actions] if isinstance(actions, str) else actions):
            for resource in resources:
                self.items.setdefault(role, set()).add((action, resource))

    def sagemaker(self, kind: str, name: str | None = None) -> str:
        return ARN.format("sagemaker", f"{kind}/{name or self.job + '-x'}")


def _boto3_calls(path) -> set[str]:
    """``service:Operation`` for each ``boto3.client("svc").op(...)``/``client.op`` in a file."""
    from mlops_dsl.validate.service_params import service_model

    tree = ast.parse(path.read_text())
    services = {node.args[0].value for node in ast.walk(tree) if isinstance(node, ast.Call)
                and getattr(node.func, "attr", None) == "client" and node.args
                and isinstance(node.args[0], ast.Constant)}
    calls = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            operation = "".join(part.title() for part in node.func.attr.split("_"))
            for service in services:
                if operation in service_model(service)["operations"]:
                    calls.add(f"{service}:{operation}")
    return calls


def derive(compiled) -> dict[str, set[tuple[str, str]]]:
    template = compiled.template
    needs = Needs(template, compiled)
    resources = template["Resources"]
    roles = {r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"]:
             logical for logical, r in resources.items() if r["Type"] == "AWS::IAM::Role"}
    states, sagemaker, glue, functions, events = (roles["states.amazonaws.com"],
                                                  roles["sagemaker.amazonaws.com"],
                                                  roles["glue.amazonaws.com"],
                                                  roles["lambda.amazonaws.com"],
                                                  roles["events.amazonaws.com"])
    key = compiled.pipeline.kms_key_arn
    _workflow(needs, compiled.definition, states, sagemaker)
    _sagemaker_jobs(needs, compiled.definition, sagemaker)
    _glue(needs, resources, glue)
    _handlers(needs, resources, functions)
    for logical, resource in resources.items():
        kind, properties = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::Events::Rule":
            for target in properties["Targets"]:
                needs.add(events, "states:StartExecution", resolve(template, target["Arn"]))
        if kind == "AWS::StepFunctions::StateMachine":
            needs.add(states, LOG_DELIVERY, "*")
            if properties.get("TracingConfiguration", {}).get("Enabled"):
                needs.add(states, XRAY, "*")
    if key:
        for role in (states, sagemaker, glue):
            needs.add(role, ["kms:Decrypt", "kms:GenerateDataKey"], key)
    return needs.items


def _workflow(needs: Needs, definition: dict, states: str, sagemaker_role: str) -> None:
    from mlops_dsl.validate.service_params import operation_name, parse_resource, service_model

    template = needs.template
    for name, state in definition["States"].items():
        if state.get("Type") != "Task":
            continue
        service, api, suffix = parse_resource(state["Resource"])
        operation = operation_name(service_model(service), api)
        parameters = resolve(template, json.loads(json.dumps(state.get("Parameters", {}))))
        parameters = json.loads(resolve(template, {"Fn::Sub": json.dumps(parameters)}))
        action = f"{service}:{operation}"
        if service == "lambda":
            needs.add(states, "lambda:InvokeFunction", parameters["FunctionName"])
        elif service == "s3":
            bucket = parameters["Bucket"]
            key = parameters.get("Key") or _format_prefix(parameters.get("Key.$", "")) + "x"
            object_action = {"CopyObject": "s3:PutObject"}.get(operation, action)
            needs.add(states, object_action, f"arn:aws:s3:::{bucket}/{key}")
            if operation == "CopyObject":
                source = _format_prefix(parameters["CopySource.$"]) + "x"
                needs.add(states, "s3:GetObject", f"arn:aws:s3:::{source}")
        elif service == "glue":
            kind, field = ("job", "JobName") if operation == "StartJobRun" else ("crawler", "Name")
            target = ARN.format("glue", f"{kind}/{parameters[field]}")
            needs.add(states, action, target)
            if suffix == "sync":
                needs.add(states, SYNC_EXTRAS[action][0], target)
        elif service == "sagemaker":
            _sagemaker_task(needs, states, operation, action, suffix, parameters)
        for member in ("RoleArn", "ExecutionRoleArn"):
            for value in _find(parameters, member):
                needs.add(states, "iam:PassRole", value)


def _sagemaker_task(needs, states, operation, action, suffix, parameters) -> None:
    verb, _, noun = re.match(r"([A-Z][a-z]+)(.*)", operation).group(0, 1, 2)
    noun = re.match(r"(Create|Update|Describe)(.*)", operation).group(2)
    endpoint = parameters.get("EndpointName")
    target = needs.sagemaker(SAGEMAKER_TYPES[noun], endpoint.lower() if noun == "Endpoint" and
                             endpoint else None)
    needs.add(states, action, target)
    if operation == "DescribeTrainingJob":
        return
    if "Tags" in parameters:
        needs.add(states, "sagemaker:AddTags", target)
    if noun == "Endpoint":  # CreateEndpoint/UpdateEndpoint authorize on the config as well
        needs.add(states, action, needs.sagemaker("endpoint-config"))
        return
    if suffix == "sync":
        extras, rule = SYNC_EXTRAS[action]
        needs.add(states, extras, target)
        needs.add(states, ["events:DescribeRule", "events:PutRule", "events:PutTargets"],
                  ARN.format("events", f"rule/{rule}"))
    if operation == "CreateHyperParameterTuningJob":  # the tuning job creates training jobs
        training = needs.sagemaker("training-job")
        needs.add(states, [action, "sagemaker:AddTags", "sagemaker:DescribeHyperParameterTuningJob",
                           "sagemaker:ListTrainingJobsForHyperParameterTuningJob",
                           "sagemaker:StopHyperParameterTuningJob"], training)
        needs.add(states, "sagemaker:DescribeTrainingJob", training)


def _find(value, member):
    if isinstance(value, dict):
        for key, item in value.items():
            if key == member:
                yield item
            else:
                yield from _find(item, member)
    elif isinstance(value, list):
        for item in value:
            yield from _find(item, member)


def _sagemaker_jobs(needs: Needs, definition: dict, role: str) -> None:
    """What the training jobs, the model and the batch transform read and write as the role."""
    template = needs.template
    text = json.loads(resolve(template, {"Fn::Sub": json.dumps(definition)}))
    reads, writes = [], []  # (uri, lists the prefix)
    for state in text["States"].values():
        parameters = state.get("Parameters", {})
        for source in _find(parameters, "S3DataSource"):
            reads.append((source["S3Uri"], source["S3DataType"] == "S3Prefix"))
        for uri in _find(parameters, "S3OutputPath"):
            writes.append(uri)
        for expression in _find(parameters, "S3OutputPath.$"):
            writes.append(_format_prefix(expression))
        if "PrimaryContainer" in parameters:  # ModelDataUrl: an artifact under the model output
            reads += [(uri, False) for s in text["States"].values()
                      for uri in _find(s.get("Parameters", {}), "S3OutputPath")]
        for image in _find(parameters, "TrainingImage"):
            _image(needs, role, image)
        for vpc in _find(parameters, "VpcConfig"):
            _vpc(needs, role, vpc)
    for uri, lists in reads:
        bucket, key = _s3_parts(uri)
        needs.add(role, "s3:GetObject", f"arn:aws:s3:::{bucket}/{key}{'x' if key.endswith('/') else ''}")
        if lists:
            needs.add(role, "s3:ListBucket", f"arn:aws:s3:::{bucket}")
    for uri in writes:
        bucket, key = _s3_parts(uri)
        needs.add(role, ["s3:PutObject", "s3:AbortMultipartUpload"], f"arn:aws:s3:::{bucket}/{key}x")
    needs.add(role, ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams",
                     "logs:PutLogEvents"], ARN.format("logs", "log-group:/aws/sagemaker/TrainingJobs"))
    needs.add(role, "cloudwatch:PutMetricData", "*")


def _image(needs, role, image: str) -> None:
    repositories = {r["Properties"]["RepositoryName"] for r in needs.template["Resources"].values()
                    if r["Type"] == "AWS::ECR::Repository"}
    name = image.split("/", 1)[-1].split(":")[0]
    if name in repositories and image.startswith(ACCOUNT):
        needs.add(role, ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage",
                         "ecr:GetDownloadUrlForLayer"], ARN.format("ecr", f"repository/{name}"))
        needs.add(role, "ecr:GetAuthorizationToken", "*")


def _vpc(needs, role, vpc: dict) -> None:
    interface = ARN.format("ec2", "network-interface/eni-x")
    needs.add(role, ["ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission",
                     "ec2:DeleteNetworkInterface", "ec2:DeleteNetworkInterfacePermission"], interface)
    needs.add(role, "ec2:CreateNetworkInterface",
              *[ARN.format("ec2", f"subnet/{s}") for s in vpc["Subnets"]],
              *[ARN.format("ec2", f"security-group/{g}") for g in vpc["SecurityGroupIds"]])
    needs.add(role, ["ec2:DescribeDhcpOptions", "ec2:DescribeNetworkInterfaces",
                     "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs"], "*")


def _glue(needs: Needs, resources: dict, role: str) -> None:
    template = needs.template
    calls = _boto3_calls(ROOT / "glue" / "transform.py")
    for resource in resources.values():
        properties = resolve(template, resource.get("Properties", {}))
        if resource["Type"] == "AWS::Glue::Job":
            for uri in [properties["Command"]["ScriptLocation"],
                        *properties["DefaultArguments"].get("--extra-py-files", "").split(",")]:
                if uri:
                    bucket, key = _s3_parts(uri)
                    needs.add(role, "s3:GetObject", f"arn:aws:s3:::{bucket}/{key}")
            needs.add(role, ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                      ARN.format("logs", "log-group:/aws-glue/jobs/output"))
        if resource["Type"] == "AWS::Glue::Crawler":
            for target in properties["Targets"]["S3Targets"]:
                bucket, key = _s3_parts(target["Path"])
                needs.add(role, "s3:GetObject", f"arn:aws:s3:::{bucket}/{key}x")
                needs.add(role, "s3:ListBucket", f"arn:aws:s3:::{bucket}")
            database = properties["DatabaseName"]
            needs.add(role, CRAWLER_CATALOG, ARN.format("glue", "catalog"),
                      ARN.format("glue", f"database/{database}"),
                      ARN.format("glue", f"table/{database}/t"))
    # The transform script (glue/transform.py): arguments from the workflow's Transform task.
    arguments = next(json.loads(resolve(template, {"Fn::Sub": json.dumps(s["Parameters"])}))
                     ["Arguments"] for s in needs.compiled.definition["States"].values()
                     if "startJobRun" in s.get("Resource", ""))
    source, dest = arguments["--S3_SOURCE"], arguments["--S3_DEST"]
    assert calls == {"s3:GetObject", "s3:PutObject"}, calls
    for key in (arguments["--TRAIN_KEY"], arguments["--SCORE_KEY"]):
        needs.add(role, "s3:GetObject", f"arn:aws:s3:::{source}/{key}")
    # ListBucket lets a missing input answer NoSuchKey (named in the error) instead of AccessDenied.
    needs.add(role, "s3:ListBucket", f"arn:aws:s3:::{source}")
    needs.add(role, "s3:PutObject", f"arn:aws:s3:::{dest}/train/train.csv",
              f"arn:aws:s3:::{dest}/score/score.csv")


def _handlers(needs: Needs, resources: dict, role: str) -> None:
    modules = {"JobNameFunction": "job_name", "EndpointCheckFunction": "endpoint_exists"}
    endpoint = getattr(needs.compiled.pipeline.deployment, "name", "").lower()
    for logical, resource in resources.items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        for call in _boto3_calls(ROOT / "lambdas" / f"{modules[logical]}.py"):
            assert call == "sagemaker:DescribeEndpoint", call
            needs.add(role, call, needs.sagemaker("endpoint", endpoint))
        group = resolve(needs.template, resource["Properties"]["LoggingConfig"]["LogGroup"])
        needs.add(role, ["logs:CreateLogStream", "logs:PutLogEvents"],
                  ARN.format("logs", f"log-group:{group}:log-stream:2024/01/01/[$LATEST]x"))
        if "VpcConfig" in resource["Properties"]:
            _lambda_vpc(needs, role, resolve(needs.template, resource["Properties"]["VpcConfig"]))


def _lambda_vpc(needs, role, vpc: dict) -> None:
    """A VPC function: Lambda manages its network interfaces with the function's role
    (the actions of AWSLambdaVPCAccessExecutionRole, on this stack's subnets and security group)."""
    interface = ARN.format("ec2", "network-interface/eni-x")
    needs.add(role, ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
                     "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"], interface)
    needs.add(role, "ec2:CreateNetworkInterface",
              *[ARN.format("ec2", f"subnet/{s}") for s in vpc["SubnetIds"]],
              *[ARN.format("ec2", f"security-group/{g}") for g in vpc["SecurityGroupIds"]])
    needs.add(role, ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"], "*")


@pytest.mark.parametrize("sample", ["attrition", "attrition_builtin", "attrition_endpoint"])
def test_every_need_is_granted_and_every_grant_is_needed(compiled_samples, sample):
    compiled = compiled_samples[sample]
    needs = derive(compiled)
    policies = role_policies(compiled.template)
    assert set(needs) == set(policies)
    for role, statements in policies.items():
        grants = granted(statements)
        missing = sorted(f"{a} on {r}" for a, r in needs[role] if not allows(grants, a, r))
        assert not missing, f"{role} lacks: {missing}"
        unneeded = sorted(f"{a} on {r}" for a, r, _ in grants
                          if not any(allows([(a, r, None)], na, nr) for na, nr in needs[role]))
        assert not unneeded, f"{role} grants what no step needs: {unneeded}"
        stars = sorted(a for a, r, _ in grants if r == "*" and a not in STAR_ONLY)
        assert not stars, f"{role} grants {stars} on * although they take resource ARNs"


def test_pass_role_is_only_for_sagemaker_and_conditioned(compiled_samples):
    for compiled in compiled_samples.values():
        for role, statements in role_policies(compiled.template).items():
            for statement in statements:
                actions = statement["Action"]
                if "iam:PassRole" in ([actions] if isinstance(actions, str) else actions):
                    assert role == "StepFunctionsRole"
                    assert statement["Resource"] == f"arn:aws:iam::{ACCOUNT}:role/stack-sagemakerrole"
                    assert statement["Condition"] == {
                        "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}


def test_star_resources_are_explained_in_iam_py():
    source = (ROOT / "mlops_dsl" / "emit" / "iam.py").read_text()
    for match in re.finditer(r'\["\*"\]', source):
        before = source[:match.start()].splitlines()[-6:]
        assert any(line.strip().startswith("#") for line in before), \
            f"a '*' resource in iam.py has no comment saying why: {before}"


def test_parliament_finds_nothing(compiled_samples, security_tools):
    for name, compiled in compiled_samples.items():
        for role, statements in role_policies(compiled.template).items():
            document = json.dumps({"Version": "2012-10-17", "Statement": statements})
            result = subprocess.run([str(security_tools / "parliament"), "--string", document,
                                     "--json"], capture_output=True, text=True,
                                    stdin=subprocess.DEVNULL, timeout=120)
            assert result.returncode == 0 and not result.stdout.strip(), \
                f"{name} {role}: {result.stdout}{result.stderr[-500:]}"

"""Least privilege, proved: each role grants what the pipeline's calls need, as AWS documents
them, and nothing else.

The needs are derived from the compiled workflow and template and from AWS's documentation
(aws_documented.py: the pages that say what each service calls, and the Service Authorization
Reference for what each action authorizes on), never from mlops_dsl/emit/iam.py:

- the state machine: each Task's integration on the resources its parameters name in an example
  run, the roles it passes and the tags it sets, the managed rules of ``.sync`` jobs, logging and
  tracing;
- SageMaker: the tuning job's, the model's and the batch transform's data, outputs, image, logs
  and VPC;
- Glue: the job's script, wheels and logs; the transform script's boto3 calls (read with ``ast``)
  on the keys the workflow passes it; the crawler's target and catalog;
- Lambda: the boto3 calls of the code inlined in the template, the function's logs and VPC;
- EventBridge: the rule's targets.

Every need must be granted and every grant must serve a need, except where iam.py and the
documentation disagree today (``DISAGREEMENTS``, each checked to still hold). parliament must find
nothing on any compiled policy.
"""
from __future__ import annotations

import ast
import json
import re
import subprocess
from collections import deque

import pytest

import aws_documented as aws
from helpers import ROOT, sample_blueprints
from policies import ACCOUNT, PARTITION, REGION, allows, granted, physical_name, resolve, role_policies

SAMPLES = [path.stem for path in sample_blueprints()]
VARIANTS = SAMPLES + [f"{name}+kms" for name in SAMPLES]  # the conftest's compiled_variants
TASK = re.compile(r"arn:[\w-]+:states:::(?P<sdk>aws-sdk:)?(?P<service>[\w-]+):(?P<api>\w+)"
                  r"(?:\.(?P<pattern>sync|waitForTaskToken))?")
ECR_IMAGE = re.compile(r"(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[\w-]+)\.amazonaws\.com(?:\.cn)?/"
                       r"(?P<name>[^:@]+)")
# ARN parts the Service Authorization Reference names differently from the API's parameters.
PARAMETER_OF = {"BucketName": "Bucket", "ObjectName": "Key", "CrawlerName": "Name", "TopicName": "TopicArn",
                "AlarmName": "AlarmNames"}
EXECUTION = {"Name": "run-1", "Id": f"arn:aws:states:{REGION}:{ACCOUNT}:execution:pipeline:run-1",
             "StartTime": "2024-03-09T07:05:01Z"}
ENI = "eni-0123456789abcdef0"

# Where iam.py and AWS's documentation disagree today: (samples, role, action, resource) that
# iam.py grants and no documented need explains, and needs it does not grant. Each entry must still
# be true (the test fails once iam.py changes, so the entry goes with the fix). ``ALL`` is every
# sample; resources are formatted with the sample's job name and Data Catalog database.
ALL = tuple(VARIANTS)
BATCH = tuple(v for v in VARIANTS if not v.startswith("attrition_endpoint"))
SAGEMAKER = f"arn:{PARTITION}:sagemaker:{REGION}:{ACCOUNT}"
DISAGREEMENTS: dict[str, set] = {
    # None today. An entry here names a grant no documented need explains, or a need not granted.
    "granted, no page found that needs it": set(),
    "needed, not granted": set(),
}


class Needs:
    """(action, resource) pairs per role, each with the page that calls for it."""

    def __init__(self, sar):
        self.sar = sar
        self.items: dict[str, dict[tuple[str, str], str]] = {}

    def add(self, role: str, documented: aws.Documented | str, actions, *resources: str) -> None:
        page = documented if isinstance(documented, str) else documented.page
        for action in [actions] if isinstance(actions, str) else actions:
            for resource in resources:
                self.items.setdefault(role, {})[(action, resource)] = page

    def add_scoped(self, role: str, documented: aws.Documented, actions, values: dict) -> None:
        """Each action on every resource of the types it authorizes on that ``values`` name
        (``"*"`` for actions without resource-level permissions)."""
        for action in [actions] if isinstance(actions, str) else actions:
            if self.sar.star_only(action):
                self.add(role, documented, action, "*")
                continue
            service = action.split(":")[0]
            arns = [arn for kind in self.sar.resource_types(action)
                    for arn in _arns(self.sar, service, kind, values)]
            assert arns, f"{action} ({documented.page}): no resource of its types is named by {values}"
            self.add(role, documented, action, *arns)


def _arns(sar, service: str, kind: str, values: dict) -> list[str]:
    """The ARNs of one resource type that ``values`` (API parameters, lists allowed) name."""
    variables = sar.variables(service, kind)
    found = [values.get(PARAMETER_OF.get(v, v)) for v in variables]
    if any(value is None for value in found):
        return []
    if len(variables) == 1 and isinstance(found[0], str) and found[0].startswith("arn:"):
        return [found[0]] if sar.is_of_type(found[0], service, kind) else []
    combos = [[]]
    for value in found:
        combos = [c + [v] for c in combos for v in (value if isinstance(value, list) else [value])]
    where = {k: values[k] for k in ("Account", "Region") if k in values}  # another account's
    # SageMaker ARNs hold resource names in lower case.
    return [sar.arn(service, kind, {**where, **{v: (x.lower() if service == "sagemaker" else x)
                                                for v, x in zip(variables, combo)}})
            for combo in combos]


# ---------------------------------------------------------------------------------------------
# One example run: the data the Tasks' parameters read

def _in_order(definition: dict) -> list[str]:
    """Every state, breadth first from StartAt along every transition."""
    seen, queue = [], deque([definition["StartAt"]])
    while queue:
        name = queue.popleft()
        if name in seen:
            continue
        seen.append(name)
        state = definition["States"][name]
        queue.extend([state.get("Next"), state.get("Default"),
                      *[c.get("Next") for c in state.get("Choices", ())],
                      *[c.get("Next") for c in state.get("Catch", ())]])
        queue = deque(n for n in queue if n)
    return seen


def _path(data, path: str):
    value = data
    for part in path.removeprefix("$").split(".")[1:]:
        value = value[part]
    return value


def _expression(text: str, data):
    """A ``.$`` value: a path, ``$$.Execution.*``, States.Format or States.JsonToString."""
    if text.startswith("$$.Execution."):
        return EXECUTION[text.removeprefix("$$.Execution.")]
    if text == "$$.Task.Token":  # a callback task's token
        return "AQB8AAAAKgAAAAMAAAAA"
    if text.startswith("$"):
        return _path(data, text)
    if text.startswith("States.MathAdd(") and text.endswith(")"):
        left, right = text[len("States.MathAdd("):-1].split(",")
        return _expression(left.strip(), data) + int(right)
    if text.startswith("States.StringToJson(") and text.endswith(")"):
        return json.loads(_expression(text[len("States.StringToJson("):-1], data))
    if text.startswith("States.JsonToString(") and text.endswith(")"):
        return json.dumps(_expression(text[len("States.JsonToString("):-1], data))
    match = re.fullmatch(r"States\.Format\('([^']*)'((?:,\s*[^,()]+)*)\)", text)
    assert match, f"the oracle cannot evaluate {text!r}"
    arguments = iter(_expression(a.strip(), data) for a in match.group(2).split(",")[1:])
    return re.sub(r"\{\}", lambda _: str(next(arguments)), match.group(1))


def _evaluate(value, data, strict: bool = True):
    """Parameters with their ``.$`` members evaluated against the run's data (a member whose
    path the example run lacks is None unless ``strict``)."""
    if isinstance(value, list):
        return [_evaluate(v, data, strict) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if not key.endswith(".$"):
            out[key] = _evaluate(item, data, strict)
            continue
        try:
            out[key[:-2]] = _expression(item, data)
        except (KeyError, TypeError):
            if strict:
                raise
            out[key[:-2]] = None
    return out


def _put(data: dict, path: str | None, value) -> None:
    if path is None:
        return
    parts = path.removeprefix("$").split(".")[1:]
    target = data
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def _handler(template: dict, function_arn: str):
    """The handler function of the Lambda function with this ARN, from its inlined code."""
    for logical, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Lambda::Function" and function_arn.endswith(
                f":function:{physical_name(template, logical)}"):
            namespace: dict = {}
            exec(compile(resource["Properties"]["Code"]["ZipFile"], logical, "exec"), namespace)
            return namespace[resource["Properties"]["Handler"].split(".")[-1]], resource
    raise AssertionError(f"no function {function_arn} in the template")


def _result(template: dict, task: dict, tasks: list[dict]):
    """What one Task returns in the example run, in its service's documented shape."""
    service, api, params = task["service"], task["api"], task["params"]
    if (service, api) == ("lambda", "invoke"):
        handler, resource = _handler(template, params["FunctionName"])
        if _boto3_calls(resource["Properties"]["Code"]["ZipFile"]):
            return {"Payload": {}}  # it would call AWS; nothing downstream names a resource by it
        return {"Payload": handler(params["Payload"], None)}
    if api == "createHyperParameterTuningJob":  # .sync: DescribeHyperParameterTuningJob's answer
        # SageMaker names a tuning job's training jobs <tuning job>-<NNN>-<8 hex digits>.
        return {"BestTrainingJob": {"TrainingJobName": f"{params['HyperParameterTuningJobName']}"
                                                       "-001-0a1b2c3d",
                                    "FinalHyperParameterTuningJobObjectiveMetric": {
                                        "MetricName": "roc_auc", "Value": 0.9}},
                "HyperParameterTuningJobName": params["HyperParameterTuningJobName"]}
    if api == "describeTrainingJob":
        # The model artifact is S3OutputPath/<training job>/output/model.tar.gz (OutputDataConfig).
        (output,) = [t["params"]["TrainingJobDefinition"]["OutputDataConfig"]["S3OutputPath"]
                     for t in tasks if t["api"] == "createHyperParameterTuningJob"]
        return {"ModelArtifacts": {"S3ModelArtifacts": f"{output.rstrip('/')}/"
                                                       f"{params['TrainingJobName']}/output/model.tar.gz"},
                "FinalMetricDataList": []}
    if api == "startJobRun":
        return {"Id": "jr_0123", "JobRunState": "SUCCEEDED"}
    if api == "getObject":  # the drift report (glue/drift.py's JSON), as text
        return {"Body": json.dumps({"max_psi": 0.5, "drifted_features": "Age", "worst": []})}
    return {}


def example_tasks(compiled) -> list[dict]:
    """Every Task with its parameters as one run passes them (CloudFormation references
    resolved, ``.$`` members evaluated), in run order."""
    template = compiled.template
    definition = json.loads(resolve(template, {"Fn::Sub": json.dumps(compiled.definition)}))
    # The run an upload starts: its input is S3's "Object Created" event ("EventBridge event
    # message structure", Amazon S3 user guide), for the key the stack's trigger rule watches.
    key = compiled.pipeline.data.train_key
    data: dict = {"detail": {"bucket": {"name": "feature-store"}, "object": {"key": key}}}
    tasks: list[dict] = []
    for name in _in_order(definition):
        state = definition["States"][name]
        if state["Type"] not in ("Task", "Pass"):
            continue
        # a Pass only carries data (a branch's may read what this example run lacks)
        params = _evaluate(state.get("Parameters", {}), data, strict=state["Type"] == "Task")
        if state["Type"] == "Pass":
            _put(data, state.get("ResultPath", "$"), state.get("Result", params))
            continue
        match = TASK.fullmatch(state["Resource"])
        assert match, f"{name}: {state['Resource']} is not a service integration"
        task = {"name": name, "sdk": bool(match["sdk"]), "service": match["service"],
                "api": match["api"], "pattern": match["pattern"], "params": params}
        tasks.append(task)
        result = _result(template, task, tasks)
        if "ResultSelector" in state:  # the example results hold only what names resources
            result = _evaluate(state["ResultSelector"], result, strict=False)
        _put(data, state.get("ResultPath", "$"), result)
    return tasks


# ---------------------------------------------------------------------------------------------
# What each role needs

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


def _s3(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def _under(key: str) -> str:
    """An object under a prefix (or the object itself, if the prefix is a whole key)."""
    return f"{key}x" if key.endswith("/") or not key else key


def _boto3_calls(source: str) -> list[tuple[str, str, list[str]]]:
    """(service, Operation, keyword names) of each boto3 client call in a source text."""
    import botocore.session

    session = botocore.session.get_session()
    tree = ast.parse(source)
    services = {node.args[0].value for node in ast.walk(tree) if isinstance(node, ast.Call)
                and getattr(node.func, "attr", None) == "client" and node.args
                and isinstance(node.args[0], ast.Constant)}
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            name = node.func.attr
            if name == "get_paginator" and node.args and isinstance(node.args[0], ast.Constant):
                name = node.args[0].value  # the paginated operation, e.g. list_objects_v2
            operation = "".join(part[:1].upper() + part[1:] for part in name.split("_"))
            for service in services:
                if operation in session.get_service_model(service).operation_names:
                    calls.append((service, operation, [k.arg for k in node.keywords]))
    return calls


def _module_constants(source: str) -> dict:
    """Module-level NAME = "text" assignments of a script."""
    return {node.targets[0].id: node.value.value for node in ast.parse(source).body
            if isinstance(node, ast.Assign) and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name) and isinstance(node.value, ast.Constant)}


def derive(compiled, sar) -> dict[str, dict[tuple[str, str], str]]:
    template = compiled.template
    resources = template["Resources"]
    roles = {r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"]:
             logical for logical, r in resources.items() if r["Type"] == "AWS::IAM::Role"}
    needs = Needs(sar)
    tasks = example_tasks(compiled)
    _state_machine(needs, template, tasks, roles["states.amazonaws.com"])
    _sagemaker(needs, template, tasks, roles["sagemaker.amazonaws.com"])
    _glue(needs, template, tasks)
    _lambda(needs, template, tasks, roles["lambda.amazonaws.com"])
    for resource in resources.values():
        if resource["Type"] == "AWS::Events::Rule":
            for target in resource["Properties"]["Targets"]:
                if "RoleArn" not in target:
                    continue  # a topic target is allowed by the topic's policy, not a role
                needs.add(roles["events.amazonaws.com"], aws.START_EXECUTION,
                          aws.START_EXECUTION.actions, resolve(template, target["Arn"]))
        if resource["Type"] == "AWS::Scheduler::Schedule":
            target = resource["Properties"]["Target"]
            needs.add(roles["scheduler.amazonaws.com"], aws.SCHEDULE_START,
                      aws.SCHEDULE_START.actions, resolve(template, target["Arn"]))
    _topic_key(needs, template, tasks, roles["states.amazonaws.com"])
    key = compiled.pipeline.kms_key_arn
    if key:  # every role that reads or writes objects uses the key
        for role, items in list(needs.items.items()):
            if any(action.startswith("s3:") and "/" in resource.split(":::", 1)[-1]
                   for action, resource in items):
                needs.add(role, aws.KMS_OBJECTS, aws.KMS_OBJECTS.actions, key)
    return needs.items


def _state_machine(needs: Needs, template: dict, tasks: list[dict], role: str) -> None:
    import botocore.session

    session = botocore.session.get_session()
    rollout_updates = {t["name"] for t in tasks if t["api"] == "updateEndpoint"
                       and "DeploymentConfig" in t["params"]}
    for task in tasks:
        service, api, params = task["service"], task["api"], task["params"]
        if task["sdk"]:
            operation = api[0].upper() + api[1:]
            assert operation in session.get_service_model(service).operation_names, api
            documented = aws.SDK_ACTIONS.get(f"{service}:{operation}")
            if documented and operation == "CopyObject":  # read the source, write the copy
                needs.add(role, documented, "s3:GetObject", f"arn:aws:s3:::{params['CopySource']}")
                needs.add_scoped(role, documented, "s3:PutObject", params)
                continue
            if documented and operation == "CreateModelPackage":  # a new version of a group
                group = params["ModelPackageGroupName"].lower()
                needs.add(role, documented, "sagemaker:CreateModelPackage",
                          needs.sar.arn("sagemaker", "model-package",
                                        {"ModelPackageName": f"{group}/*"}),
                          needs.sar.arn("sagemaker", "model-package-group",
                                        {"ModelPackageGroupName": group}))
                continue
            assert documented is None, f"{service}:{operation}: handle {documented.page}"
            integration = aws.Integration(f"{aws.SFN_GUIDE}/supported-services-awssdk.html",
                                          (f"{service}:{operation}",))
        else:
            key = f"{service}:{api}" + (f".{task['pattern']}" if task["pattern"] else "")
            assert key in aws.INTEGRATIONS, \
                f"{task['name']}: no documented policy for {key}; add its page to aws_documented.py"
            integration = aws.INTEGRATIONS[key]
        main = integration.actions[0]
        targets = {kind: _arns(needs.sar, main.split(":")[0], kind, params)
                   for kind in needs.sar.required_types(main)}
        if task["name"] in rollout_updates:  # auto-rollback reads the alarms it names
            alarms = [a["AlarmName"] for a in params["DeploymentConfig"][
                "AutoRollbackConfiguration"]["Alarms"]]
            needs.add(role, aws.ROLLBACK_ALARMS, "cloudwatch:DescribeAlarms",
                      *_arns(needs.sar, "cloudwatch", "alarm", {"AlarmNames": alarms}))
        assert all(targets.values()), f"{task['name']}: {main} on {targets}"
        for action in integration.actions:
            arns = [arn for kind, found in targets.items() for arn in found
                    if kind in needs.sar.resource_types(action)]
            assert arns, f"{task['name']}: {action} acts on none of {targets}"
            needs.add(role, integration, action, *arns)
        if integration.rule:
            needs.add(role, aws.SYNC_RULE, aws.SYNC_RULE.actions,
                      needs.sar.arn("events", "rule-on-default-event-bus", {"RuleName": integration.rule}))
        # The Service Authorization Reference's dependent actions: tagging on create, passing a role.
        for kind, arns in targets.items():
            dependent = needs.sar.dependent_actions(main, kind)
            if "sagemaker:AddTags" in dependent and "Tags" in params:
                needs.add(role, integration, "sagemaker:AddTags", *arns)
            if "iam:PassRole" in dependent:
                for member in ("RoleArn", "ExecutionRoleArn"):
                    for passed in _find(params, member):
                        needs.add(role, f"{aws.SFN_GUIDE}/sagemaker-iam.html", "iam:PassRole", passed)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::StepFunctions::StateMachine":
            properties = resource["Properties"]
            if properties.get("LoggingConfiguration", {}).get("Destinations"):
                needs.add_scoped(role, aws.LOGGING, aws.LOGGING.actions, {})
            if properties.get("TracingConfiguration", {}).get("Enabled"):
                needs.add_scoped(role, aws.TRACING, aws.TRACING.actions, {})


def _topic_key(needs: Needs, template: dict, tasks: list[dict], role: str) -> None:
    """Publishing to a topic under a customer-managed key uses the key."""
    topics = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::SNS::Topic"]
    publishes = any(task["service"] == "sns" for task in tasks)
    for topic in topics:
        key = topic.get("KmsMasterKeyId")
        if publishes and key and key != "alias/aws/sns":
            needs.add(role, aws.TOPIC_KEY, aws.TOPIC_KEY.actions, resolve(template, key)
                      if not isinstance(key, dict) or "Ref" not in key else
                      f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key['Ref'].lower()}")


def _sagemaker(needs: Needs, template: dict, tasks: list[dict], role: str) -> None:
    """The execution role: what the training jobs, the model and the batch transform do as it."""
    from policies import arn_of

    role_arn = arn_of(template, role)
    reads, writes, images, vpcs, groups = [], [], [], [], []
    models = set()
    for task in tasks:
        params = task["params"]
        if task["api"] == "createHyperParameterTuningJob":
            training = params["TrainingJobDefinition"]
            if training["RoleArn"] != role_arn:
                continue
            reads += [(s["S3Uri"], s["S3DataType"] == "S3Prefix") for s in _find(training, "S3DataSource")]
            writes.append(training["OutputDataConfig"]["S3OutputPath"])
            images.append(training["AlgorithmSpecification"]["TrainingImage"])
            vpcs += list(_find(training, "VpcConfig"))
            groups.append("/aws/sagemaker/TrainingJobs")
            for checkpoint in _find(training, "CheckpointConfig"):  # spot jobs sync them
                bucket, key = _s3(checkpoint["S3Uri"])
                needs.add_scoped(role, aws.SAGEMAKER_CHECKPOINTS,
                                 [a for a in aws.SAGEMAKER_CHECKPOINTS.actions
                                  if a != "s3:ListBucket"], {"Bucket": bucket, "Key": _under(key)})
                needs.add_scoped(role, aws.SAGEMAKER_CHECKPOINTS, "s3:ListBucket",
                                 {"Bucket": bucket})
        elif task["api"] == "createModel" and params["ExecutionRoleArn"] == role_arn:
            models.add(params["ModelName"])
            container = params["PrimaryContainer"]
            reads.append((container["ModelDataUrl"], False))
            images.append(container["Image"])
            vpcs += list(_find(params, "VpcConfig"))
    for task in tasks:  # what uses a model runs as the model's role
        params = task["params"]
        if task["api"] == "createTransformJob" and params["ModelName"] in models:
            reads += [(s["S3Uri"], s["S3DataType"] == "S3Prefix") for s in _find(params, "S3DataSource")]
            writes.append(params["TransformOutput"]["S3OutputPath"])
            groups.append("/aws/sagemaker/TransformJobs")
        if task["api"] in ("createEndpoint", "updateEndpoint") and models:
            groups.append(f"/aws/sagemaker/Endpoints/{params['EndpointName']}")
        if task["api"] == "updateEndpoint" and "DeploymentConfig" in params:
            # SageMaker watches the auto-rollback alarms as the execution role
            alarms = [a["AlarmName"] for a in params["DeploymentConfig"][
                "AutoRollbackConfiguration"]["Alarms"]]
            needs.add(role, aws.ROLLBACK_ALARMS, "cloudwatch:DescribeAlarms",
                      *_arns(needs.sar, "cloudwatch", "alarm", {"AlarmNames": alarms}))
    for uri, lists in reads:
        bucket, key = _s3(uri)
        needs.add_scoped(role, aws.SAGEMAKER_READ, aws.SAGEMAKER_READ.actions,
                         {"Bucket": bucket, "Key": _under(key)})
        if lists:
            needs.add_scoped(role, aws.SAGEMAKER_LIST, aws.SAGEMAKER_LIST.actions, {"Bucket": bucket})
    for uri in writes:
        bucket, key = _s3(uri)
        needs.add_scoped(role, aws.SAGEMAKER_WRITE, aws.SAGEMAKER_WRITE.actions,
                         {"Bucket": bucket, "Key": f"{key.rstrip('/')}/x" if key else "x"})
    for image in images:
        match = ECR_IMAGE.match(image)
        if match:
            needs.add_scoped(role, aws.SAGEMAKER_PULL, aws.SAGEMAKER_PULL.actions,
                             {"RepositoryName": match["name"], "Account": match["account"],
                              "Region": match["region"]})
    for vpc in vpcs:
        needs.add_scoped(role, aws.SAGEMAKER_VPC, aws.SAGEMAKER_VPC.actions,
                         {"NetworkInterfaceId": ENI, "SubnetId": vpc["Subnets"],
                          "SecurityGroupId": vpc["SecurityGroupIds"]})
    needs.add_scoped(role, aws.SAGEMAKER_METRICS, aws.SAGEMAKER_METRICS.actions, {})
    for group in groups:
        needs.add_scoped(role, aws.SAGEMAKER_LOGS, aws.SAGEMAKER_LOGS.actions,
                         {"LogGroupName": group, "LogStreamName": "x"})


def _glue_role(template: dict, properties: dict) -> str:
    """The logical ID of the role a Glue job or crawler runs as."""
    (role,) = [logical for logical, r in template["Resources"].items()
               if r["Type"] == "AWS::IAM::Role" and resolve(template, {"Fn::GetAtt": [logical, "Arn"]})
               == properties["Role"]]
    return role


def _glue(needs: Needs, template: dict, tasks: list[dict]) -> None:
    resources = template["Resources"]
    job_roles = {}
    for logical, resource in resources.items():
        properties = resolve(template, resource.get("Properties", {}))
        if resource["Type"] in ("AWS::Glue::Job", "AWS::Glue::Crawler"):
            role = _glue_role(template, properties)
        if resource["Type"] == "AWS::Glue::Job":
            job_roles[properties["Name"]] = role
            for uri in [properties["Command"]["ScriptLocation"],
                        *properties["DefaultArguments"].get("--extra-py-files", "").split(",")]:
                if uri:
                    bucket, key = _s3(uri)
                    needs.add_scoped(role, "https://docs.aws.amazon.com/glue/latest/dg/"
                                     "create-an-iam-role.html", "s3:GetObject",
                                     {"Bucket": bucket, "Key": key})
            _glue_logs(needs, template, properties, role)
        if resource["Type"] == "AWS::Glue::Crawler":
            for target in properties["Targets"]["S3Targets"]:
                bucket, key = _s3(target["Path"])
                needs.add_scoped(role, aws.CRAWLER_S3, aws.CRAWLER_S3.actions,
                                 {"Bucket": bucket, "Key": _under(key.rstrip("/") + "/")})
            needs.add_scoped(role, aws.CRAWLER_CATALOG, aws.CRAWLER_CATALOG.actions,
                             {"DatabaseName": properties["DatabaseName"], "TableName": "t"})
    # The transform script: its boto3 calls, on the keys the workflow's Transform task passes.
    script = (ROOT / "glue" / "transform.py").read_text()
    calls = {f"{service}:{operation}" for service, operation, _ in _boto3_calls(script)}
    assert calls == {"s3:GetObject", "s3:PutObject"}, calls
    outputs = _module_constants(script)
    for task in tasks:
        if (task["service"], task["api"]) != ("glue", "startJobRun"):
            continue
        role = job_roles[task["params"]["JobName"]]
        arguments = task["params"]["Arguments"]
        if "--EXTRACTS" in arguments:
            _drift(needs, arguments, role)
            continue
        source, dest = arguments["--S3_SOURCE"], arguments["--S3_DEST"]
        for name in ("--TRAIN_KEY", "--SCORE_KEY"):
            if name in arguments:
                needs.add_scoped(role, "glue/transform.py", "s3:GetObject",
                                 {"Bucket": source, "Key": arguments[name]})
        needs.add_scoped(role, aws.LIST_FOR_NOT_FOUND, aws.LIST_FOR_NOT_FOUND.actions,
                         {"Bucket": source})
        written = [outputs["TRAIN_OUT"]] + ([outputs["SCORE_OUT"]]
                                            if arguments["--INFERENCE_TYPE"] == "batch" else [])
        needs.add_scoped(role, "glue/transform.py", "s3:PutObject", {"Bucket": dest, "Key": written})


def _drift(needs: Needs, arguments: dict, role: str) -> None:
    """The drift script's boto3 calls, on the locations the workflow's drift task passes it."""
    script = (ROOT / "glue" / "drift.py").read_text()
    calls = {f"{service}:{operation}" for service, operation, _ in _boto3_calls(script)}
    assert calls == {"s3:ListObjectsV2", "s3:GetObject", "s3:PutObject",
                     "cloudwatch:PutMetricData"}, calls
    extracts = arguments["--EXTRACTS"]
    for name in ("--TRAIN_KEY", "--SCORE_KEY"):  # a key, or a prefix the script lists
        needs.add_scoped(role, "glue/drift.py", "s3:GetObject",
                         {"Bucket": extracts, "Key": _under(arguments[name])})
        if arguments[name].endswith("/"):
            needs.add_scoped(role, aws.LIST_OBJECTS, aws.LIST_OBJECTS.actions, {"Bucket": extracts})
    needs.add_scoped(role, "glue/drift.py", "s3:PutObject",
                     {"Bucket": arguments["--REPORT"], "Key": arguments["--REPORT_KEY"]})
    needs.add_scoped(role, aws.PUT_METRIC_DATA, aws.PUT_METRIC_DATA.actions, {})


def _glue_logs(needs: Needs, template: dict, job: dict, role: str) -> None:
    groups = ["/aws-glue/jobs/output", "/aws-glue/jobs/error"]
    encrypted = False
    if job.get("SecurityConfiguration"):
        (configuration,) = [r["Properties"] for r in template["Resources"].values()
                            if r["Type"] == "AWS::Glue::SecurityConfiguration"
                            and r["Properties"]["Name"] == job["SecurityConfiguration"]]
        prefix = f"/aws-glue/jobs/{configuration['Name']}-role/{physical_name(template, role)}"
        groups = [f"{prefix}/output", f"{prefix}/error"]
        cloudwatch = configuration["EncryptionConfiguration"].get("CloudWatchEncryption", {})
        encrypted = cloudwatch.get("CloudWatchEncryptionMode") == "SSE-KMS"
    for group in groups:
        values = {"LogGroupName": group, "LogStreamName": "jr_0123"}
        needs.add_scoped(role, aws.GLUE_LOGS, aws.GLUE_LOGS.actions, values)
        if encrypted:
            needs.add_scoped(role, aws.GLUE_LOG_KEY, aws.GLUE_LOG_KEY.actions, values)


def _lambda(needs: Needs, template: dict, tasks: list[dict], role: str) -> None:
    for logical, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Lambda::Function":
            continue
        properties = resource["Properties"]
        arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{physical_name(template, logical)}"
        payloads = [t["params"]["Payload"] for t in tasks
                    if (t["service"], t["api"]) == ("lambda", "invoke") and t["params"]["FunctionName"] == arn]
        for service, operation, keywords in _boto3_calls(properties["Code"]["ZipFile"]):
            for payload in payloads:  # the handler calls with what the Task passes it
                needs.add_scoped(role, f"{logical} (inlined handler)", f"{service}:{operation}",
                                 {k: payload[k] for k in keywords if k in payload})
        group = resolve(template, properties["LoggingConfig"]["LogGroup"])
        # Lambda creates the log group only when it is missing; the stack creates this one.
        ours = any(r["Type"] == "AWS::Logs::LogGroup" and physical_name(template, g) == group
                   for g, r in template["Resources"].items())
        actions = [a for a in aws.LAMBDA_LOGS.actions if not (ours and a == "logs:CreateLogGroup")]
        needs.add_scoped(role, aws.LAMBDA_LOGS, actions,
                         {"LogGroupName": group, "LogStreamName": "2024/01/01/[$LATEST]x"})
        if "VpcConfig" in properties:
            vpc = resolve(template, properties["VpcConfig"])
            needs.add_scoped(role, aws.LAMBDA_VPC, aws.LAMBDA_VPC.actions,
                             {"NetworkInterfaceId": ENI, "SubnetId": vpc["SubnetIds"],
                              "SecurityGroupId": vpc["SecurityGroupIds"]})


# ---------------------------------------------------------------------------------------------
# The checks

def _compare(compiled, sar, sample: str) -> dict[str, set]:
    """Each role's needs against its grants: {"missing": {(role, action, resource)},
    "unneeded": {(role, action, granted resource)}}."""
    needs = derive(compiled, sar)
    policies = role_policies(compiled.template)
    assert set(needs) == set(policies)
    found = {"missing": set(), "unneeded": set()}
    for role, statements in policies.items():
        grants = granted(statements)
        found["missing"] |= {(role, a, r) for a, r in needs[role] if not allows(grants, a, r)}
        found["unneeded"] |= {(role, a, r) for a, r, _ in grants
                              if not any(allows([(a, r, None)], na, nr) for na, nr in needs[role])}
    return found


def _expected(compiled, sample: str) -> dict[str, set]:
    databases = [resolve(compiled.template, r["Properties"]["DatabaseName"])
                 for r in compiled.template["Resources"].values()
                 if r["Type"] == "AWS::Glue::Crawler"]
    names = {"job": compiled.pipeline.job_name.lower(), "database": "".join(databases[:1])}
    return {"unneeded": {(role, action, resource.format(**names)) for samples, role, action, resource
                         in DISAGREEMENTS["granted, no page found that needs it"] if sample in samples},
            "missing": {(role, action) for samples, role, action in DISAGREEMENTS["needed, not granted"]
                        if sample in samples}}


@pytest.mark.parametrize("sample", VARIANTS)
def test_every_need_is_granted_and_every_grant_is_needed(compiled_variants, service_authorization,
                                                         sample):
    compiled = compiled_variants[sample]
    found = _compare(compiled, service_authorization, sample)
    expected = _expected(compiled, sample)
    missing = {(role, action) for role, action, _ in found["missing"]}
    assert missing == expected["missing"], \
        f"needs not granted: {sorted(found['missing'])}; expected only {sorted(expected['missing'])}"
    assert found["unneeded"] == expected["unneeded"], \
        f"grants no documented need explains: {sorted(found['unneeded'] - expected['unneeded'])}; " \
        f"listed in DISAGREEMENTS but not granted: {sorted(expected['unneeded'] - found['unneeded'])}"


@pytest.mark.parametrize("sample", VARIANTS)
def test_every_need_is_an_action_on_a_resource_it_authorizes_on(compiled_variants,
                                                                 service_authorization, sample):
    """The oracle itself, against the Service Authorization Reference."""
    sar = service_authorization
    for role, items in derive(compiled_variants[sample], sar).items():
        for (action, resource), page in items.items():
            assert sar.exists(action), f"{role}: {action} ({page}) is not an IAM action"
            assert (resource == "*") == sar.star_only(action), (role, action, resource)
            assert resource == "*" or sar.authorizes_on(action, resource), (role, action, resource)


def test_grants_name_real_actions_and_use_star_only_where_aws_offers_nothing_narrower(
        compiled_variants, service_authorization):
    for name, compiled in compiled_variants.items():
        for role, statements in role_policies(compiled.template).items():
            for action, resource, _ in granted(statements):
                assert service_authorization.exists(action), f"{name} {role}: no action {action}"
                if resource == "*":
                    assert service_authorization.star_only(action), \
                        f"{name} {role}: {action} on * although it takes resource ARNs"


def test_the_oracle_finds_a_missing_and_an_extra_grant(compiled_samples, service_authorization):
    """Both directions can fail: a role without one grant, and with one grant too many."""
    import copy
    import types

    sample = compiled_samples["attrition"]
    compiled = types.SimpleNamespace(template=copy.deepcopy(sample.template),
                                     definition=sample.definition, pipeline=sample.pipeline)
    statements = compiled.template["Resources"]["GlueRole"]["Properties"]["Policies"][0][
        "PolicyDocument"]["Statement"]
    dropped = statements.pop(0)
    statements.append({"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::*"})
    found = _compare(compiled, service_authorization, "attrition")
    assert {action for role, action, _ in found["missing"] if role == "GlueRole"} == \
        set([dropped["Action"]] if isinstance(dropped["Action"], str) else dropped["Action"])
    assert ("GlueRole", "s3:DeleteObject", "arn:aws:s3:::*") in found["unneeded"]


def test_pass_role_is_only_for_sagemaker_and_conditioned(compiled_variants):
    for compiled in compiled_variants.values():
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


def _parliament(security_tools, documents: dict[str, dict], folder) -> subprocess.CompletedProcess:
    """parliament on several policy documents at once (one process: it starts in ~0.3 s)."""
    paths = []
    for name, document in documents.items():
        path = folder / f"{name}.json"
        path.write_text(json.dumps(document))
        paths.append(str(path))
    return subprocess.run([str(security_tools / "parliament"), "--files", ",".join(paths), "--json"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)


def test_parliament_finds_nothing(compiled_variants, security_tools, tmp_path):
    documents = {f"{name}-{role}": {"Version": "2012-10-17", "Statement": statements}
                 for name, compiled in compiled_variants.items()
                 for role, statements in role_policies(compiled.template).items()}
    result = _parliament(security_tools, documents, tmp_path)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr[-500:]


def test_parliament_reports_a_mismatched_resource(security_tools, tmp_path):
    """The test above can fail: an object action on a bucket ARN is reported, with its file."""
    bad = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket"}]}
    result = _parliament(security_tools, {"fine": {"Version": "2012-10-17", "Statement": []},
                                          "bad": bad}, tmp_path)
    assert result.returncode != 0 and "RESOURCE_MISMATCH" in result.stdout
    assert "bad.json" in result.stdout and "fine.json" not in result.stdout

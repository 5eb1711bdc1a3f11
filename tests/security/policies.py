"""Helpers of the security tests: compiled templates, their IAM policies made concrete, and what
each role is granted, as (action, resource) pairs."""
from __future__ import annotations

import fnmatch
import re

ACCOUNT, REGION, PARTITION = "123456789012", "us-east-1", "aws"
KMS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
PSEUDO = {"AWS::Partition": PARTITION, "AWS::Region": REGION, "AWS::AccountId": ACCOUNT,
          "AWS::URLSuffix": "amazonaws.com"}


def physical_name(template: dict, logical_id: str) -> str:
    """A stand-in for the name CloudFormation gives a resource (buckets get lower-case names)."""
    properties = template["Resources"][logical_id].get("Properties", {})
    if isinstance(properties.get("DatabaseInput", {}).get("Name"), str):
        return properties["DatabaseInput"]["Name"]
    for key in ("LogGroupName", "FunctionName", "StateMachineName", "RoleName", "Name", "RepositoryName",
                "TopicName", "AlarmName", "ModelPackageGroupName"):
        if isinstance(properties.get(key), str):
            return properties[key]
    return f"stack-{logical_id.lower()}"


def arn_of(template: dict, logical_id: str) -> str:
    kind = template["Resources"][logical_id]["Type"]
    name = physical_name(template, logical_id)
    return {
        "AWS::S3::Bucket": f"arn:aws:s3:::{name}",
        "AWS::IAM::Role": f"arn:aws:iam::{ACCOUNT}:role/{name}",
        "AWS::Lambda::Function": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
        "AWS::StepFunctions::StateMachine": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}",
        "AWS::Logs::LogGroup": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}:*",
        "AWS::ECR::Repository": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{name}",
        "AWS::SNS::Topic": f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}",
        "AWS::KMS::Key": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{logical_id.lower()}",
        "AWS::CloudWatch::Alarm": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{name}",
    }.get(kind, f"arn:aws:unknown:{REGION}:{ACCOUNT}:{logical_id}")


def ref_of(template: dict, logical_id: str) -> str:
    if logical_id in PSEUDO:
        return PSEUDO[logical_id]
    kind = template["Resources"][logical_id]["Type"]
    if kind in ("AWS::StepFunctions::StateMachine", "AWS::SNS::Topic"):
        return arn_of(template, logical_id)  # Ref of a topic is its ARN
    if kind == "AWS::EC2::SecurityGroup":
        return "sg-0123456789abcdef0"
    return physical_name(template, logical_id)


def resolve(template: dict, value):
    """Replace Fn::Sub / Fn::GetAtt / Ref with plausible concrete values, recursively."""
    if isinstance(value, list):
        return [resolve(template, v) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Ref"}:
        return ref_of(template, value["Ref"])
    if set(value) == {"Fn::GetAtt"}:
        logical_id, attribute = value["Fn::GetAtt"]
        if attribute == "Arn":
            return arn_of(template, logical_id)
        if attribute == "GroupId":
            return ref_of(template, logical_id)
        return physical_name(template, logical_id)
    if set(value) == {"Fn::Sub"}:
        text = value["Fn::Sub"]

        def sub(match):
            name = match.group(1)
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return resolve(template, {"Fn::GetAtt": [logical_id, attribute]})
            return ref_of(template, name)
        return re.sub(r"\$\{([^}!]+)\}", sub, text)
    return {k: resolve(template, v) for k, v in value.items()}


def role_policies(template: dict) -> dict[str, list[dict]]:
    """Each role's statements, concrete."""
    out = {}
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        statements = []
        for policy in resource["Properties"].get("Policies", []):
            document = resolve(template, policy["PolicyDocument"])
            statements += document["Statement"]
        out[logical_id] = statements
    return out


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def granted(statements: list[dict]) -> list[tuple[str, str, dict | None]]:
    """(action, resource, condition) for every Allow statement."""
    out = []
    for statement in statements:
        if statement.get("Effect") != "Allow":
            continue
        for action in _listed(statement["Action"]):
            for resource in _listed(statement["Resource"]):
                out.append((action, resource, statement.get("Condition")))
    return out


def allows(grants, action: str, resource: str) -> bool:
    """Whether some grant covers ``action`` on ``resource`` (IAM wildcard matching)."""
    return any(fnmatch.fnmatchcase(action.lower(), a.lower()) and fnmatch.fnmatchcase(resource, r)
               for a, r, _ in grants)

"""What the first real deploy and run need, checked on the compiled output (issue 9, part 2).

Each test names the AWS behaviour it guards against; the evidence is cited where the compiler
makes the choice (emit/, validate/image.py, deploy/).
"""
from __future__ import annotations

import fnmatch
import importlib.util
import json
from datetime import datetime, timezone

import pytest

from helpers import ROOT, sample, sample_blueprints, write_wheel
from mlops_dsl import BuiltInImage, GlueTransform
from mlops_dsl.compiler import compile_blueprint, compile_file
from mlops_dsl.errors import BlueprintError


def _policy(template: dict, role: str) -> list[dict]:
    return template["Resources"][role]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def _grants(template: dict, role: str) -> set[tuple[str, str]]:
    """(action, resource) pairs a role grants, resources as their Fn::Sub text."""
    found = set()
    for statement in _policy(template, role):
        for action in _listed(statement["Action"]):
            for resource in _listed(statement["Resource"]):
                text = resource.get("Fn::Sub", json.dumps(resource)) if isinstance(resource, dict) \
                    else resource
                found.add((action, text))
    return found


# -- built-in images ---------------------------------------------------------------------------

def test_a_builtin_image_gets_ecr_read_on_the_repository_its_uri_names():
    template = compile_file(ROOT / "blueprints" / "attrition_builtin.py").template
    repository = "arn:${AWS::Partition}:ecr:us-east-1:123456789012:repository/byo-xgboost"
    grants = _grants(template, "SageMakerRole")
    for action in ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage",
                   "ecr:GetDownloadUrlForLayer"):
        assert (action, repository) in grants
    assert ("ecr:GetAuthorizationToken", "*") in grants


def test_a_byo_image_gets_ecr_read_on_the_stacks_own_repository():
    compiled = compile_file(ROOT / "blueprints" / "attrition.py")
    name = compiled.template["Resources"]["ModelRepository"]["Properties"]["RepositoryName"]
    assert name == compiled.pipeline.names.ecr_repository == "attrition-byo-xgboost"
    assert ("ecr:BatchGetImage", "arn:${AWS::Partition}:ecr:${AWS::Region}:${AWS::AccountId}:"
            f"repository/{name}") in _grants(compiled.template, "SageMakerRole")


@pytest.mark.parametrize("repository", ["sagemaker-xgboost", "linear-learner", "xgboost"])
def test_a_sagemaker_algorithm_image_is_refused_at_its_line(repository):
    uri = f"683313688378.dkr.ecr.us-east-1.amazonaws.com/{repository}:1.7-1"
    blueprint = sample().with_(image=BuiltInImage(uri=uri))  # this line is where it points
    with pytest.raises(BlueprintError) as raised:
        compile_blueprint(blueprint)
    [problem] = raised.value.problems
    assert problem.code == "MLD123" and problem.field == "BuiltInImage.uri"
    assert problem.location.file == __file__
    assert f"SageMaker's built-in {repository!r} algorithm" in problem.message
    assert "docs/contract.md" in problem.message


# -- names that never collide --------------------------------------------------------------------

def _explicit_names(value, key: str = "") -> set[str]:
    """Every literal string a template (or a workflow's Parameters) gives a property named
    ``...Name`` or ``Name``; a Glue job's Command.Name is its kind, not a name."""
    found = set()
    if isinstance(value, dict):
        for inner_key, inner in value.items():
            if inner_key not in ("Command", "Dimensions"):  # a Glue job's kind; a metric's keys
                found |= _explicit_names(inner, inner_key)
    elif isinstance(value, list):
        for inner in value:
            found |= _explicit_names(inner, key)
    elif isinstance(value, str) and key.endswith("Name") and key not in ("PolicyName", "MetricName"):
        found.add(value.lower())
    return found


def _called_names(definition: dict) -> set[str]:
    """The literal resource names the workflow's Tasks call (``JobName``, ``Name``,
    ``EndpointName``: top-level parameters; references to the stack's own resources excluded)."""
    return {value.lower() for state in definition["States"].values() if state["Type"] == "Task"
            for key, value in state.get("Parameters", {}).items()
            if key.endswith("Name") and isinstance(value, str) and "${" not in value}


def _job_name_handler():
    spec = importlib.util.spec_from_file_location("_job_name", ROOT / "lambdas" / "job_name.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.job_name


@pytest.mark.parametrize("path", sample_blueprints(), ids=lambda p: p.stem)
def test_two_stacks_with_different_prefixes_share_no_physical_name(path):
    from mlops_dsl.loader import load_blueprint

    name, blueprint = load_blueprint(path)
    stacks = [compile_blueprint(blueprint.with_(name_prefix=prefix), name=name)
              for prefix in ("team-a", "team-b")]
    names = [_explicit_names(c.template["Resources"]) | _called_names(c.definition) for c in stacks]
    shared = names[0] & names[1]
    public = {blueprint.deployment.name.lower()} if stacks[0].pipeline.is_endpoint else set()
    if blueprint.model_registry:
        public.add(blueprint.model_registry.group_name.lower())
    assert shared == public, "only the endpoint's and the model group's names (the user's " \
                             "public contracts) are shared"
    # What a run of stack B names its SageMaker jobs, models and configs is outside every IAM
    # pattern of stack A, and the other way round.
    job_name = _job_name_handler()
    now = datetime(2026, 12, 2, 5, 34, tzinfo=timezone.utc)
    for own, other in ((stacks[0], stacks[1]), (stacks[1], stacks[0])):
        run_name = job_name({"prefix": other.pipeline.names.sagemaker_names, "execution": "x"},
                            now=now)["JobName"].lower()
        assert fnmatch.fnmatchcase(run_name, own.pipeline.names.sagemaker_prefix + "*") is False
        assert fnmatch.fnmatchcase(run_name, other.pipeline.names.sagemaker_prefix + "*")
        patterns = [resource for action, resource in _grants(own.template, "StepFunctionsRole")
                    if action.startswith("sagemaker:") and resource.endswith("*")]
        assert patterns
        for pattern in patterns:
            tail = pattern.split("/", 1)[1]
            assert not fnmatch.fnmatchcase(run_name, tail), (pattern, run_name)


def test_compile_all_warns_when_two_blueprints_still_share_a_name(tmp_path, cli):
    module = tmp_path / "two.py"
    module.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / 'blueprints')!r})\n"
        "from attrition_endpoint import attrition_endpoint\n"
        "a = attrition_endpoint.with_(name='a', name_prefix='team-a')\n"
        "b = attrition_endpoint.with_(name='b', name_prefix='team-b')\n")
    code, out, err = cli("compile", module, "--all", "-o", tmp_path / "build")
    assert code == 0, err
    assert ("warning: blueprints a, b share the SageMaker endpoint name 'attrition-endpoint'"
            in err)
    assert err.count("warning:") == 1  # nothing else is shared


# -- teardown and updates --------------------------------------------------------------------------

def test_the_image_repository_can_be_deleted_with_its_images():
    resource = compile_file(ROOT / "blueprints" / "attrition.py").template["Resources"][
        "ModelRepository"]
    assert resource["Properties"]["EmptyOnDelete"] is True


def test_a_changed_name_is_a_replacement_with_what_it_loses():
    from mlops_dsl.deploy.replacements import replaced_names

    before = compile_file(ROOT / "blueprints" / "attrition.py")
    after = compile_blueprint(before.blueprint.with_(
        image=before.blueprint.image.with_(name="other"),
        transform=before.blueprint.transform.with_(job_name="prepare")))
    found = {r.logical_id: r for r in replaced_names(before.template, after.template)}
    assert set(found) == {"ModelRepository", "TransformJob"}
    assert found["ModelRepository"].line() == (
        "warning: ModelRepository (AWS::ECR::Repository) will be replaced: its name changes from "
        "attrition-byo-xgboost to attrition-other; its images are deleted with it (EmptyOnDelete): "
        "push the image again")
    assert replaced_names(before.template, before.template) == []
    assert replaced_names(None, after.template) == []


# -- retries that help --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def workflows() -> dict[str, dict]:
    return {p.stem: compile_file(p).definition for p in sample_blueprints()}


def test_no_job_is_resubmitted_after_its_own_failure(workflows):
    """A .sync task fails with States.TaskFailed when its job fails; a retry would resubmit the
    same job name (and fail on it), hiding the job's own FailureReason."""
    for definition in workflows.values():
        for name, state in definition["States"].items():
            for retrier in state.get("Retry", ()):
                assert not {"States.ALL", "States.TaskFailed"} & set(retrier["ErrorEquals"]), name


def test_error_names_are_the_ones_each_kind_of_integration_reports(workflows):
    for definition in workflows.values():
        for name, state in definition["States"].items():
            if state["Type"] != "Task":
                continue
            api = state["Resource"].split(":::", 1)[1]
            service = {"sagemaker": "SageMaker", "glue": "Glue", "s3": "S3", "lambda": "Lambda",
                       "sns": "SNS", "cloudwatch": "CloudWatch"}
            sdk = api.startswith("aws-sdk:")
            label = service[api.split(":")[1 if sdk else 0]]
            errors = [e for r in state.get("Retry", ()) for e in r["ErrorEquals"]]
            assert errors, name
            for error in errors:
                assert error.startswith(label + ".") and error.endswith("Exception"), (name, error)
                if sdk:  # SDK integrations name unmodelled errors <Service>.<Service>Exception
                    assert error not in ("SageMaker.AmazonSageMakerException",
                                         "Glue.AWSGlueException"), (name, error)
                else:
                    assert error not in ("SageMaker.SageMakerException", "Glue.GlueException")


def test_a_busy_glue_job_and_a_full_account_are_waited_for(workflows):
    states = workflows["attrition"]["States"]
    for name, error in (("Transform data", "Glue.ConcurrentRunsExceededException"),
                        ("Tune model", "SageMaker.ResourceLimitExceededException"),
                        ("Batch transform", "SageMaker.ResourceLimitExceededException")):
        [retrier] = [r for r in states[name]["Retry"] if error in r["ErrorEquals"]]
        assert retrier["IntervalSeconds"] >= 60 and retrier["MaxDelaySeconds"] >= 600
        assert retrier["JitterStrategy"] == "FULL"
        budget = sum(min(retrier["IntervalSeconds"] * retrier["BackoffRate"] ** attempt,
                         retrier["MaxDelaySeconds"]) for attempt in range(retrier["MaxAttempts"]))
        assert budget >= 3600, f"{name} waits {budget:.0f} s at most; a Glue run can take longer"


# -- train on what was uploaded --------------------------------------------------------------------

def _first_states_run(definition: dict, execution_input: dict) -> dict:
    """Run the states up to the Glue job in moto's Step Functions interpreter (the Glue job
    replaced by a Pass that returns its Arguments) and return the job's arguments."""
    import time

    import boto3
    from moto import mock_aws

    states = dict(definition["States"])
    transform = states["Transform data"]
    states["Transform data"] = {"Type": "Pass", "Parameters": transform["Parameters"]["Arguments"],
                                "End": True}
    machine = {"StartAt": definition["StartAt"], "States": {
        name: state for name, state in states.items()
        if name in ("Find training data", "Train on the uploaded object",
                    "Train on the compiled key", "Transform data")}}
    text = json.dumps(machine).replace("${FeatureStoreBucket}", "features").replace(
        "${ExtractsBucket}", "extracts")
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        arn = sfn.create_state_machine(name="first", definition=text,
                                       roleArn="arn:aws:iam::123456789012:role/r")["stateMachineArn"]
        run = sfn.start_execution(stateMachineArn=arn, input=json.dumps(execution_input))
        for _ in range(200):
            described = sfn.describe_execution(executionArn=run["executionArn"])
            if described["status"] != "RUNNING":
                break
            time.sleep(0.05)
    assert described["status"] == "SUCCEEDED", described
    return json.loads(described["output"])


def test_a_run_trains_on_the_object_whose_upload_started_it():
    definition = compile_file(ROOT / "blueprints" / "attrition.py").definition
    # S3's "Object Created" event, as EventBridge gives it to the state machine
    event = {"source": "aws.s3", "detail-type": "Object Created", "detail": {
        "bucket": {"name": "features"}, "object": {"key": "data/train/2026-12-02.csv", "size": 9}}}
    assert _first_states_run(definition, event)["--TRAIN_KEY"] == "data/train/2026-12-02.csv"
    # started by hand (no event): the compiled key
    assert _first_states_run(definition, {})["--TRAIN_KEY"] == "data/train/train.csv"


# -- endpoints ------------------------------------------------------------------------------------

def _paths(states: dict, start: str, stop: set[str]):
    """Every path of state names from ``start`` to a terminal state or to one in ``stop``."""
    from mlops_dsl.asl.transitions import transitions

    stack = [[start]]
    while stack:
        path = stack.pop()
        targets = [t.target for t in transitions(states[path[-1]])]
        if not targets or path[-1] in stop:
            yield path
            continue
        for target in targets:
            if target not in path:
                stack.append([*path, target])


def test_the_run_ends_only_when_the_new_model_serves():
    states = compile_file(ROOT / "blueprints" / "attrition_endpoint.py").definition["States"]
    [served] = [name for name, state in states.items() if state["Type"] == "Succeed"]
    for start in ("Create endpoint", "Update endpoint"):
        for path in _paths(states, start, set()):
            assert "Describe endpoint" in path, path
    choice = states["Endpoint in service?"]
    [rule] = [r for r in choice["Choices"] if r.get("Next") == served]
    assert {"StringEquals": "InService", "Variable": "$.endpoint_state.EndpointStatus"} in rule["And"]
    assert {"StringEqualsPath": "$.names.JobName",
            "Variable": "$.endpoint_state.EndpointConfigName"} in rule["And"]
    failed = {r["Next"] for r in choice["Choices"] if r.get("Next") != served}
    assert {states[name]["Type"] for name in failed - {"Endpoint not in service in time"}} == {"Fail"}
    # a failed endpoint is reported, with what to do; a busy one is waited for
    unusable = states["Endpoint cannot be updated"]
    assert unusable["Type"] == "Fail" and "delete-endpoint" in unusable["Cause"]
    assert states["Create or update endpoint"]["Default"] == "Wait for busy endpoint"


def test_the_state_machine_may_describe_its_endpoint():
    template = compile_file(ROOT / "blueprints" / "attrition_endpoint.py").template
    assert ("sagemaker:DescribeEndpoint", "arn:${AWS::Partition}:sagemaker:${AWS::Region}:"
            "${AWS::AccountId}:endpoint/attrition-endpoint") in _grants(template, "StepFunctionsRole")


# -- VPC and Spark ----------------------------------------------------------------------------------

def test_the_training_security_group_lets_its_members_talk():
    resources = compile_file(ROOT / "blueprints" / "attrition_endpoint.py").template["Resources"]
    itself = {"Fn::GetAtt": ["TrainingSecurityGroup", "GroupId"]}
    ingress = [r["Properties"] for r in resources.values()
               if r["Type"] == "AWS::EC2::SecurityGroupIngress"]
    egress = [r["Properties"] for r in resources.values()
              if r["Type"] == "AWS::EC2::SecurityGroupEgress"]
    assert ingress == [{"Description": "Between the instances of one job", "GroupId": itself,
                        "IpProtocol": "-1", "SourceSecurityGroupId": itself}]
    assert egress == [{"Description": "Between the instances of one job", "GroupId": itself,
                       "IpProtocol": "-1", "DestinationSecurityGroupId": itself}]


def test_spark_jobs_install_the_wheels_with_pip(tmp_path):
    wheel = write_wheel(tmp_path / "helpers-0.1-py3-none-any.whl")
    base = sample()
    for spark, option in ((True, "--additional-python-modules"), (False, "--extra-py-files")):
        blueprint = base.with_(transform=GlueTransform(script=str(ROOT / "glue" / "transform.py"),
                                                       wheels=(str(wheel),), spark=spark))
        arguments = compile_blueprint(blueprint).template["Resources"]["TransformJob"][
            "Properties"]["DefaultArguments"]
        other = {"--additional-python-modules", "--extra-py-files"} - {option}
        assert option in arguments and not other & set(arguments)
        assert arguments[option]["Fn::Sub"].endswith("/helpers-0.1-py3-none-any.whl")

"""One test per error code of mlops_dsl.validate.dataflow, each asserting its message."""
from __future__ import annotations

from helpers import ROOT, sample_blueprints
from runtime_helpers import load
from mlops_dsl.compiler import compile_file
from mlops_dsl.emit import names as n
from mlops_dsl.validate.dataflow import HANDLER_OUTPUTS, check_dataflow

ARN = "arn:${AWS::Partition}:states:::"


def _messages(definition) -> list[str]:
    return [str(p) for p in check_dataflow(definition, "statemachine.asl.json")]


def _chain(*states) -> dict:
    names = [name for name, _ in states]
    out = {}
    for index, (name, state) in enumerate(states):
        state = dict(state)
        if state["Type"] not in ("Choice", "Succeed", "Fail"):
            if index + 1 < len(names):
                state["Next"] = names[index + 1]
            else:
                state["End"] = True
        out[name] = state
    return {"StartAt": names[0], "States": out}


JOB_NAME = ("Name", {"Type": "Task", "Resource": ARN + "lambda:invoke",
                     "Parameters": {"FunctionName": "${JobNameFunction.Arn}", "Payload": {}},
                     "ResultPath": "$.names", "ResultSelector": {"JobName.$": "$.Payload.JobName"}})


def test_every_sample_passes():
    for path in sample_blueprints():  # the JSON config too
        assert _messages(compile_file(path).definition) == [], path.name


def test_read_not_produced_MLD320():
    assert _messages(_chain(("Use", {"Type": "Pass", "Parameters": {"x.$": "$.names.JobName"}}))) == [
        "statemachine.asl.json#/States/Use/Parameters/x.$: Use: Parameters.x.$ reads "
        "'$.names.JobName', but no earlier state produces '$.names' (its input is the execution "
        "input, which this workflow does not read) [MLD320]"]
    assert _messages(_chain(JOB_NAME, ("Use", {"Type": "Choice", "Choices": [
        {"Variable": "$.names.Job", "StringEquals": "x", "Next": "End"}], "Default": "End"}),
        ("End", {"Type": "Succeed"}))) == [
        "statemachine.asl.json#/States/Use/Choices/0/Variable: Use: Choices.0.Variable reads "
        "'$.names.Job', but '$.names' (the result of 'Name') has no 'Job' (it has: JobName) [MLD320]"]


def test_only_what_every_path_produces_counts_MLD320():
    definition = {"StartAt": "Pick", "States": {
        "Pick": {"Type": "Choice", "Choices": [{"Variable": "$$.Execution.Name",
                                                "StringEquals": "a", "Next": "Set"}],
                 "Default": "Join"},
        "Set": {"Type": "Pass", "Result": "v", "ResultPath": "$.value", "Next": "Join"},
        "Join": {"Type": "Pass", "Parameters": {"v.$": "$.value"}, "End": True}}}
    assert _messages(definition) == [
        "statemachine.asl.json#/States/Join/Parameters/v.$: Join: Parameters.v.$ reads '$.value', "
        "but no earlier state produces '$.value' (its input is the execution input, which this "
        "workflow does not read) [MLD320]"]


def test_result_read_MLD321():
    state = {"Type": "Task", "Resource": ARN + "aws-sdk:sagemaker:describeTrainingJob",
             "Parameters": {"TrainingJobName": "j"}, "ResultPath": "$.best",
             "ResultSelector": {"Artifact.$": "$.ModelArtifacts.S3Artifacts"}}
    assert _messages(_chain(("Describe", state))) == [
        "statemachine.asl.json#/States/Describe/ResultSelector/Artifact.$: Describe: "
        "ResultSelector.Artifact.$ reads '$.ModelArtifacts.S3Artifacts' from the SageMaker "
        "DescribeTrainingJob result, which has no 'S3Artifacts' (it has: S3ModelArtifacts) [MLD321]"]


def test_sync_results_are_the_describe_response_MLD321():
    state = {"Type": "Task", "Resource": ARN + "glue:startJobRun.sync",
             "Parameters": {"JobName": "j"}, "ResultSelector": {"Id.$": "$.JobRunId"}}
    [message] = _messages(_chain(("Glue", state)))
    assert message.startswith(
        "statemachine.asl.json#/States/Glue/ResultSelector/Id.$: Glue: ResultSelector.Id.$ reads "
        "'$.JobRunId' from the Glue GetJobRun result, which has no 'JobRunId' (it has: ")
    assert message.endswith("[MLD321]")


def test_context_paths_MLD322():
    assert _messages(_chain(("Use", {"Type": "Pass", "Parameters": {"x.$": "$$.Execution.Nam"}}))) == [
        "statemachine.asl.json#/States/Use/Parameters/x.$: Use: Parameters.x.$ reads "
        "'$$.Execution.Nam': the context object has no 'Execution.Nam' (it has: Id, Input, Name, "
        "RedriveCount, RedriveTime, RoleArn, StartTime) [MLD322]"]


def test_intrinsic_arguments_and_catch_outputs_are_followed():
    definition = _chain(
        JOB_NAME,
        ("Key", {"Type": "Pass", "Parameters": {"k.$": "States.Format('a/{}', $.names.JobName)"},
                 "ResultPath": "$.key"}),
        ("Try", {"Type": "Task", "Resource": ARN + "aws-sdk:glue:startCrawler",
                 "Parameters": {"Name": "c"}, "ResultPath": None,
                 "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}]}),
        ("Done", {"Type": "Succeed"}))
    definition["States"]["Caught"] = {"Type": "Pass", "Parameters": {"e.$": "$.error.Cause",
                                                                     "k.$": "$.key.k"}, "End": True}
    assert _messages(definition) == []
    definition["States"]["Key"]["Parameters"]["k.$"] = "States.Format('a/{}', $.names.Job)"
    assert [m.split(": ")[1] for m in _messages(definition)] == ["Key"]


def _handler(name):
    return load(ROOT / "lambdas" / f"{name}.py", f"handler_{name}")


def test_handler_outputs_are_what_the_handlers_return():
    job = _handler("job_name").job_name({"prefix": "attrition", "execution": "e"})
    assert set(job) == set(HANDLER_OUTPUTS[n.JOB_NAME_FUNCTION])

    class Client:
        def describe_endpoint(self, EndpointName):
            return {"EndpointStatus": "InService"}

    exists = _handler("endpoint_exists").describe("e", client=Client())
    assert set(exists) == set(HANDLER_OUTPUTS[n.ENDPOINT_CHECK_FUNCTION])

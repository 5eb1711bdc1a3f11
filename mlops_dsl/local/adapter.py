"""The one place that extends moto's embedded Step Functions interpreter (a port of LocalStack's).

moto executes a state machine's Task states by calling AWS (itself, in-process) through boto3. Some
of our integrations have no useful moto counterpart: ``glue:startJobRun.sync`` must run the real
Glue script, ``sagemaker:createHyperParameterTuningJob.sync`` the real training program, and so
on. ``routed(routes)`` makes the interpreter send the Task states whose integration is in
``routes`` to a Python callable instead; every other Task keeps moto's own implementation (for
example ``aws-sdk:s3:putObject`` against moto's in-process S3).

A route key is the integration as written in the Resource ARN after ``states:::``, e.g.
``glue:startJobRun.sync``, ``lambda:invoke`` or ``aws-sdk:sagemaker:describeTrainingJob``. A route
is ``callable(parameters: dict, state_name: str) -> dict``: it gets the state's evaluated
Parameters and returns the service's response, which then goes through ResultSelector, ResultPath
and OutputPath like any other. Raising ``TaskFailed(error, cause)`` fails the state with that error
name and cause, so Retry and Catch match it as they would in AWS.

A ``.waitForTaskToken`` route (e.g. ``sns:publish.waitForTaskToken``) is called with a third
argument, the task token (``$$.Task.Token``, made by the interpreter as in AWS), and must see that
the token is answered (SendTaskSuccess or SendTaskFailure against moto's Step Functions) before it
returns: the interpreter then waits for that answer exactly as for a cloud callback, so a failure
answer goes through Catch like any other.

One fidelity fix rides along: moto puts ``$$.Execution.StartTime`` in the context object as a
datetime, where AWS (and moto's own type hint) has ISO 8601 text; ``States.JsonToString`` of a
payload holding it then fails. ``routed`` converts it when an execution starts. And moto's SendTaskFailure handler drops the
``cause`` it is sent (moto/stepfunctions/responses.py passes only ``error`` on), so a rejection's
reason would be lost; ``routed`` passes it on.

And one saving: moto parses a definition with its ANTLR grammar twice, to validate it in
CreateStateMachine and again when an execution starts (~0.15 s each for the sample's); within
``routed`` the validation's parse, unused otherwise, is handed to the next execution of that
definition (once: a later execution parses afresh, as the components keep per-run state).

How: moto's ASL preprocessor picks the Task implementation with the module-level function
``state_task_for(resource)`` (moto/stepfunctions/parser/asl/parse/preprocessor.py); we swap that
name (and ``ExecutionWorker._get_evaluation_environment``) for the time of the ``with`` block. Checked against moto 5.2.5 (pin ``moto[server]==5.2.5``):
``tests/local/test_adapter.py`` fails loudly if that hook moves.
"""
from __future__ import annotations

import contextlib
import importlib.util
import sys
import threading
import types
from datetime import datetime, timezone
from typing import Callable


def _import_batch_utils_alone() -> None:
    """Import ``moto.batch.utils`` without running ``moto/batch/__init__.py``.

    moto's Task factory imports its Batch integration, which needs one enum from
    ``moto.batch.utils``; importing that module runs the package's ``__init__``, which loads
    moto's Batch backend and with it EC2's region, availability-zone and instance-type tables:
    about 0.9 s of a 5 s local run, for a service no pipeline of ours calls. The package is
    stood in for by an empty one (same path, so its submodules load from moto's own files)
    while ``utils`` loads, then taken out again, so a later ``import moto.batch`` (a moto mock
    of Batch) runs the real ``__init__``. Nothing is changed when Batch is already loaded.
    """
    if "moto.batch" in sys.modules or "moto.batch.utils" in sys.modules:
        return
    spec = importlib.util.find_spec("moto.batch")
    if spec is None or not spec.submodule_search_locations:
        return  # an unexpected moto layout: let the normal imports fail or succeed as they will
    placeholder = types.ModuleType("moto.batch")
    placeholder.__path__ = list(spec.submodule_search_locations)
    placeholder.__spec__ = spec
    placeholder.__package__ = "moto.batch"
    sys.modules["moto.batch"] = placeholder
    try:
        importlib.import_module("moto.batch.utils")
    finally:
        del sys.modules["moto.batch"]
        import moto

        if getattr(moto, "batch", None) is placeholder:
            delattr(moto, "batch")


_import_batch_utils_alone()

from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import (
    CustomErrorName)
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
    StatesErrorName)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import (
    ResourceCondition)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
    StateTaskService)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
    StateTaskServiceCallback)
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.parse import preprocessor
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
from moto.stepfunctions.responses import StepFunctionResponse

from .context import TaskFailed  # noqa: F401 - routes raise it; re-exported here

Route = Callable[[dict, str], dict]


def integration_of(resource) -> str:
    """``glue:startJobRun.sync`` / ``aws-sdk:s3:putObject`` for a moto ServiceResource."""
    if resource.service_name == "aws-sdk":
        name = f"aws-sdk:{resource.api_name}:{resource.api_action}"
    else:
        name = f"{resource.service_name}:{resource.api_action}"
    return f"{name}.{resource.condition}" if resource.condition else name


class _Routed:
    """What both routed Task kinds share: no parameter check, our resource name, our errors."""

    route: Route

    def _validate_service_integration_is_supported(self):
        pass  # any parameters: the route checks what it needs

    def _get_sfn_resource(self) -> str:
        return integration_of(self.resource)

    def _from_error(self, env, ex: Exception) -> FailureEvent:
        if not isinstance(ex, TaskFailed):
            return super()._from_error(env=env, ex=ex)
        # States.* names (States.TaskFailed, ...) are the interpreter's own; others are custom.
        if ex.error.startswith("States."):
            error_name = StatesErrorName.from_name(ex.error)
        else:
            error_name = CustomErrorName(ex.error)
        return FailureEvent(
            env=env, error_name=error_name, event_type=HistoryEventType.TaskFailed,
            event_details=EventDetails(taskFailedEventDetails=TaskFailedEventDetails(
                error=ex.error, cause=ex.cause, resource=self._get_sfn_resource(),
                resourceType=self._get_sfn_resource_type())))


class _RoutedTask(_Routed, StateTaskService):
    """A Task state whose work is done by a Python callable instead of an AWS API call."""

    def _eval_service_task(self, env, resource_runtime_part, normalised_parameters,
                           state_credentials):
        env.stack.append(self.route(normalised_parameters, self.name) or {})


class _RoutedCallbackTask(_Routed, StateTaskServiceCallback):
    """A ``.waitForTaskToken`` Task: the interpreter makes the token and waits for its answer;
    the route gets the token and has it answered."""

    def __init__(self):
        super().__init__(supported_integration_patterns={ResourceCondition.WaitForTaskToken})

    def _eval_service_task(self, env, resource_runtime_part, normalised_parameters,
                           state_credentials):
        token = env.states.context_object.context_object_data["Task"]["Token"]
        env.stack.append(self.route(normalised_parameters, self.name, token) or {})


_lock = threading.Lock()


def iso_time(value) -> str:
    """AWS's context-object time format: ``2024-06-01T12:00:00.123Z``."""
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _with_text_start_time(original):
    def environment(worker):
        env = original(worker)
        execution = env.states.context_object.context_object_data["Execution"]
        if isinstance(execution.get("StartTime"), datetime):
            execution["StartTime"] = iso_time(execution["StartTime"])
        return env
    return environment


def _send_task_failure_with_cause(response):
    from moto.core.responses import EmptyResult

    response.stepfunction_backend.send_task_failure(
        response._get_param("taskToken"), error=response._get_param("error"),
        cause=response._get_param("cause"))
    return EmptyResult()


def _parsed_once(original):
    """``AmazonStateLanguageParser.parse`` that keeps each parse it makes for the next call with
    the same definition (then forgets it): CreateStateMachine's validation parses, the execution
    that follows gets that parse instead of making its own."""
    kept: dict[str, tuple] = {}
    lock = threading.Lock()

    def parse(definition: str):
        with lock:
            result = kept.pop(definition, None)
        if result is None:
            result = original(definition)
            with lock:
                kept[definition] = result
        return result

    return staticmethod(parse)


@contextlib.contextmanager
def routed(routes: dict[str, Route]):
    """Within the block, state machines parsed by moto send the integrations in ``routes`` to
    their callables. Not re-entrant: one routed block at a time per process."""
    original = preprocessor.state_task_for
    original_environment = getattr(ExecutionWorker, "_get_evaluation_environment", None)
    if not callable(original) or not callable(original_environment):
        raise RuntimeError("moto's ASL preprocessor no longer exposes state_task_for; "
                           "mlops_dsl's local runner needs moto[server]==5.2.5")

    def state_task_for(resource):
        route = routes.get(integration_of(resource)) if hasattr(resource, "api_action") else None
        if route is None:
            return original(resource)
        waits = getattr(resource, "condition", None) == ResourceCondition.WaitForTaskToken
        task = _RoutedCallbackTask() if waits else _RoutedTask()
        task.route = route
        return task

    if not _lock.acquire(blocking=False):
        raise RuntimeError("another local run is already routing this process's interpreter")
    original_failure = StepFunctionResponse.send_task_failure
    original_parse = AmazonStateLanguageParser.__dict__["parse"]
    preprocessor.state_task_for = state_task_for
    ExecutionWorker._get_evaluation_environment = _with_text_start_time(original_environment)
    StepFunctionResponse.send_task_failure = _send_task_failure_with_cause
    AmazonStateLanguageParser.parse = _parsed_once(original_parse.__func__)
    try:
        yield
    finally:
        preprocessor.state_task_for = original
        ExecutionWorker._get_evaluation_environment = original_environment
        StepFunctionResponse.send_task_failure = original_failure
        AmazonStateLanguageParser.parse = original_parse
        _lock.release()

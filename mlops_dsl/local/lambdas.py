"""``lambda:invoke`` locally: call the handler in ``lambdas/`` in this process.

The response has the Lambda integration's shape (``Payload``, ``StatusCode``, ...). A handler that
raises fails the state the way Lambda does: the error is the exception's class name and the cause
the JSON ``{errorMessage, errorType, stackTrace}``.
"""
from __future__ import annotations

import importlib.util
import json
import traceback
from pathlib import Path

from ..emit.handlers import handlers_dir
from ..emit.tasks import awslambda as tasks
from .context import Fake, RunContext, TaskFailed


def load_handler(folder: Path, module: str):
    """The ``handler`` function of ``folder/module.py``, loaded under a private module name."""
    path = Path(folder) / f"{module}.py"
    spec = importlib.util.spec_from_file_location(f"_mlops_local_lambda_{module}", path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded.handler


class LocalLambdas(Fake):
    """Routes ``lambda:invoke`` to the handlers; ``functions`` maps function ARNs to module names."""

    ROUTES = {tasks.Invoke.API: "invoke"}

    def __init__(self, context: RunContext):
        self.folder = handlers_dir()
        self.functions = context.names.functions()
        self.reporter = context.reporter
        self._handlers = {}

    def invoke(self, parameters: dict, state: str) -> dict:
        arn = parameters.get("FunctionName")
        module = self.functions.get(arn)
        if module is None:
            raise TaskFailed("Lambda.ResourceNotFoundException",
                             f"Function not found: {arn} (known: {', '.join(self.functions)})")
        payload = parameters.get("Payload")
        if isinstance(payload, str):
            payload = json.loads(payload or "null")
        if module not in self._handlers:
            self._handlers[module] = load_handler(self.folder, module)
        try:
            result = self._handlers[module](payload, None)
        except Exception as error:  # noqa: BLE001 - reported as the function's error, like Lambda
            cause = {"errorMessage": str(error), "errorType": type(error).__name__,
                     "stackTrace": traceback.format_tb(error.__traceback__)}
            raise TaskFailed(type(error).__name__, json.dumps(cause)) from None
        self.reporter.say(f"{module}: {json.dumps(result, sort_keys=True)}", indent=1)
        return {"ExecutedVersion": "$LATEST", "Payload": result, "StatusCode": 200,
                "SdkHttpMetadata": {"HttpStatusCode": 200}}

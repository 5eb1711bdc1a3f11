"""The SageMaker calls of the workflow, locally: models, batch transform, endpoints.

``createModel`` and ``createEndpointConfig`` are recorded. A transform job unpacks the model's
artifact, starts the image's ``serve`` program and sends each input object to ``/invocations``
(SplitType None: the whole object in one request), writing ``<S3OutputPath>/<name>.out`` as the
cloud job does. ``createEndpoint``/``updateEndpoint`` start the server and keep it running.
Training jobs (run by the tuner) are described from ``jobs``.
"""
from __future__ import annotations

import json
import socket
import time
from pathlib import Path

from ..emit.tasks import sagemaker as tasks
from .context import Fake, RunContext, TaskFailed
from .fake import now
from .serving import Server, ServerError, unpack_model
from .stores import split_uri

ENDPOINT_PORT = 8080  # SageMaker's serving port; another free port when it is taken


class LocalSageMaker(Fake):
    """Models, transform jobs and endpoints of one local run."""

    ROUTES = {tasks.DescribeTrainingJob.API: "describe_training_job",
              tasks.CreateModel.API: "create_model",
              tasks.CreateTransformJobSync.API: "create_transform_job_sync",
              tasks.StopTransformJob.API: "stop_transform_job",
              tasks.CreateEndpointConfig.API: "create_endpoint_config",
              tasks.CreateEndpoint.API: "create_endpoint",
              tasks.UpdateEndpoint.API: "update_endpoint",
              tasks.UpdateEndpointSdk.API: "update_endpoint",
              tasks.DescribeEndpoint.API: "describe_endpoint"}

    def __init__(self, context: RunContext):
        self.context = context
        self.program = Path(context.program)
        self.children = context.children
        self.stores = context.stores
        self.workdir = context.work / "sagemaker"
        self.reporter = context.reporter
        self.jobs = context.jobs
        self.models: dict[str, dict] = {}
        self.endpoint_configs: dict[str, dict] = {}
        self.transforms: dict[str, dict] = {}
        self.endpoints: dict[str, Server] = {}
        self.endpoint_config_of: dict[str, str] = {}  # endpoint -> the config it serves

    def records(self) -> dict:
        """What this run created that later states look up (a resumed run restores it)."""
        return {"models": dict(self.models), "endpoint_configs": dict(self.endpoint_configs)}

    def restore(self, records: dict) -> None:
        self.models.update(records.get("models") or {})
        self.endpoint_configs.update(records.get("endpoint_configs") or {})

    def arn(self, kind: str, name: str) -> str:
        return self.context.arn("sagemaker", f"{kind}/{name.lower()}")

    def describe_training_job(self, parameters: dict, state: str) -> dict:
        job = self.jobs.get(parameters.get("TrainingJobName"))
        if job is None:
            raise TaskFailed("SageMaker.ValidationException",
                             f"Requested resource not found: training job "
                             f"{parameters.get('TrainingJobName')}")
        return job.describe(self.context)

    def create_model(self, parameters: dict, state: str) -> dict:
        name = parameters["ModelName"]
        self.models[name] = parameters
        data = parameters.get("PrimaryContainer", {}).get("ModelDataUrl")
        self.reporter.say(f"model {name}: {data}", indent=1)
        return {"ModelArn": self.arn("model", name)}

    def _serve_model(self, model_name: str, folder: Path, port: int | None = None) -> Server:
        model = self.models.get(model_name)
        if model is None:
            raise TaskFailed("SageMaker.ValidationException", f"Could not find model {model_name}")
        bucket, key = split_uri(model["PrimaryContainer"]["ModelDataUrl"])
        folder.mkdir(parents=True, exist_ok=True)
        archive = folder / "model.tar.gz"
        archive.write_bytes(self.stores.get_bytes(bucket, key))
        return Server(self.program, unpack_model(archive, folder), self.children,
                      self.context.environment, self.context.env, port=port).start()

    def create_transform_job_sync(self, parameters: dict, state: str) -> dict:
        name = parameters["TransformJobName"]
        source = parameters["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"]
        output = parameters["TransformOutput"]["S3OutputPath"].rstrip("/")
        content_type = parameters["TransformInput"].get("ContentType", "text/csv")
        folder = self.workdir / name
        began, created = time.monotonic(), now()
        answer = {"TransformJobName": name, "TransformJobArn": self.arn("transform-job", name),
                  "ModelName": parameters["ModelName"], "CreationTime": created,
                  "TransformInput": parameters["TransformInput"],
                  "TransformOutput": parameters["TransformOutput"],
                  "TransformResources": parameters.get("TransformResources", {})}
        server = None
        try:
            inputs = self.stores.download_prefix(source, folder / "input")
            if not inputs:
                raise ServerError(f"no input object under {source}")
            server = self._serve_model(parameters["ModelName"], folder)
            out_bucket, out_prefix = split_uri(output + "/")
            rows = 0
            bound = self.context.pipeline.limits.transform_timeout_seconds
            for path in inputs:
                status, body = self._invoke(server, path.read_bytes(), content_type, bound,
                                            began)
                if status != 200:
                    raise ServerError(f"{path.name}: /invocations answered {status}: "
                                      f"{body.decode(errors='replace').strip()[:500]}")
                key = f"{out_prefix}{path.relative_to(folder / 'input').as_posix()}.out"
                self.stores.s3.put_object(Bucket=out_bucket, Key=key, Body=body)
                rows += max(0, body.count(b"\n") - 1)
                self.reporter.say(f"transform {path.name}: {rows} rows -> s3://{out_bucket}/{key}",
                                  indent=1)
        except ServerError as error:
            answer.update(TransformJobStatus="Failed", FailureReason=str(error)[:1024])
            raise TaskFailed("States.TaskFailed", json.dumps(answer)) from None
        finally:
            if server is not None:
                server.stop(wait=False)  # its work is done: the workflow goes on meanwhile
        seconds = time.monotonic() - began
        self.reporter.record("batch transform", seconds)
        self.transforms[name] = {"output": output, "rows": rows, "seconds": seconds}
        answer.update(TransformJobStatus="Completed", TransformStartTime=created,
                      TransformEndTime=now())
        return answer

    @staticmethod
    def _invoke(server, body: bytes, content_type: str, bound: int | None, began: float):
        """One /invocations request, within what is left of the transform's bound (the Task's
        TimeoutSeconds in AWS): past it the state fails States.Timeout, as the Task would."""
        left = 600.0 if bound is None else bound - (time.monotonic() - began)
        try:
            if left <= 0:
                raise TimeoutError
            return server.request("POST", "/invocations", body, content_type,
                                  timeout=min(600.0, left))
        except (TimeoutError, socket.timeout):
            if bound is None:
                raise ServerError("/invocations did not answer within 600 seconds") from None
            raise TaskFailed("States.Timeout", f"the batch transform ran longer than {bound} "
                                               "seconds (max_runtime_minutes)") from None

    def stop_transform_job(self, parameters: dict, state: str) -> dict:
        """StopTransformJob: a local transform has stopped by the time its Task timed out."""
        name = parameters["TransformJobName"]
        self.transforms.setdefault(name, {})["stopped"] = True
        self.reporter.say(f"transform job {name} stopped", indent=1)
        return {}

    def create_endpoint_config(self, parameters: dict, state: str) -> dict:
        name = parameters["EndpointConfigName"]
        self.endpoint_configs[name] = parameters
        return {"EndpointConfigArn": self.arn("endpoint-config", name)}

    def create_endpoint(self, parameters: dict, state: str) -> dict:
        name, config_name = parameters["EndpointName"], parameters["EndpointConfigName"]
        config = self.endpoint_configs.get(config_name)
        if config is None:
            raise TaskFailed("SageMaker.ValidationException",
                             f"Could not find endpoint configuration {config_name}")
        model = config["ProductionVariants"][0]["ModelName"]
        previous = self.endpoints.pop(name, None)
        if previous is not None:
            previous.stop()
        try:
            server = self._serve_model(model, self.workdir / name, port=ENDPOINT_PORT)
        except ServerError as error:
            raise TaskFailed("States.TaskFailed", json.dumps(
                {"EndpointName": name, "EndpointStatus": "Failed",
                 "FailureReason": str(error)[:1024]})) from None
        self.endpoints[name] = server
        self.endpoint_config_of[name] = config_name
        self.reporter.say(f"endpoint {name} serving at {server.url} "
                          f"(POST {server.url}/invocations, text/csv)", indent=1)
        return {"EndpointArn": self.arn("endpoint", name)}

    update_endpoint = create_endpoint

    def describe_endpoint(self, parameters: dict, state: str) -> dict:
        """DescribeEndpoint: a local endpoint is in service as soon as its server answers."""
        name = parameters["EndpointName"]
        server = self.endpoints.get(name)
        if server is None:
            raise TaskFailed("SageMaker.SageMakerException", f"Could not find endpoint {name}.")
        status = "InService" if server.process and server.process.poll() is None else "Failed"
        answer = {"EndpointName": name, "EndpointArn": self.arn("endpoint", name),
                  "EndpointConfigName": self.endpoint_config_of[name], "EndpointStatus": status,
                  "CreationTime": now(), "LastModifiedTime": now()}
        if status == "Failed":
            answer["FailureReason"] = "the local model server exited; see its serve.log"
        return answer

    def stop_endpoints(self) -> None:
        for server in self.endpoints.values():
            server.stop()
        self.endpoints.clear()

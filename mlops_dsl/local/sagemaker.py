"""The SageMaker calls of the workflow, locally: models, batch transform, endpoints.

``createModel`` and ``createEndpointConfig`` are recorded. A transform job unpacks the model's
artifact, starts the image's ``serve`` program and sends each input object to ``/invocations``
(SplitType None: the whole object in one request), writing ``<S3OutputPath>/<name>.out`` as the
cloud job does. ``createEndpoint``/``updateEndpoint`` start the server and keep it running;
which model serves the endpoint is kept in the workspace (``endpoints``), so a later run updates
it. An update with a ``DeploymentConfig`` (a rollout) first bakes the new model (``rollout``):
when one of its alarms fires, the endpoint stays on the model it served (restarted from the
workspace when an earlier run deployed it) and the alarm is left in ALARM for describeAlarms.
Training jobs (run by the tuner) are described from ``jobs``.
"""
from __future__ import annotations

import json
import socket
import time
from pathlib import Path

from ..emit.tasks import sagemaker as tasks
from . import endpoints as saved
from .context import Fake, RunContext, TaskFailed
from .fake import now
from .serving import Server, ServerError, unpack_model
from .serving import fork_server as serving_fork_server
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

    @staticmethod
    def prepare(integrations: set, children, environment, base: dict, program, work) -> None:
        """Get ready before the run starts: when the workflow's ``integrations`` include a batch
        transform, start the fork server its model server will come from (it imports while the
        run goes on)."""
        if tasks.CreateTransformJobSync.API in integrations:
            serving_fork_server(children, environment, base, program, work)

    def _serve_model(self, model_name: str, folder: Path, port: int | None = None,
                     forked: bool = False) -> Server:
        model = self.models.get(model_name)
        if model is None:
            raise TaskFailed("SageMaker.ValidationException", f"Could not find model {model_name}")
        bucket, key = split_uri(model["PrimaryContainer"]["ModelDataUrl"])
        folder.mkdir(parents=True, exist_ok=True)
        archive = folder / "model.tar.gz"
        archive.write_bytes(self.stores.get_bytes(bucket, key))
        server = serving_fork_server(self.children, self.context.environment, self.context.env,
                                     self.program, self.context.work) if forked else None
        return Server(self.program, unpack_model(archive, folder), self.children,
                      self.context.environment, self.context.env, port=port,
                      fork_server=server).start()

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
            server = self._serve_model(parameters["ModelName"], folder, forked=True)
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

    def restore_endpoints(self) -> None:
        """Before the run: the endpoint an earlier run of this workspace left in service exists
        in moto's SageMaker, so the workflow's endpoint check finds it and updates it."""
        import boto3

        deployment = self.context.pipeline.deployment
        state = saved.load(self.context.shared(), deployment.name) if \
            self.context.pipeline.is_endpoint else None
        if state is not None:
            saved.seed_moto(boto3.client("sagemaker", region_name=self.context.region), state)
            self.reporter.say(f"endpoint {state.endpoint}: serves {state.model} from run "
                              f"{state.run} (workspace {self.context.shared()})")

    def _start_endpoint(self, name: str, config_name: str, port: int | None) -> Server:
        config = self.endpoint_configs.get(config_name)
        if config is None:
            raise TaskFailed("SageMaker.ValidationException",
                             f"Could not find endpoint configuration {config_name}")
        model = config["ProductionVariants"][0]["ModelName"]
        try:
            return self._serve_model(model, self.workdir / f"{name}-{config_name}", port=port)
        except ServerError as error:
            raise TaskFailed("States.TaskFailed", json.dumps(
                {"EndpointName": name, "EndpointStatus": "Failed",
                 "FailureReason": str(error)[:1024]})) from None

    def _serving(self, name: str, config_name: str, server: Server) -> None:
        """``server`` serves endpoint ``name`` now: remembered here and in the workspace."""
        self.endpoints[name] = server
        self.endpoint_config_of[name] = config_name
        model = self.endpoint_configs[config_name]["ProductionVariants"][0]["ModelName"]
        saved.save(self.context.shared(), endpoint=name, config=config_name, model=model,
                   model_data=self.models[model]["PrimaryContainer"]["ModelDataUrl"],
                   archive=server.opt_ml / "model.tar.gz", program=self.program,
                   run=self.context.run_id)
        self.reporter.say(f"endpoint {name} serving at {server.url} "
                          f"(POST {server.url}/invocations, text/csv)", indent=1)

    def create_endpoint(self, parameters: dict, state: str) -> dict:
        name, config_name = parameters["EndpointName"], parameters["EndpointConfigName"]
        previous = self.endpoints.pop(name, None)
        if previous is not None:
            previous.stop()
        server = self._start_endpoint(name, config_name, ENDPOINT_PORT)
        self._serving(name, config_name, server)
        return {"EndpointArn": self.arn("endpoint", name)}

    def _previous(self, name: str) -> tuple[str | None, Server | None]:
        """(config, server) of what serves ``name`` before the update: this run's server, or
        the earlier run's model restarted from the workspace."""
        if name in self.endpoints:
            return self.endpoint_config_of[name], self.endpoints[name]
        state = saved.load(self.context.shared(), name)
        if state is None:
            return None, None
        folder = self.workdir / f"{name}-{state.config}"
        folder.mkdir(parents=True, exist_ok=True)
        try:
            server = Server(Path(state.program), unpack_model(Path(state.archive), folder),
                            self.children, self.context.environment, self.context.env,
                            port=ENDPOINT_PORT).start()
        except (ServerError, OSError) as error:
            self.reporter.warn(f"the model that served {name} ({state.model}) did not restart: "
                               f"{error}")
            return state.config, None
        self.reporter.say(f"endpoint {name}: {state.model} (run {state.run}) serving at "
                          f"{server.url} while the update bakes", indent=1)
        return state.config, server

    def update_endpoint(self, parameters: dict, state: str) -> dict:
        """UpdateEndpoint; with a DeploymentConfig, a blue/green update judged by a bake."""
        from . import rollout
        from .fake import now as clock

        name, config_name = parameters["EndpointName"], parameters["EndpointConfigName"]
        alarms = [a["AlarmName"] for a in parameters.get("DeploymentConfig", {})
                  .get("AutoRollbackConfiguration", {}).get("Alarms", ())]
        previous_config, previous = self._previous(name) if alarms else (None, None)
        if previous is None:
            return self.create_endpoint(parameters, state)
        routing = (parameters["DeploymentConfig"].get("BlueGreenUpdatePolicy", {})
                   .get("TrafficRoutingConfiguration", {}))
        candidate = self._start_endpoint(name, config_name, None)
        model = self.endpoint_configs[config_name]["ProductionVariants"][0]["ModelName"]
        header, rows = rollout.bake_rows(self.context.pipeline, self.stores, self.context.names)
        self.reporter.say(f"{routing.get('Type', 'ALL_AT_ONCE').lower()} rollout: baking {model} "
                          f"at {candidate.url} with {len(rows)} rows of the training data", indent=1)
        bake = rollout.judge(self.context.template, alarms, rollout.bake(
            candidate, header, rows, rollout.Bake(name, model, routing.get("Type", ""))), clock())
        self.context.bakes.append(bake)
        for evaluation in bake.evaluations:
            self.context.alarm_states[evaluation.name] = (evaluation.state, evaluation.reason)
        self.reporter.say(f"bake: {bake.summary()}", indent=1)
        if bake.fired:
            candidate.stop()
            self.endpoints[name] = previous
            self.endpoint_config_of[name] = previous_config
            self.reporter.say(f"rolled back: {', '.join(e.name for e in bake.fired)} in ALARM; "
                              f"{name} stays on {previous_config} at {previous.url}", indent=1)
        else:
            previous.stop()
            candidate.stop()
            self.endpoints.pop(name, None)
            self._serving(name, config_name, self._start_endpoint(name, config_name,
                                                                  ENDPOINT_PORT))
        return {"EndpointArn": self.arn("endpoint", name)}

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

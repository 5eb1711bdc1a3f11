"""``sagemaker:createHyperParameterTuningJob.sync`` locally, with optuna choosing hyperparameters.

Up to MaxNumberOfTrainingJobs training jobs run, MaxParallelTrainingJobs at a time (never more than
the machine's cores). The strategy picks the sampler: Bayesian -> TPE, Random (and Hyperband, whose
early stopping is not emulated) -> random, Grid -> every combination; all seeded, so a run is
repeatable with one job at a time. The result has DescribeHyperParameterTuningJob's shape, so the
workflow reads BestTrainingJob, its final objective metric and the status counters unchanged.
"""
from __future__ import annotations

import concurrent.futures as futures
import hashlib
import itertools
import json
import os
import threading

from ..emit.tasks import sagemaker as tasks
from .context import Fake, RunContext, TaskFailed
from .fake import now
from .training import TrainingJob, fork_server, run_training_job

SEED = 20240601  # the samplers' seed: the same blueprint proposes the same hyperparameters
MAX_NAME = 63  # SageMaker TrainingJobName: at most 63 characters


def _import_optuna() -> None:
    import optuna  # noqa: F401 - imported ahead, in a thread, while the Glue job runs


def sampler_for(strategy: str, ranges: dict, max_jobs: int):
    import optuna

    if strategy == "Bayesian":
        startup = max(2, min(10, max_jobs // 2))  # random proposals before TPE takes over
        return optuna.samplers.TPESampler(seed=SEED, n_startup_trials=startup)
    return optuna.samplers.RandomSampler(seed=SEED)  # Grid: the points are enqueued


def grid_points(ranges: dict) -> list[dict]:
    """Every combination of the categorical and integer ranges, in order (Grid strategy).
    Enqueued as fixed trials rather than through optuna's GridSampler, which stops the study
    (only allowed inside ``optimize``) once the grid is exhausted."""
    space = {r["Name"]: list(r["Values"]) for r in ranges.get("CategoricalParameterRanges", [])}
    for r in ranges.get("IntegerParameterRanges", []):
        space[r["Name"]] = list(range(int(r["MinValue"]), int(r["MaxValue"]) + 1))
    return [dict(zip(space, values)) for values in itertools.product(*space.values())]


def sample(trial, ranges: dict) -> dict[str, str]:
    """Hyperparameters (strings, as SageMaker passes them) for one optuna trial."""
    values = {}
    for r in ranges.get("ContinuousParameterRanges", []):
        low, high, scaling = float(r["MinValue"]), float(r["MaxValue"]), r.get("ScalingType")
        if scaling == "ReverseLogarithmic":  # dense near the top of [low, high), high < 1
            value = 1.0 - trial.suggest_float(r["Name"] + ":1-x", 1.0 - high, 1.0 - low, log=True)
        else:
            value = trial.suggest_float(r["Name"], low, high, log=scaling == "Logarithmic")
        values[r["Name"]] = f"{value:.6g}"
    for r in ranges.get("IntegerParameterRanges", []):
        value = trial.suggest_int(r["Name"], int(r["MinValue"]), int(r["MaxValue"]),
                                  log=r.get("ScalingType") == "Logarithmic")
        values[r["Name"]] = str(value)
    for r in ranges.get("CategoricalParameterRanges", []):
        values[r["Name"]] = str(trial.suggest_categorical(r["Name"], list(r["Values"])))
    return values


def concurrency(max_parallel: int, max_jobs: int) -> tuple[int, int]:
    """(jobs at a time, threads per job): at most one job per core, the cores shared out."""
    cores = os.cpu_count() or 1
    parallel = max(1, min(int(max_parallel), cores, int(max_jobs)))
    return parallel, cores // parallel or 1


def job_name(tuning_job: str, number: int) -> str:
    digest = hashlib.sha256(f"{tuning_job}/{number}".encode()).hexdigest()[:8]
    suffix = f"-{number:03d}-{digest}"
    return tuning_job[:MAX_NAME - len(suffix)] + suffix


class LocalTuner(Fake):
    """Runs tuning jobs; every training job it runs is kept in ``jobs`` (name -> TrainingJob)."""

    ROUTES = {tasks.CreateTuningJobSync.API: "tune_sync"}

    def __init__(self, context: RunContext):
        self.context = context
        self.children = context.children
        self.stores = context.stores
        self.workdir = context.work / "tuning"
        self.reporter = context.reporter
        self.jobs = context.jobs

    @staticmethod
    def prepare(pipeline, children, environment, base: dict, program, work) -> None:
        """Get ready before the run starts: start the fork server the compiled tuning job's
        training jobs will use (it imports what ``train`` imports while moto starts and the Glue
        job runs), and import optuna in the background."""
        _, threads = concurrency(pipeline.tuning.max_parallel_jobs, pipeline.tuning.max_jobs)
        fork_server(children, environment, base, program, work, threads)
        threading.Thread(target=_import_optuna, name="import optuna", daemon=True).start()

    def tune_sync(self, parameters: dict, state: str) -> dict:
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        name = parameters["HyperParameterTuningJobName"]
        config = parameters["HyperParameterTuningJobConfig"]
        definition = parameters["TrainingJobDefinition"]
        objective = config["HyperParameterTuningJobObjective"]
        ranges = config.get("ParameterRanges", {})
        limits = config["ResourceLimits"]
        max_jobs = int(limits["MaxNumberOfTrainingJobs"])
        grid = grid_points(ranges) if config.get("Strategy") == "Grid" else []
        if grid:
            max_jobs = min(max_jobs, len(grid))
        parallel, threads = concurrency(limits.get("MaxParallelTrainingJobs", 1), max_jobs)
        created = now()
        folder = self.workdir / name
        channels = {}
        for channel in definition.get("InputDataConfig", []):
            local = folder / "channels" / channel["ChannelName"]
            self.stores.download_prefix(channel["DataSource"]["S3DataSource"]["S3Uri"], local)
            channels[channel["ChannelName"]] = local
        static = dict(definition.get("StaticHyperParameters") or {})
        static["_tuning_objective_metric"] = objective["MetricName"]
        study = optuna.create_study(
            direction="maximize" if objective["Type"] == "Maximize" else "minimize",
            sampler=sampler_for(config.get("Strategy", "Bayesian"), ranges, max_jobs))
        for point in grid[:max_jobs]:
            study.enqueue_trial(point)
        self.reporter.say(f"tuning job {name}: {max_jobs} training job(s), {parallel} at a time, "
                          f"{config.get('Strategy', 'Bayesian')} search, "
                          f"{objective['Type'].lower()} {objective['MetricName']}", indent=1)
        finished = self._run_all(study, name, max_jobs, parallel, threads,
                                 ranges, static, definition, channels, folder, objective)
        return self._describe(name, parameters, finished, objective, created)

    def _run_all(self, study, name, max_jobs, parallel, threads, ranges, static, definition,
                 channels, folder, objective) -> list[TrainingJob]:
        import optuna

        finished, running = [], {}
        with futures.ThreadPoolExecutor(max_workers=parallel) as pool:
            number = 0
            while (number < max_jobs and not self.children.cancelled.is_set()) or running:
                while (number < max_jobs and len(running) < parallel
                       and not self.children.cancelled.is_set()):
                    number += 1
                    trial = study.ask()
                    tuned = sample(trial, ranges)
                    job = TrainingJob(job_name(name, number), {**static, **tuned},
                                      folder / "jobs" / job_name(name, number), tuned)
                    self.jobs[job.name] = job
                    shown = " ".join(f"{k}={v}" for k, v in tuned.items())
                    self.reporter.say(f"training job {number}/{max_jobs} {job.name}: {shown}",
                                      indent=1)
                    future = pool.submit(run_training_job, job, self.context, channels,
                                         definition, threads)
                    running[future] = (trial, number)
                done, _ = futures.wait(running, return_when=futures.FIRST_COMPLETED)
                for future in done:
                    trial, index = running.pop(future)
                    job = future.result()
                    value = job.metrics.get(objective["MetricName"])
                    self.reporter.record(f"training job {index}", job.seconds)
                    for warning in job.warnings:
                        self.reporter.warn(f"training job {index}/{max_jobs} {job.name}: "
                                           f"{warning}")
                    if job.status == "Completed" and value is not None:
                        study.tell(trial, value)
                        others = " ".join(f"{k} {v:g}" for k, v in job.metrics.items()
                                          if k != objective["MetricName"])
                        self.reporter.say(f"training job {index}/{max_jobs}: "
                                          f"{objective['MetricName']} {value:g}"
                                          f"{' (' + others + ')' if others else ''} "
                                          f"in {job.seconds:.1f}s", indent=1)
                    else:
                        study.tell(trial, state=optuna.trial.TrialState.FAIL)
                        reason = job.failure_reason or (
                            f"objective metric {objective['MetricName']} not found in the log")
                        self.reporter.say(f"training job {index}/{max_jobs}: {job.status.lower()}"
                                          f": {reason.splitlines()[0]}", indent=1)
                    finished.append(job)
        return sorted(finished, key=lambda j: j.name)

    def _describe(self, name, parameters, jobs, objective, created) -> dict:
        metric = objective["MetricName"]
        scored = [j for j in jobs if j.status == "Completed" and metric in j.metrics]
        failed = [j for j in jobs if j.status == "Failed"]
        answer = {
            "HyperParameterTuningJobName": name,
            "HyperParameterTuningJobArn": self.context.arn(
                "sagemaker", f"hyper-parameter-tuning-job/{name.lower()}"),
            "HyperParameterTuningJobConfig": parameters["HyperParameterTuningJobConfig"],
            "TrainingJobDefinition": parameters["TrainingJobDefinition"],
            "HyperParameterTuningJobStatus": "Completed" if scored else "Failed",
            "CreationTime": created, "HyperParameterTuningEndTime": now(),
            "LastModifiedTime": now(),
            "TrainingJobStatusCounters": {
                "Completed": sum(j.status == "Completed" for j in jobs), "InProgress": 0,
                "RetryableError": 0, "NonRetryableError": len(failed),
                "Stopped": sum(j.status == "Stopped" for j in jobs)},
            "ObjectiveStatusCounters": {"Succeeded": len(scored), "Pending": 0,
                                        "Failed": len(jobs) - len(scored)},
        }
        if not scored:
            last = (failed or jobs)[-1]
            reason = last.failure_reason or f"objective metric {metric} not found in the log"
            answer["FailureReason"] = (f"No training job succeeded ({len(jobs)} run); "
                                       f"{last.name}: {reason}")
            raise TaskFailed("States.TaskFailed", json.dumps(answer))
        pick = max if objective["Type"] == "Maximize" else min
        best = pick(scored, key=lambda j: j.metrics[metric])
        answer["BestTrainingJob"] = {
            "TrainingJobName": best.name,
            "TrainingJobArn": best.describe(self.context)["TrainingJobArn"],
            "CreationTime": best.started, "TrainingStartTime": best.started,
            "TrainingEndTime": best.ended, "TrainingJobStatus": best.status,
            "TunedHyperParameters": dict(best.tuned),
            "FinalHyperParameterTuningJobObjectiveMetric": {
                "Type": objective["Type"], "MetricName": metric, "Value": best.metrics[metric]},
            "ObjectiveStatus": "Succeeded",
        }
        self.reporter.say(f"best training job {best.name}: {metric} {best.metrics[metric]:g}",
                          indent=1)
        return answer

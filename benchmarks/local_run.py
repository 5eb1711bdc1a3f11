"""Time a local run of the sample end to end and print where the time goes.

    python benchmarks/local_run.py [--jobs 3] [--parallel 1] [--repeat 1] [--blueprint PATH]

Each repeat is a fresh run (its own workspace in a temporary folder) in this process, as
``python -m mlops_dsl run BLUEPRINT --local --no-serve`` does it; the figures are medians. Stages:
  interpreter start  importing moto/boto3, the in-process AWS, creating and starting the execution
  Glue script        glue/transform.py as a subprocess (with the S3 <-> folder copies)
  training job N     one `train` program run, in its sandbox (interpreter start of the program
                     included), with the model upload
  batch transform    unpacking the model, starting `serve`, scoring, stopping it
  compile            loading and compiling the blueprint
  other              the Lambda, S3 and SageMaker bookkeeping states, tuning set-up, polling,
                     copying the stores to the workspace
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def one_run(path: Path, jobs: int, parallel: int) -> dict[str, float]:
    from mlops_dsl.compiler import compile_blueprint
    from mlops_dsl.loader import load_blueprint
    from mlops_dsl.local.progress import Reporter
    from mlops_dsl.local.runner import RunOptions, run_pipeline

    reporter = Reporter(io.StringIO())
    began = time.monotonic()
    _, blueprint = load_blueprint(path)
    blueprint = blueprint.with_(tuning=blueprint.tuning.with_(max_jobs=jobs,
                                                               max_parallel_jobs=parallel))
    compiled = compile_blueprint(blueprint)
    compile_seconds = time.monotonic() - began
    with tempfile.TemporaryDirectory() as workspace:
        result = run_pipeline(compiled, RunOptions(workspace=Path(workspace)), reporter)
        if result.sagemaker:
            result.sagemaker.stop_endpoints()
    total = time.monotonic() - began
    if not result.succeeded:
        sys.exit(f"the run failed at {result.failed_state}: {result.error}: {result.cause}\n"
                 + reporter.stream.getvalue())
    timings = {"interpreter start": result.timings["interpreter start"],
               "Glue script": result.timings["glue job"]}
    for index in range(1, jobs + 1):
        timings[f"training job {index}"] = result.timings[f"training job {index}"]
    timings["tuning state (all jobs)"] = result.timings["state: Tune model"]
    if "batch transform" in result.timings:
        timings["batch transform"] = result.timings["batch transform"]
    counted = (timings["interpreter start"] + timings["Glue script"]
               + timings["tuning state (all jobs)"] + timings.get("batch transform", 0.0))
    timings["compile"] = compile_seconds
    timings["other"] = total - counted - compile_seconds
    timings["total"] = total
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blueprint", type=Path, default=ROOT / "blueprints" / "attrition.py")
    parser.add_argument("--jobs", type=int, default=3, help="training jobs (default 3)")
    parser.add_argument("--parallel", type=int, default=1, help="jobs at a time (default 1)")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    runs = [one_run(args.blueprint, args.jobs, args.parallel) for _ in range(args.repeat)]
    print(f"local run of {args.blueprint.name}: {args.jobs} training jobs, {args.parallel} at a "
          f"time, {os.cpu_count()} CPUs, median of {args.repeat} run(s)")
    print(f"{'stage':<26}{'seconds':>9}")
    for stage in runs[0]:
        values = [run[stage] for run in runs]
        print(f"{stage:<26}{statistics.median(values):>9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Time a local run of the sample end to end and print where the time goes.

    python benchmarks/local_run.py [--jobs 3] [--parallel 1] [--repeat 3] [--blueprint PATH]
                                   [--compare] [--cli]

Each repeat is a fresh run (its own workspace in a temporary folder) in this process, as
``python -m mlops_dsl run BLUEPRINT --local --no-serve`` does it, after one warm-up run that is not
counted (it pays the imports of moto, boto3 and optuna); the figures are medians, with the
fastest in brackets. ``--compare`` alternates runs with and without the fork server (training
jobs started as fresh interpreters, as before it existed); ``--cli`` times whole
``python -m mlops_dsl run --local --no-serve`` processes instead (interpreter start included).

Stages:
  interpreter start  the in-process AWS: creating the stores and the execution
  Glue script        glue/transform.py as a subprocess (with the S3 <-> folder copies)
  training job N     one `train` run in its sandbox, with the model upload: forked from the fork
                     server (which loads while the Glue job runs), or a fresh interpreter
  batch transform    unpacking the model, starting `serve`, scoring (its stop overlaps the rest)
  compile            loading and compiling the blueprint
  other              the Lambda, S3 and SageMaker bookkeeping states, tuning set-up, polling,
                     copying the stores to the workspace, stopping the servers
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def one_run(path: Path, jobs: int, parallel: int, fork_server: bool = True) -> dict[str, float]:
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
        result = run_pipeline(compiled, RunOptions(workspace=Path(workspace),
                                                   fork_server=fork_server), reporter)
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


def cli_run(path: Path, fork_server: bool) -> dict[str, float]:
    """One whole `python -m mlops_dsl run --local --no-serve` process."""
    env = dict(os.environ, AWS_EC2_METADATA_DISABLED="true",
               MLOPS_DSL_NO_FORK_SERVER="" if fork_server else "1")
    with tempfile.TemporaryDirectory() as workspace:
        began = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "mlops_dsl", "run", str(path), "--local",
                               "--no-serve", "--workspace", workspace], capture_output=True,
                              text=True, env=env, cwd=ROOT)
        seconds = time.monotonic() - began
    if done.returncode != 0:
        sys.exit(f"the run failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    return {"total (whole process)": seconds}


def table(columns: dict[str, list[dict[str, float]]]) -> str:
    names = list(columns)
    stages = list(next(iter(columns.values()))[0])
    lines = [f"{'stage':<26}" + "".join(f"{name:>22}" for name in names)]
    for stage in stages:
        cells = []
        for name in names:
            values = [run[stage] for run in columns[name]]
            cells.append(f"{statistics.median(values):>13.2f} ({min(values):.2f})")
        lines.append(f"{stage:<26}" + "".join(f"{cell:>22}" for cell in cells))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blueprint", type=Path, default=ROOT / "blueprints" / "attrition.py")
    parser.add_argument("--jobs", type=int, default=3, help="training jobs (default 3)")
    parser.add_argument("--parallel", type=int, default=1, help="jobs at a time (default 1)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare", action="store_true",
                        help="also without the fork server, runs alternating")
    parser.add_argument("--cli", action="store_true",
                        help="time whole `run --local` processes (the blueprint as it is)")
    args = parser.parse_args()
    modes = {"fork server": True}
    if args.compare:
        modes["fresh interpreters"] = False
    columns: dict[str, list] = {name: [] for name in modes}
    if args.cli:
        for _ in range(args.repeat):
            for name, fork in modes.items():
                columns[name].append(cli_run(args.blueprint, fork))
        what = f"`run {args.blueprint.name} --local --no-serve` as a process"
    else:
        one_run(args.blueprint, args.jobs, args.parallel)  # warm-up: imports, caches
        for _ in range(args.repeat):
            for name, fork in modes.items():
                columns[name].append(one_run(args.blueprint, args.jobs, args.parallel, fork))
        what = (f"local run of {args.blueprint.name}: {args.jobs} training jobs, "
                f"{args.parallel} at a time, in process")
    print(f"{what}; {os.cpu_count()} CPUs; median (fastest) of {args.repeat} run(s), seconds")
    print(table(columns))
    return 0


if __name__ == "__main__":
    sys.exit(main())

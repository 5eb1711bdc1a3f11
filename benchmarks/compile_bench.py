"""Whole-process timings of the compiler: what a user waits for at the prompt.

    python benchmarks/compile_bench.py [--runs N]

Measures `--help`, a compile of the sample blueprint, and `compile --all` of a module with ten
pipelines (goal: at most 1.5x one pipeline), each as a fresh `python -m mlops_dsl` process, and
prints the median and the best of N runs. Also times the in-process compile alone.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOALS = {"--help": 0.15, "compile sample": 0.4}


def time_process(args: list[str], runs: int, cwd: str) -> list[float]:
    env = {**os.environ, "AWS_EC2_METADATA_DISABLED": "true"}
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mlops_dsl", *args], check=True, cwd=cwd, env=env,
                       stdout=subprocess.DEVNULL)
        timings.append(time.perf_counter() - start)
    return timings


def time_in_process(runs: int) -> list[float]:
    from mlops_dsl.compiler import compile_file

    compile_file(ROOT / "blueprints" / "attrition.py")  # warm: imports and caches
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        compile_file(ROOT / "blueprints" / "attrition.py")
        timings.append(time.perf_counter() - start)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as work:
        cases = {
            "--help": ["--help"],
            "compile sample": ["compile", str(ROOT / "blueprints" / "attrition.py"), "-o", "one"],
            "compile --all, 10 pipelines": ["compile", "--all",
                                            str(ROOT / "benchmarks" / "ten_pipelines.py"), "-o", "ten"],
        }
        # Interleaved, so that a slow spell of the machine does not land on one case only.
        results = {name: [] for name in cases}
        for _ in range(runs):
            for name, args in cases.items():
                results[name] += time_process(args, 1, work)
    results["compile sample, in process (warm)"] = time_in_process(runs)
    print(f"{'case':38} {'median s':>9} {'best s':>8} {'goal s':>7}")
    for name, timings in results.items():
        goal = GOALS.get(name)
        print(f"{name:38} {statistics.median(timings):9.3f} {min(timings):8.3f} "
              f"{goal if goal else '':>7}")
    ten, one = results["compile --all, 10 pipelines"], results["compile sample"]
    print(f"10 pipelines / 1 pipeline: {statistics.median(ten) / statistics.median(one):.2f}x median, "
          f"{min(ten) / min(one):.2f}x best (goal <= 1.5x)")


if __name__ == "__main__":
    main()

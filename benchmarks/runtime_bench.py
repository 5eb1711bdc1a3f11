"""Time the runtime code on the employee attrition sample and report the CV quality.

    python benchmarks/runtime_bench.py [--repeat N] [--sample DIR]

Stages, each timed in this process (median of N runs; imports excluded):
  transform   glue/transform.py on train.csv + score.csv (local folders)
  train       container/xgboost/train: 5-fold CV + final fit, at the middle of the ranges
  score       predictor: 1,000 rows -> probability + SHAP through POST /invocations
and the whole `train` program as a subprocess once (with interpreter start and imports).
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.machinery
import importlib.util
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO.parent / "shared" / "data" / "employee-attrition"
PROGRAM = REPO / "container" / "xgboost"
# name -> (low, high); SageMaker's Auto scaling of these ranges starts from their middle
RANGES = {
    "brief": {"gamma": (0, 10), "min_child_weight": (1, 20), "subsample": (0.5, 1.0),
              "max_delta_step": (0, 10), "scale_pos_weight": (1, 10), "max_depth": (1, 10)},
    "recommended": {"gamma": (0, 5), "min_child_weight": (1, 10), "subsample": (0.5, 1.0),
                    "max_delta_step": (0, 10), "scale_pos_weight": (1, 3), "max_depth": (2, 6)},
}
INTEGER = {"max_depth"}


def load(path: Path, name: str):
    loader = importlib.machinery.SourceFileLoader(name, str(path))
    spec = importlib.util.spec_from_loader(name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def middle(ranges: dict) -> dict[str, str]:
    hp = {}
    for name, (low, high) in ranges.items():
        mid = (low + high) / 2
        hp[name] = str(int(mid) if name in INTEGER else mid)  # strings, as SageMaker writes them
    return {**hp, "kfold_splits": "5", "num_round": "100"}


def timed(function, repeat: int) -> tuple[float, object]:
    """Median seconds of `repeat` calls (their output discarded), and the last result."""
    times, result = [], None
    for _ in range(repeat):
        with contextlib.redirect_stdout(io.StringIO()):
            started = time.perf_counter()
            result = function()
            times.append(time.perf_counter() - started)
    return statistics.median(times), result


def opt_ml_tree(base: Path, train_csv: Path, hp: dict) -> Path:
    shutil.rmtree(base, ignore_errors=True)
    (base / "input" / "data" / "train").mkdir(parents=True)
    (base / "input" / "config").mkdir(parents=True)
    shutil.copyfile(train_csv, base / "input" / "data" / "train" / "train.csv")
    (base / "input" / "config" / "hyperparameters.json").write_text(json.dumps(hp))
    return base


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sample", type=Path, default=SAMPLE)
    options = parser.parse_args()
    transform = load(REPO / "glue" / "transform.py", "bench_transform")
    train = load(PROGRAM / "train", "bench_train")
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for name in ("train", "score"):
            (tmp / "src" / "data" / name).mkdir(parents=True)
            shutil.copyfile(options.sample / f"{name}.csv",
                            tmp / "src" / "data" / name / f"{name}.csv")
        args = {"S3_SOURCE": str(tmp / "src"), "S3_DEST": str(tmp / "dest"),
                "TRAIN_KEY": "data/train/train.csv", "SCORE_KEY": "data/score/score.csv",
                "INFERENCE_TYPE": "batch"}
        seconds, counts = timed(lambda: transform.run(args), options.repeat)
        rows.append(("transform (1,470 + 1,233 rows)", seconds, ""))
        train_csv = tmp / "dest" / "train" / "train.csv"

        quality = {}
        for label, ranges in RANGES.items():
            hp = middle(ranges)
            opt_ml = opt_ml_tree(tmp / f"opt_ml_{label}", train_csv, hp)
            seconds, metrics = timed(lambda o=opt_ml: train.train(str(o)), options.repeat)
            quality[label] = (hp, metrics)
            rows.append((f"train: 5-fold CV + fit, {label} mid-range", seconds,
                         f"AUC {metrics['roc_auc']:.3f}, accuracy {metrics['accuracy']:.3f}"))

        opt_ml = tmp / "opt_ml_recommended"
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(PROGRAM / "train")], capture_output=True,
                                text=True, env={**os.environ, "OPT_ML": str(opt_ml)},
                                check=False)
        assert result.returncode == 0, result.stderr
        rows.append(("train program (subprocess, with imports)",
                     time.perf_counter() - started, ""))

        os.environ["OPT_ML"] = str(opt_ml)
        predictor = load(PROGRAM / "predictor.py", "bench_predictor")
        client = predictor.app.test_client()
        assert client.get("/ping").status_code == 200
        score = (tmp / "dest" / "score" / "score.csv").read_bytes().splitlines(keepends=True)
        body = b"".join(score[:1001])

        def score_1000():
            response = client.post("/invocations", data=body, content_type="text/csv")
            assert response.status_code == 200, response.text
            return response

        seconds, _ = timed(score_1000, options.repeat)
        rows.append(("score 1,000 rows + SHAP (Flask, in process)", seconds, ""))

    width = max(len(r[0]) for r in rows)
    print(f"{'stage':<{width}}  {'seconds':>8}  result")
    for stage, seconds, note in rows:
        print(f"{stage:<{width}}  {seconds:8.3f}  {note}")
    print(f"\n(median of {options.repeat}; {os.cpu_count()} CPUs; python "
          f"{sys.version.split()[0]}; transform rows {counts})")
    for label, (hp, metrics) in quality.items():
        shown = ", ".join(f"{k}={v}" for k, v in hp.items())
        values = ", ".join(f"{k} {v:.4f}" for k, v in metrics.items())
        print(f"{label} mid-range: {shown}\n  {values}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

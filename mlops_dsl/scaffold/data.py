"""Made-up sample data for a new project: customers of a subscription service.

Deterministic (a seeded ``random.Random``, fixed formatting), standard library only, so ``new``
works on a bare install and gives the same bytes every time. Every problem type shares the
features and one hidden score built from them; the label is drawn from that score with noise, so
a model finds a real but imperfect signal:

- binary: ``churned`` (``yes``/``no``), more likely with a high score;
- regression: ``annual_spend`` (a number), falling with the score;
- multiclass: ``segment`` (``bronze``/``silver``/``gold``), by thirds of the noisy score.

A few ``visits_per_month`` cells are empty (missing values reach XGBoost as such). The scoring
file has the same columns without the label.
"""
from __future__ import annotations

import csv
import io
import math
import random

SEED = 20240601
TRAIN_ROWS = 400
SCORE_ROWS = 100
ROW_ID = "customer_id"
NUMERIC = ("age", "tenure_months", "support_calls", "visits_per_month")
CATEGORICAL = {"region": ("east", "north", "south", "west"),
               "plan": ("basic", "plus", "premium")}
LABELS = {"binary": "churned", "regression": "annual_spend", "multiclass": "segment"}
SEGMENTS = ("bronze", "silver", "gold")
PLAN_EFFECT = {"basic": 0.6, "plus": 0.0, "premium": -0.6}
REGION_EFFECT = {"east": 0.0, "north": 0.25, "south": -0.15, "west": -0.1}
MISSING_VISITS = 0.03  # share of empty visits_per_month cells


def _customer(rng: random.Random) -> tuple[dict, float]:
    """One customer's features and hidden score (higher: more likely to leave, spends less)."""
    row = {
        "age": rng.randint(18, 80),
        "tenure_months": rng.randint(0, 120),
        "support_calls": min(12, int(rng.expovariate(0.5))),
        "visits_per_month": round(max(0.0, rng.gauss(10, 4)), 1),
        "region": rng.choice(CATEGORICAL["region"]),
        "plan": rng.choice(CATEGORICAL["plan"]),
    }
    score = (0.6 * (row["support_calls"] - 2) / 2 - 0.9 * (row["tenure_months"] - 60) / 35
             - 0.5 * (row["visits_per_month"] - 10) / 4 + 0.3 * (row["age"] - 49) / 18
             + PLAN_EFFECT[row["plan"]] + REGION_EFFECT[row["region"]])
    if rng.random() < MISSING_VISITS:
        row["visits_per_month"] = ""
    return row, score


def _label(problem_type: str, score: float, rng: random.Random) -> str:
    noisy = score + rng.gauss(0, 0.5)
    if problem_type == "binary":
        return "yes" if rng.random() < 1 / (1 + math.exp(-(2.0 * score - 1.0))) else "no"
    if problem_type == "regression":
        return f"{max(50.0, 1500 - 380 * score + rng.gauss(0, 150)):.2f}"
    return SEGMENTS[0] if noisy > 0.55 else SEGMENTS[1] if noisy > -0.55 else SEGMENTS[2]


def _csv(columns: list[str], rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def sample_data(problem_type: str) -> dict[str, str]:
    """``{"train.csv": text, "score.csv": text}`` for ``problem_type``."""
    rng = random.Random(f"{SEED}-{problem_type}")
    label = LABELS[problem_type]
    features = [*NUMERIC, *CATEGORICAL]
    train, score = [], []
    for number in range(TRAIN_ROWS + SCORE_ROWS):
        row, hidden = _customer(rng)
        row[ROW_ID] = 100001 + number
        if number < TRAIN_ROWS:
            row[label] = _label(problem_type, hidden, rng)
            train.append(row)
        else:
            score.append(row)
    return {"train.csv": _csv([ROW_ID, label, *features], train),
            "score.csv": _csv([ROW_ID, *features], score)}

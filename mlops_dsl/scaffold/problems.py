"""What a new project of each problem type tunes for and gates on.

One entry per problem type of the shipped container (its ``problem_type`` hyperparameter): the
objective metric is one the container prints for that type, and the gate tests the same metric
(MLD110), at a threshold that a model without signal fails and one that learnt the made-up
data's signal passes (``tests/test_new.py`` runs each project as generated).
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProblemType:
    name: str  # the container's problem_type
    title: str
    metric: str  # tuning objective and gate metric
    direction: str  # "maximize" or "minimize" (the DSL function)
    operator: str  # the gate's comparison
    threshold: float
    why: str  # the gate's comment in the blueprint
    static: dict[str, str] = field(default_factory=dict)  # more static hyperparameters


PROBLEM_TYPES = {
    "binary": ProblemType(
        "binary", "binary classifier", "roc_auc", "maximize", ">", 0.7,
        "A model without signal scores AUC 0.5; accuracy would reward always answering \"no\".",
        {"positive_class": "yes"}),
    "regression": ProblemType(
        "regression", "regression", "r2", "maximize", ">", 0.5,
        "R^2 is 0 for always predicting the mean; unlike rmse it does not depend on the "
        "label's units, so the gate keeps its meaning with your data."),
    "multiclass": ProblemType(
        "multiclass", "multiclass classifier", "f1_macro", "maximize", ">", 0.5,
        "Macro F1 averages the classes, so a model that always answers the commonest class "
        "scores low even when accuracy would not."),
}
DEFAULT = "binary"
DEFAULT_REGION = "us-east-1"  # the sample blueprints' region; `new --region` picks another

# (DSL class, name, min, max): valid for every problem type of the container
RANGES = (
    ("Integer", "max_depth", 2, 6),
    ("Continuous", "min_child_weight", 1, 10),
    ("Continuous", "subsample", 0.5, 1.0),
    ("Continuous", "gamma", 0, 5),
)
STATIC = {"kfold_splits": "5", "num_round": "100", "eta": "0.1"}

"""What blueprint authors import. Immutable values only; no AWS, no I/O."""
from .blueprint import Blueprint
from .components import (DEFAULT_RANGES, BatchTransform, BuiltInImage, ByoImage, Categorical,
                         Continuous, Endpoint, Environment, FeatureStore, GlueTransform, Integer,
                         LocalData, Objective, Training, Tuning, maximize, minimize)
from .gate import Bound, Gate, metric
from .lifecycle import DriftCheck, SpotTraining
from .production import ModelRegistry, Notifications, Rollout

__all__ = [
    "Blueprint", "BatchTransform", "Bound", "BuiltInImage", "ByoImage", "Categorical", "Continuous",
    "DEFAULT_RANGES", "Endpoint", "Environment", "FeatureStore", "Gate", "GlueTransform", "Integer",
    "DriftCheck", "LocalData", "ModelRegistry", "Notifications", "Objective", "Rollout",
    "SpotTraining", "Training", "Tuning",
    "maximize", "metric", "minimize",
]

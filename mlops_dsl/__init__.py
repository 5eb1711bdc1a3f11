"""mlops_dsl: compile an ML-Ops blueprint into a CloudFormation template and a Step Functions workflow.

The public API. Importing it changes no global state (but for ``python -m mlops_dsl``, whose
working folder leaves ``sys.path``: ``_as_module``) and loads neither boto3 nor the Step Functions
SDK; the compiler loads what it needs when called.
"""
import sys as _sys

if _sys.argv[:1] == ["-m"]:  # python -m mlops_dsl, being located: see _as_module
    from ._as_module import drop_working_folder as _drop

    _drop()
from .dsl import (DEFAULT_RANGES, BatchTransform, Blueprint, Bound, BuiltInImage, ByoImage,
                  Categorical, Continuous, DriftCheck, Endpoint, Environment, FeatureStore, Gate,
                  GlueTransform, Integer, LocalData, ModelRegistry, Notifications, Objective,
                  Rollout, SpotTraining, Training, Tuning, maximize, metric, minimize)
from .errors import BlueprintError, Location, Problem

__version__ = "0.1.0"


def compile_blueprint(blueprint, *, name=None):
    """Compile a Blueprint into artifacts (file name -> bytes). Pure: no AWS, no clock."""
    from .compiler import compile_blueprint as _compile

    return _compile(blueprint, name=name)


def load(path, *, name=None):
    """Load a blueprint from a Python module or a JSON config file."""
    from .loader import load_blueprint

    return load_blueprint(path, name=name)


__all__ = [
    "BatchTransform", "Blueprint", "BlueprintError", "Bound", "BuiltInImage", "ByoImage",
    "Categorical", "Continuous", "DEFAULT_RANGES", "DriftCheck", "Endpoint", "Environment",
    "FeatureStore", "Gate", "GlueTransform", "Integer", "LocalData", "Location", "ModelRegistry",
    "Notifications", "Objective", "Problem", "Rollout", "SpotTraining", "Training", "Tuning",
    "__version__", "compile_blueprint", "load", "maximize", "metric", "minimize",
]

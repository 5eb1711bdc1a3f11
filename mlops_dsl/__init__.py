"""mlops_dsl: compile an ML-Ops blueprint into a CloudFormation template and a Step Functions workflow.

The public API. Importing it changes no global state and loads neither boto3 nor the Step Functions
SDK; the compiler loads what it needs when called.
"""
from .dsl import (DEFAULT_RANGES, BatchTransform, Blueprint, Bound, BuiltInImage, ByoImage,
                  Categorical, Continuous, Endpoint, Environment, FeatureStore, Gate, GlueTransform,
                  Integer, LocalData, Objective, Training, Tuning, maximize, metric, minimize)
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
    "Categorical", "Continuous", "DEFAULT_RANGES", "Endpoint", "Environment", "FeatureStore", "Gate",
    "GlueTransform", "Integer", "LocalData", "Location", "Objective", "Problem", "Training",
    "Tuning", "__version__", "compile_blueprint", "load", "maximize", "metric", "minimize",
]

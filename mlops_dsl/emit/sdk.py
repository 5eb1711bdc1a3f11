"""The only module that imports the AWS Step Functions Data Science SDK (``stepfunctions``).

Why a shim: the SDK's package ``__init__`` (and ``stepfunctions.steps.__init__``) eagerly import its
SageMaker-object steps, which pull in the whole ``sagemaker`` package (~2.5 s, 180 MiB; the 3.x line
fails to import at all) and ``pkg_resources`` (gone from setuptools >= 82). Importing sagemaker also
sets the root logger to ERROR, installs an exception hook, patches YAML dumpers and probes the EC2
metadata address for credentials. We need none of that: only the generic state classes.

How: while loading, we register two empty stand-in packages for ``stepfunctions`` and
``stepfunctions.steps`` whose ``__path__`` points at the real folders, so that importing the
submodules ``stepfunctions.steps.states`` and ``stepfunctions.steps.choice_rule`` runs those files
(and their plain dependencies ``fields``, ``inputs``, ``exceptions``) but never the two ``__init__``
files. The stand-ins are removed afterwards, so a later ``import stepfunctions`` by the user still
runs the real package initialiser and reuses the submodules already loaded.

We do not use the SDK's ``LambdaStep`` or ``GlueStartJobRunStep``: their constructors call
``get_aws_partition()``, which creates boto3 sessions and reads the region from the environment
(impure, and ~0.2 s per step). Service-integration tasks are generic ``Task`` states whose Resource
ARN uses ``${AWS::Partition}``, resolved by CloudFormation's ``Fn::Sub`` at deploy time.

tests/test_sdk_shim.py proves that compiling never imports ``sagemaker``, ``pkg_resources`` or
``boto3`` and leaves the root logger, warning filters, exception hook and YAML dumpers untouched.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types
import warnings


def _load_generic_states():
    if "stepfunctions.steps.states" in sys.modules and "stepfunctions.steps.choice_rule" in sys.modules:
        return sys.modules["stepfunctions.steps.states"], sys.modules["stepfunctions.steps.choice_rule"]
    spec = importlib.util.find_spec("stepfunctions")  # locates the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("the Step Functions Data Science SDK (stepfunctions==2.3.0) is not installed")
    root = list(spec.submodule_search_locations)[0]
    stand_ins = {}
    for name, folder in (("stepfunctions", root), ("stepfunctions.steps", os.path.join(root, "steps"))):
        if name not in sys.modules:
            package = types.ModuleType(name, "mlops_dsl stand-in: see mlops_dsl/emit/sdk.py")
            package.__path__ = [folder]
            package.__package__ = name
            sys.modules[name] = package
            stand_ins[name] = package
    try:
        with warnings.catch_warnings():
            # states.py compares a string with ``is``: a SyntaxWarning on first compilation.
            warnings.simplefilter("ignore", SyntaxWarning)
            states = importlib.import_module("stepfunctions.steps.states")
        choice_rule = importlib.import_module("stepfunctions.steps.choice_rule")
    finally:
        for name, package in stand_ins.items():
            if sys.modules.get(name) is package:
                del sys.modules[name]
    return states, choice_rule


_states, _choice_rule = _load_generic_states()



class _ExtraField:
    """A field name the SDK 2.3.0 predates, in the shape its ``allowed_fields`` lists use."""

    def __init__(self, value: str):
        self.value = value


class Task(_states.Task):
    """The SDK's Task state plus ``ResultSelector`` (added to ASL after SDK 2.3.0 was released)."""

    def allowed_fields(self):
        return super().allowed_fields() + [_ExtraField("result_selector")]


class Fail(_states.Fail):
    """The SDK's Fail state plus ``ErrorPath`` and ``CausePath`` (ASL, 2023)."""

    def allowed_fields(self):
        return super().allowed_fields() + [_ExtraField("error_path"), _ExtraField("cause_path")]


class Retry(_states.Retry):
    """The SDK's Retry plus ``MaxDelaySeconds`` and ``JitterStrategy`` (ASL, 2023)."""

    def allowed_fields(self):
        return super().allowed_fields() + [_ExtraField("max_delay_seconds"),
                                           _ExtraField("jitter_strategy")]


Chain = _states.Chain
Choice = _states.Choice
Succeed = _states.Succeed
Pass = _states.Pass
Wait = _states.Wait
Catch = _states.Catch
Graph = _states.Graph
ChoiceRule = _choice_rule.ChoiceRule

__all__ = ["Catch", "Chain", "Choice", "ChoiceRule", "Fail", "Graph", "Pass", "Retry", "Succeed",
           "Task", "Wait"]

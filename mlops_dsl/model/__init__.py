"""The resolved pipeline: defaults applied, paths made absolute, every AWS name derived.

The emitters read only this model, never the DSL objects or the environment, so what is deployed is
a pure function of the blueprint (plus the bytes of the files it names). ``resolve`` builds it;
``names`` holds every physical name, ``layout`` every store key, ``origin`` where each value came
from.
"""
from .names import Names
from .origin import Origin, SubText, Traced, untrace
from .pipeline import Pipeline
from .resolve import resolve
from .specs import (Asset, BatchSpec, BuiltInImageSpec, ByoImageSpec, DataSpec, EndpointSpec,
                    GateSpec, RangeSpec, TrainingSpec, TransformSpec, TuningSpec)

__all__ = ["Asset", "BatchSpec", "BuiltInImageSpec", "ByoImageSpec", "DataSpec", "EndpointSpec",
           "GateSpec", "Names", "Origin", "Pipeline", "RangeSpec", "SubText", "TrainingSpec", "Traced",
           "TransformSpec", "TuningSpec", "resolve", "untrace"]

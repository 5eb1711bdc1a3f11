"""User text that would become live syntax in the workflow: refused where it cannot be escaped.

Strings are escaped for Fn::Sub wherever user text joins a template (``model.origin.untrace``), and
every shell word is quoted. One thing cannot be escaped: a Parameters key ending in ``.$`` is a
JSONPath that Step Functions evaluates at run time ("Paths: Parameters", Amazon States Language),
and hyperparameter names are Parameters keys of the tuning task.
"""
from __future__ import annotations

from ..dsl import Blueprint
from ..errors import Problem

JSONPATH_SUFFIX = ".$"


def check_literals(bp: Blueprint) -> list[Problem]:
    tuning = bp.tuning
    return [Problem("MLD141", tuning.field_name("static_hyperparameters"),
                    f"the name {key[:80]!r} ends in '.$', which Step Functions reads as a path to "
                    "evaluate at run time; rename the hyperparameter",
                    tuning.where_of("static_hyperparameters"))
            for key in tuning.static_hyperparameters if key.endswith(JSONPATH_SUFFIX)]

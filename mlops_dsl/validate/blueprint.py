"""Checks of a blueprint, before anything is resolved or emitted.

What one field accepts (enumerations, bounds, patterns) is declared on the field in ``mlops_dsl.dsl``
and checked when the value is built; this module reports those findings (``Node.field_problems``)
together with the rules that need several fields, the AWS limits of maps, or the whole blueprint.
Every rule appends to one list so all problems are reported together.
"""
from __future__ import annotations

import dataclasses
import re

from ..dsl import Blueprint, Categorical, Integer
from ..dsl._node import Node
from ..errors import Problem

MAX_TAGS = 50  # S3 buckets accept at most 50 tags
HYPERPARAMETER_VALUE_MAX = 2500  # SageMaker StaticHyperParameters value length


def nodes(value):
    """Every DSL value in ``value``, parents before children, in field order."""
    if isinstance(value, Node):
        yield value
        for item in dataclasses.fields(value):
            if not item.name.startswith("_"):
                yield from nodes(getattr(value, item.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from nodes(item)


def check_blueprint(bp: Blueprint) -> list[Problem]:
    """Every problem of ``bp`` that can be found before its files are read."""
    problems: list[Problem] = []

    def add(code, node, field, message):
        problems.append(Problem(code, node.field_name(field), message, node.where_of(field)))

    def broken(node, *fields) -> bool:
        return any(p.field in fields for p in node.field_problems)

    for node in nodes(bp):
        for problem in node.field_problems:
            add(problem.code, node, problem.field, problem.message)
    env = bp.environment
    if env.private_subnets and not env.vpc_id:
        add("MLD115", env, "private_subnets", "private subnets are given but vpc_id is not; "
            "set the VPC that holds them")
    _check_tags(bp, add)
    _check_tuning(bp, add, broken)
    _check_gate(bp, add)
    return problems


# AWS tag grammar [\p{L}\p{Z}\p{N}_.:/=+\-@]: Python's \w and \s stand in for letters, numbers
# and separators.
TAG_TEXT = re.compile(r"^[\w\s.:/=+\-@]*$")


def _check_tags(bp, add) -> None:
    if len(bp.tags) > MAX_TAGS:
        add("MLD118", bp, "tags", f"{len(bp.tags)} tags exceed the limit of {MAX_TAGS}")
    allowed = "letters, digits, spaces and _ . : / = + - @"
    for key, value in bp.tags.items():
        if not key or len(key) > 128 or key.lower().startswith("aws:") or not TAG_TEXT.match(key):
            add("MLD118", bp, "tags", f"tag key {key!r} is not allowed; use 1 to 128 {allowed}, "
                "not starting with 'aws:'")
        if not value or len(value) > 256 or not TAG_TEXT.match(value):
            add("MLD118", bp, "tags", f"tag {key!r} has the value {value[:40]!r}"
                f"{'...' if len(value) > 40 else ''} ({len(value)} characters); use 1 to 256 {allowed}")


def _check_tuning(bp, add, broken) -> None:
    tuning = bp.tuning
    if tuning.strategy == "Grid" and any(not isinstance(r, Categorical) for r in tuning.ranges):
        add("MLD109", tuning, "strategy", "'Grid' tuning accepts categorical ranges only")
    if (not broken(tuning, "max_jobs", "max_parallel_jobs")
            and tuning.max_parallel_jobs > tuning.max_jobs):
        add("MLD105", tuning, "max_parallel_jobs", f"{tuning.max_parallel_jobs} exceeds max_jobs "
            f"{tuning.max_jobs}")
    if not tuning.ranges:
        add("MLD103", tuning, "ranges", "no hyperparameter ranges; give at least one")
    seen = set()
    for item in tuning.ranges:
        if item.name in seen:
            add("MLD111", item, "name", f"{item.name!r} has more than one range")
        seen.add(item.name)
        if item.name in tuning.static_hyperparameters:
            add("MLD111", item, "name", f"{item.name!r} is both tuned and a static hyperparameter")
        if isinstance(item, Categorical):
            continue
        if not broken(item, "min", "max"):
            _check_range(item, add)
    for key, value in tuning.static_hyperparameters.items():
        if len(value) > HYPERPARAMETER_VALUE_MAX:
            add("MLD111", tuning, "static_hyperparameters", f"value of {key!r} is {len(value)} "
                f"characters; the limit is {HYPERPARAMETER_VALUE_MAX}")


def _check_range(item, add) -> None:
    if item.min >= item.max:
        add("MLD103", item, "min", f"{item.name}: MinValue {item.min:g} must be less than "
            f"MaxValue {item.max:g}")
    if item.scaling == "Logarithmic" and item.min <= 0:
        add("MLD104", item, "scaling", f"{item.name}: Logarithmic scaling needs MinValue > 0, "
            f"got {item.min:g}")
    if item.scaling == "ReverseLogarithmic":
        if isinstance(item, Integer):
            add("MLD104", item, "scaling", f"{item.name}: ReverseLogarithmic scaling is for "
                "continuous ranges only")
        elif not (0 <= item.min and item.max < 1):
            add("MLD104", item, "scaling", f"{item.name}: ReverseLogarithmic scaling needs "
                f"0 <= MinValue < MaxValue < 1, got {item.min:g}..{item.max:g}")


def _check_gate(bp, add) -> None:
    objective = bp.tuning.objective.metric
    if bp.gate_metric != objective:
        add("MLD110", bp.gate, "metric", f"the gate tests {bp.gate_metric!r} but tuning optimises "
            f"{objective!r}; the gate compares the best job's objective metric, so use "
            f"metric({objective!r})")

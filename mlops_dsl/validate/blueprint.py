"""Checks of a blueprint, before anything is resolved or emitted.

What one field accepts (enumerations, bounds, patterns) is declared on the field in ``mlops_dsl.dsl``
and checked when the value is built; this module reports those findings (``Node.field_problems``)
together with the rules that need several fields, the AWS limits of maps, or the whole blueprint.
Every rule appends to one list so all problems are reported together.
"""
from __future__ import annotations

import dataclasses
import re

from ..asl.operators import LOWER, MIRRORED, NUMERIC, UPPER
from ..dsl import Blueprint, Categorical, Endpoint, Integer
from ..dsl._node import REPORTED, Node, declared_problem
from ..dsl.components import Objective
from ..errors import Problem, clip, json_pointer, shorten
from ..model.metrics import MAX_DEFINITIONS, MAX_REGEX, default_regex

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

    def add(code, node, field, message, key=None):
        where = node.where_of(field)
        if key is not None and where.pointer:  # a config's map entry: its own key's pointer
            where = where.at(where.pointer + json_pointer(key))
        problems.append(Problem(code, node.field_name(field), message, where))

    def broken(node, *fields) -> bool:
        """Whether a rule reading ``fields`` must be skipped: one of them is already wrong."""
        return any(p.field in fields for p in node.field_problems)

    for node in nodes(bp):
        for problem in node.field_problems:
            if problem.code != REPORTED:
                add(problem.code, node, problem.field, problem.message, key=problem.item)
    env = bp.environment
    if env.private_subnets and not env.vpc_id and not broken(env, "vpc_id", "private_subnets"):
        add("MLD115", env, "private_subnets", "private subnets are given but vpc_id is not; "
            "set the VPC that holds them")
    if not broken(bp, "tags"):
        _check_tags(bp, add)
    _check_tuning(bp, add, broken)
    _check_metrics(bp.tuning, add, broken)
    if not (broken(bp.gate, "metric") or broken(bp.tuning.objective, "metric")):
        _check_gate(bp, add)
    return problems


def blueprint_warnings(bp: Blueprint) -> list[Problem]:
    """What compiles and runs but is probably not what was meant. They never fail a compile;
    ``compile`` and ``validate`` print them as ``note:`` lines."""
    warnings = []
    symbols = [NUMERIC[op].symbol for op, _ in bp.gate.bounds if op in NUMERIC]
    objective = bp.tuning.objective
    wrong = UPPER if objective.type == "Maximize" else LOWER
    if symbols and all(symbol in wrong for symbol in symbols):
        gate = bp.effective_gate
        better = "higher" if objective.type == "Maximize" else "lower"
        hint = (f"; did you mean {gate.metric} {MIRRORED[symbols[0]]} {gate.threshold:g}?"
                if len(symbols) == 1 else "")
        warnings.append(Problem(
            "MLD135", bp.gate.field_name("operator"),
            f"warning: tuning {objective.type.lower()}s {gate.metric!r} but the gate deploys only "
            f"when {gate.describe()}: the {better} the best model's value, the less it "
            f"passes{hint}", bp.gate.where_of("operator")))
    data = bp.data
    if isinstance(bp.deployment, Endpoint) and data.score is not None:
        warnings.append(Problem(
            "MLD125", data.field_name("score"), f"scoring data {shorten(data.score)} is given, but an "
            "endpoint does no batch scoring, so it is not used; set it to None (score_local_path: "
            "null), or deploy with BatchTransform()", data.where_of("score")))
    return warnings


# AWS tag grammar [\p{L}\p{Z}\p{N}_.:/=+\-@] (botocore TagKey/TagValue): Python's \w stands in for
# letters and numbers (it also matches "_"), and only the space separators of \p{Z}: \s would
# also let in tabs, newlines and other control characters, which AWS refuses.
TAG_TEXT = re.compile(r"[\w \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000.:/=+\-@]*")
TAG_ALLOWED = "letters, digits, spaces and _ . : / = + - @"


def _check_tags(bp, add) -> None:
    if len(bp.tags) > MAX_TAGS:
        add("MLD118", bp, "tags", f"{len(bp.tags)} tags exceed the limit of {MAX_TAGS}")
    for key, value in bp.tags.items():
        if (not key or len(key) > 128 or key.lower().startswith("aws:")
                or not TAG_TEXT.fullmatch(key)):
            add("MLD118", bp, "tags", f"tag key {shorten(key)} is not allowed; use 1 to 128 "
                f"{TAG_ALLOWED}, not starting with 'aws:'", key)
        if not value or len(value) > 256 or not TAG_TEXT.fullmatch(value):
            add("MLD118", bp, "tags", f"tag {shorten(key, 40)} has the value {shorten(value, 40)} "
                f"({len(value)} characters); use 1 to 256 {TAG_ALLOWED}", key)


def _check_tuning(bp, add, broken) -> None:
    tuning = bp.tuning
    if (not broken(tuning, "max_jobs", "max_parallel_jobs")
            and tuning.max_parallel_jobs > tuning.max_jobs):
        add("MLD105", tuning, "max_parallel_jobs", f"{tuning.max_parallel_jobs} exceeds max_jobs "
            f"{tuning.max_jobs}")
    for key, value in tuning.static_hyperparameters.items():
        if len(value) > HYPERPARAMETER_VALUE_MAX:
            add("MLD111", tuning, "static_hyperparameters", f"value of {shorten(key, 40)} is "
                f"{len(value)} characters; the limit is {HYPERPARAMETER_VALUE_MAX}", key)
    if broken(tuning, "ranges"):  # stand-in ranges: nothing to say about them or their names
        return
    if (tuning.strategy == "Grid" and not broken(tuning, "strategy")
            and any(not isinstance(r, Categorical) for r in tuning.ranges)):
        add("MLD109", tuning, "strategy", "'Grid' tuning accepts categorical ranges only")
    if not tuning.ranges:
        add("MLD103", tuning, "ranges", "no hyperparameter ranges; give at least one")
    seen = set()
    for item in tuning.ranges:
        if item.name in seen:
            add("MLD111", item, "name", f"{shorten(item.name)} has more than one range")
        seen.add(item.name)
        if item.name in tuning.static_hyperparameters and not broken(tuning, "static_hyperparameters"):
            add("MLD111", item, "name", f"{shorten(item.name)} is both tuned and a static "
                "hyperparameter")
        if isinstance(item, Categorical):
            continue
        if not broken(item, "min", "max"):
            _check_range(item, add)


def _number(value) -> str:
    """A bound as a message shows it: ``0.5``, ``3``; an integer of any size, shortened."""
    return shorten(value, 40) if isinstance(value, int) else f"{value:g}"


def _check_range(item, add) -> None:
    name, low, high = clip(item.name, 40), _number(item.min), _number(item.max)
    if item.min >= item.max:
        add("MLD103", item, "min", f"{name}: MinValue {low} must be less than MaxValue {high}")
    if item.scaling == "Logarithmic" and item.min <= 0:
        add("MLD104", item, "scaling", f"{name}: Logarithmic scaling needs MinValue > 0, got {low}")
    if item.scaling == "ReverseLogarithmic":
        if isinstance(item, Integer):
            add("MLD104", item, "scaling", f"{name}: ReverseLogarithmic scaling is for "
                "continuous ranges only")
        elif not (0 <= item.min and item.max < 1):
            add("MLD104", item, "scaling", f"{name}: ReverseLogarithmic scaling needs "
                f"0 <= MinValue < MaxValue < 1, got {low}..{high}")


def _check_gate(bp, add) -> None:
    objective = bp.tuning.objective.metric
    if bp.gate_metric != objective:
        add("MLD110", bp.gate, "metric", f"the gate tests {shorten(bp.gate_metric, 40)} but tuning "
            f"optimises {shorten(objective, 40)}; the gate compares the best job's objective "
            f"metric, so use metric({shorten(objective, 40)})")
    bounds = [(op, value) for op, value in bp.gate.bounds if op in NUMERIC]
    if len(bounds) == len(bp.gate.bounds) > 1 and not _satisfiable(bounds):
        add("MLD132", bp.gate, "also", f"no value passes {bp.effective_gate.describe()}, so the "
            f"gate never deploys; check the directions and the thresholds")


def _satisfiable(bounds) -> bool:
    """Whether some number passes every ``(operator, threshold)``. The values passing all of them
    form an interval whose ends are thresholds: if it is not empty it holds a threshold, a point
    between two neighbouring ones, or a point beyond the outermost."""
    points = sorted({value for _, value in bounds})
    candidates = [points[0] - 1, points[-1] + 1, *points,
                  *((low + high) / 2 for low, high in zip(points, points[1:]))]
    return any(all(NUMERIC[op].compare(x, value) for op, value in bounds) for x in candidates)


def _check_metrics(tuning, add, broken) -> None:
    """The MetricDefinitions the tuning job gets: valid names and regexes, SageMaker's limits."""
    extra = tuning.extra_metrics
    objective = tuning.objective.metric
    names = list(extra.keys() if hasattr(extra, "keys") else extra)
    if hasattr(extra, "keys"):  # a tuple's names are checked by their declaration (MetricName)
        for name in names:
            found = declared_problem(Objective, "metric", name)
            if found:
                add("MLD108", tuning, "extra_metrics", found)
        for name, regex in extra.items():
            _check_regex(tuning, "extra_metrics", f"the regex of {name!r}", regex, add)
    if tuning.metric_regex is not None and not broken(tuning, "metric_regex"):
        _check_regex(tuning, "metric_regex", "the objective's regex", tuning.metric_regex, add)
    seen = set()
    for name in names:
        if name == objective:
            add("MLD134", tuning, "extra_metrics", f"{name!r} is the objective metric, which is "
                "always recorded; list only the other metrics (set metric_regex for its regex)")
        elif name in seen:
            add("MLD134", tuning, "extra_metrics", f"{name!r} is listed twice")
        seen.add(name)
    if 1 + len(names) > MAX_DEFINITIONS:
        add("MLD134", tuning, "extra_metrics", f"{len(names)} extra metrics and the objective "
            f"make {1 + len(names)} metric definitions; SageMaker accepts at most {MAX_DEFINITIONS}")
    defaults = [] if tuning.metric_regex is not None else [("metric_regex", objective)]
    defaults += [] if hasattr(extra, "keys") else [("extra_metrics", name) for name in extra]
    for field, name in defaults:
        regex = default_regex(name)
        if len(regex) > MAX_REGEX:
            add("MLD133", tuning, field, f"the default regex of {shorten(name)} has {len(regex)} "
                f"characters, above SageMaker's {MAX_REGEX}; give it a shorter regex of its own")


def _check_regex(node, field, what, regex, add) -> None:
    """A regex SageMaker can take and read one value with: Python compiles it (MLD133 names its
    error), it has exactly one capture group (the value), and 1 to 500 characters."""
    try:
        groups = re.compile(regex).groups
    except re.error as exc:
        add("MLD133", node, field, f"{what} {shorten(regex)} is not a regular expression: {exc}")
        return
    if not 1 <= len(regex) <= MAX_REGEX:
        add("MLD133", node, field, f"{what} {shorten(regex)} has {len(regex)} characters; use 1 "
            f"to {MAX_REGEX} (SageMaker's limit)")
    if groups != 1:
        add("MLD133", node, field, f"{what} {shorten(regex)} has {groups} capture groups; give "
            "exactly one, around the value (write other groups as (?:...))")

"""The metric lines a training job prints and the MetricDefinitions regexes that read them.

The default line is ``<name>: <number>``, the number in any form Python or NumPy prints a float:
``0.85``, ``8.5e-01``, ``-0.125``, ``+3``, ``.5``, ``1E+05`` (not ``nan`` or ``inf``, which are no
value to compare). SageMaker applies the regex with its own engine, so the default keeps to what
every common engine reads the same way: character classes, ``?``, ``*``, ``+``, a non-capturing
group, ``\\b`` and escaped dots. The name is escaped: a metric name has only letters, digits and
``_ : . -`` (MLD108), of which only ``.`` means something outside a class. The ``\\b`` in front (for
a name starting with a letter, digit or ``_``) keeps ``auc`` from reading ``val_auc: 0.7``.
References: "Define metrics and environment variables" (SageMaker developer guide) and
``MetricDefinition`` (SageMaker API reference: Name 1-255 characters, Regex 1-500).
"""
from __future__ import annotations

import re

NUMBER = r"([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)"  # the value: the regex's one capture group
MAX_REGEX = 500  # SageMaker MetricDefinition.Regex: 1-500 characters
MAX_DEFINITIONS = 40  # SageMaker HyperParameterAlgorithmSpecification.MetricDefinitions: at most 40


def default_regex(name: str) -> str:
    """``\\broc_auc: ([-+]?...)``: the line ``roc_auc: <number>``, wherever it starts on the line."""
    start = r"\b" if re.match(r"\w", name, re.ASCII) else ""
    escaped = name.replace(".", r"\.")
    return f"{start}{escaped}: {NUMBER}"


def metric_definitions(objective: str, objective_regex: str | None,
                       extra) -> tuple[tuple[str, str], ...]:
    """``(name, regex)`` of each metric a training job's log is read for, the objective first;
    ``extra`` is a tuple of names (default regexes) or a mapping of name to regex."""
    pairs = [(objective, objective_regex or default_regex(objective))]
    if hasattr(extra, "items"):
        pairs += [(name, regex) for name, regex in extra.items()]
    else:
        pairs += [(name, default_regex(name)) for name in extra]
    return tuple(pairs)

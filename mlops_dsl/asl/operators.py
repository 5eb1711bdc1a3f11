"""The comparison operators of a Choice rule, once: each ASL name with its symbol, the kind of value
it compares, and its ``...Path`` twin (which compares with the value at a path instead of a literal).

Everything that writes, checks, draws or explains a Choice rule reads this table: the DSL's gate
(``metric("auc") > 0.8``), the workflow checks, the diagram, the local runner's progress and summary.
Reference: https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html (Choice Rules).
Pure data and the standard library's ``operator``, so the DSL may import it.
"""
from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass

KINDS = ("numeric", "string", "timestamp", "boolean")


@dataclass(frozen=True)
class Comparison:
    """One comparison operator. ``compare`` is the Python test of two plain values (None where
    Python has none, as for ``StringMatches``'s wildcards)."""

    name: str                     # NumericGreaterThan
    symbol: str                   # >
    kind: str                     # numeric, string, timestamp or boolean
    compare: Callable[[object, object], bool] | None

    @property
    def path_variant(self) -> str | None:
        """``NumericGreaterThanPath``; ``StringMatches`` has none."""
        return None if self.symbol == "matches" else self.name + "Path"


# symbol -> (the ASL name's suffix, Python's test), in the order the DSL lists them
_RELATIONS = ((">", "GreaterThan", operator.gt), (">=", "GreaterThanEquals", operator.ge),
              ("<", "LessThan", operator.lt), ("<=", "LessThanEquals", operator.le),
              ("==", "Equals", operator.eq))
_PREFIX = {"numeric": "Numeric", "string": "String", "timestamp": "Timestamp", "boolean": "Boolean"}


def _table() -> tuple[Comparison, ...]:
    rows = []
    for kind in KINDS:
        relations = _RELATIONS if kind != "boolean" else _RELATIONS[-1:]  # only BooleanEquals
        rows += [Comparison(_PREFIX[kind] + suffix, symbol, kind, test)
                 for symbol, suffix, test in relations]
        if kind == "string":
            rows.append(Comparison("StringMatches", "matches", "string", None))
    return tuple(rows)


COMPARISONS: tuple[Comparison, ...] = _table()
BY_NAME: dict[str, Comparison] = {c.name: c for c in COMPARISONS}
BY_PATH_VARIANT: dict[str, Comparison] = {c.path_variant: c for c in COMPARISONS if c.path_variant}
# The gate compares a metric with a number: the numeric operators, by name and by symbol.
NUMERIC: dict[str, Comparison] = {c.name: c for c in COMPARISONS if c.kind == "numeric"}
NUMERIC_BY_SYMBOL: dict[str, Comparison] = {c.symbol: c for c in NUMERIC.values()}


def comparison(key: str) -> tuple[Comparison, bool] | None:
    """The operator a Choice rule's key names, and whether it is the ``...Path`` twin; None when
    the key is no comparison (``Variable``, ``Next``, a data test such as ``IsPresent``, a typo)."""
    if key in BY_NAME:
        return BY_NAME[key], False
    if key in BY_PATH_VARIANT:
        return BY_PATH_VARIANT[key], True
    return None


# How a value bounded by numeric comparisons reads: the one wording of the gate, wherever it is shown.
MIRRORED = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "=="}  # x > a  is  a < x
LOWER, UPPER = (">", ">="), ("<", "<=")


def reads(subject: str, bounds) -> str:
    """``roc_auc > 0.85`` for one bound, ``0.9 < roc_auc < 0.999`` for a lower and an upper one,
    else each comparison joined with ``and``; ``bounds`` are (numeric operator name, number) pairs."""
    shown = [(NUMERIC[name].symbol, f"{float(value):g}") for name, value in bounds]
    symbols = [symbol for symbol, _ in shown]
    if len(shown) == 2 and sorted(s in LOWER for s in symbols) == [False, True] \
            and all(s in LOWER + UPPER for s in symbols):
        (low_symbol, low), (high_symbol, high) = sorted(shown, key=lambda b: b[0] not in LOWER)
        return f"{low} {MIRRORED[low_symbol]} {subject} {high_symbol} {high}"
    return " and ".join(f"{subject} {symbol} {value}" for symbol, value in shown)

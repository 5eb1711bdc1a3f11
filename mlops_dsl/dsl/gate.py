"""The deployment gate, written as comparisons: ``metric("roc_auc") > 0.85``.

Python comparison operators map onto Step Functions' numeric Choice operators (the table in
``mlops_dsl.asl.operators``), so what the user writes is exactly what the compiled Choice state tests.
A gate may bound the metric from both sides; every bound is kept and compiled into one ``And``
Choice rule, however it is written::

    0.9 < metric("roc_auc") < 0.999                          # a chained comparison
    metric("roc_auc") > 0.9 and metric("roc_auc") < 0.999    # and
    (metric("roc_auc") > 0.9) & (metric("roc_auc") < 0.999)  # & (each comparison in parentheses)

Python answers the first two with their last comparison alone, after asking the others for their
truth value; ``_truth`` explains how the gate reads them whole, and why every other truth test of a
gate (``or``, ``not``, ``if``) is refused at its line (MLD130).
"""
from __future__ import annotations

import sys
from typing import Annotated, Literal

from ..asl.operators import NUMERIC, NUMERIC_BY_SYMBOL, reads
from ..errors import BlueprintError, Problem
from . import _truth
from ._fields import Allowed, Finite
from ._node import Node, caller_location, node

OPERATORS = {name: operator.symbol for name, operator in NUMERIC.items()}  # ASL name -> symbol

Operator = Annotated[Literal[tuple(OPERATORS)], Allowed("MLD107")]
Threshold = Annotated[float, Finite("MLD114")]


def _refuse(code: str, field: str, message: str):
    raise BlueprintError([Problem(code, field, message, caller_location())])


def _joined(name: str) -> str:
    return f"(metric({name!r}) > low) & (metric({name!r}) < high)"


@node
class Bound(Node):
    """One more comparison a gate's metric must pass: ``operator threshold``."""

    operator: Operator
    threshold: Threshold


@node
class Gate(Node):
    """Deploy only when the best training job's ``metric`` passes ``operator threshold`` and each
    bound in ``also`` (all of them: an ``And`` Choice rule).

    The Choice state tests the best job's final objective value, so the gate's metric is the tuning
    objective's: ``metric`` None (the default) says so, and ``Blueprint.effective_gate`` fills it in.
    A metric given explicitly must be the objective's (MLD110).
    """

    metric: str | None = None
    operator: Operator = "NumericGreaterThan"
    threshold: Threshold = 0.7
    also: tuple[Bound, ...] = ()

    @property
    def bounds(self) -> tuple[tuple[str, float], ...]:
        """Every comparison, ``(operator, threshold)``, the first one first."""
        return ((self.operator, self.threshold),
                *((bound.operator, bound.threshold) for bound in self.also))

    def describe(self) -> str:
        """``roc_auc > 0.85``, ``0.9 < roc_auc < 0.999``: how the gate reads in messages."""
        known = [(op, value) for op, value in self.bounds if op in OPERATORS]
        if len(known) < len(self.bounds):  # an operator MLD107 reports: shown as given
            return " and ".join(f"{self.metric or 'objective metric'} {op} {value:g}"
                                for op, value in self.bounds)
        return reads(self.metric if self.metric is not None else "objective metric", known)

    def __and__(self, other):
        """``(metric(m) > a) & (metric(m) < b)``: a gate that needs both."""
        if isinstance(other, metric):
            _refuse("MLD131", "gate", f"'&' binds more tightly than a comparison, so this joins "
                    f"a gate with {other!r} itself; put each comparison in parentheses: "
                    f"{_joined(other.name)}")
        if not isinstance(other, Gate):
            _refuse("MLD131", "gate", f"'&' joins a gate with another gate, not with "
                    f"{type(other).__name__} {other!r}; write {_joined(self.metric or 'metric')}")
        if self.metric is not None and other.metric is not None and self.metric != other.metric:
            _refuse("MLD110", "gate", f"the bounds of one gate compare one metric, the tuning "
                    f"objective's; {self.describe()!r} and {other.describe()!r} compare two")
        more = (*self.also, Bound(operator=other.operator, threshold=other.threshold), *other.also)
        return Gate(metric=self.metric if self.metric is not None else other.metric,
                    operator=self.operator, threshold=self.threshold, also=more)

    def __rand__(self, other):
        _refuse("MLD131", "gate", f"'&' binds more tightly than a comparison, so this joins "
                f"{other!r} with a gate; put each comparison in parentheses: "
                f"{_joined(self.metric or 'metric')}")

    def __or__(self, other):
        _refuse("MLD131", "gate", "'|' cannot join gates: a gate deploys when all of its bounds "
                f"hold; write them joined with &: {_joined(self.metric or 'metric')}")

    __ror__ = __or__

    def __bool__(self) -> bool:
        """Read whole inside a chained comparison or an ``and`` (see ``_truth``); refused
        elsewhere, where Python would keep one bound and drop the others."""
        frame = sys._getframe(1)
        if _truth._ours(frame):
            return True  # our own code asking whether a value is there: it is
        found = _truth.truth_test(frame)
        if found is None:
            name = self.metric or "metric"
            _refuse("MLD130", "gate", f"{self.describe()!r} is asked for its truth value here "
                    f"(by 'or', 'not', 'if', bool(), all(), or code whose source Python cannot "
                    f"show), so one bound would be kept and the others dropped; write the bounds as "
                    f"a chain (low < metric({name!r}) < high), as comparisons joined by 'and', or "
                    f"join gates with '&': {_joined(name)}")
        held = _truth.take(frame)
        _truth.hold(self if held is None else held & self, frame, found[1])
        return True


class metric:  # noqa: N801 - reads as a function in blueprints: metric("auc") > 0.8
    """A reference to a training metric; compare it with a number to get a ``Gate``."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, name: str):
        self.name = name

    def _gate(self, symbol: str, threshold) -> Gate:
        gate = Gate(metric=self.name, operator=NUMERIC_BY_SYMBOL[symbol].name, threshold=threshold)
        frame = _truth.user_frame()
        held = _truth.take(frame) if frame is not None else None
        return gate if held is None else held & gate

    def __gt__(self, threshold):
        return self._gate(">", threshold)

    def __ge__(self, threshold):
        return self._gate(">=", threshold)

    def __lt__(self, threshold):
        return self._gate("<", threshold)

    def __le__(self, threshold):
        return self._gate("<=", threshold)

    def __eq__(self, threshold):  # type: ignore[override]
        return self._gate("==", threshold)

    def __ne__(self, threshold):  # type: ignore[override]
        """Refused: Step Functions has no numeric not-equal, and Python would otherwise answer
        ``not (metric == threshold)``, a silent False instead of a gate."""
        _refuse("MLD107", f"metric({self.name!r})", "a gate cannot use '!=' (Step Functions has "
                f"no numeric not-equal); use one of {', '.join(OPERATORS.values())}")

    def __and__(self, other):
        _refuse("MLD131", f"metric({self.name!r})", "'&' binds more tightly than a comparison; "
                f"put each comparison in parentheses: {_joined(self.name)}")

    __rand__ = __and__

    def __repr__(self) -> str:
        return f"metric({self.name!r})"

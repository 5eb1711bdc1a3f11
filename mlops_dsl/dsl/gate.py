"""The deployment gate, written as a comparison: ``metric("roc_auc") > 0.85``.

Python comparison operators map onto Step Functions' numeric Choice operators (the table in
``mlops_dsl.asl.operators``), so what the user writes is exactly what the compiled Choice state tests.
"""
from __future__ import annotations

from typing import Annotated, Literal

from ..asl.operators import NUMERIC, NUMERIC_BY_SYMBOL
from ..errors import BlueprintError, Problem
from ._fields import Allowed, Finite
from ._node import Node, caller_location, node

OPERATORS = {name: operator.symbol for name, operator in NUMERIC.items()}  # ASL name -> symbol

Operator = Annotated[Literal[tuple(OPERATORS)], Allowed("MLD107")]


@node
class Gate(Node):
    """Deploy only when the best training job's ``metric`` passes ``operator threshold``.

    The Choice state tests the best job's final objective value, so the gate's metric is the tuning
    objective's: ``metric`` None (the default) says so, and ``Blueprint.effective_gate`` fills it in.
    A metric given explicitly must be the objective's (MLD110).
    """

    metric: str | None = None
    operator: Operator = "NumericGreaterThan"
    threshold: Annotated[float, Finite("MLD114")] = 0.7

    def describe(self) -> str:
        """``roc_auc > 0.85``: how the gate reads in messages."""
        symbol = OPERATORS.get(self.operator, self.operator)
        metric = self.metric if self.metric is not None else "objective metric"
        return f"{metric} {symbol} {self.threshold:g}"


class metric:  # noqa: N801 - reads as a function in blueprints: metric("auc") > 0.8
    """A reference to a training metric; compare it with a number to get a ``Gate``."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, name: str):
        self.name = name

    def _gate(self, symbol: str, threshold) -> Gate:
        return Gate(metric=self.name, operator=NUMERIC_BY_SYMBOL[symbol].name, threshold=threshold)

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
        raise BlueprintError([Problem(
            "MLD107", f"metric({self.name!r})", "a gate cannot use '!=' (Step Functions has no "
            f"numeric not-equal); use one of {', '.join(OPERATORS.values())}", caller_location())])

    def __repr__(self) -> str:
        return f"metric({self.name!r})"

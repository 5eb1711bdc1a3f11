"""The deployment gate, written as a comparison: ``metric("roc_auc") > 0.85``.

Python comparison operators map onto Step Functions' numeric Choice operators (the table in
``mlops_dsl.asl.operators``), so what the user writes is exactly what the compiled Choice state tests.
"""
from __future__ import annotations

from ..asl.operators import NUMERIC, NUMERIC_BY_SYMBOL
from ._node import Node, node

OPERATORS = {name: operator.symbol for name, operator in NUMERIC.items()}  # ASL name -> symbol


@node
class Gate(Node):
    """Deploy only when the best training job's ``metric`` passes ``operator threshold``."""

    metric: str = "accuracy"
    operator: str = "NumericGreaterThan"
    threshold: float = 0.7

    def describe(self) -> str:
        """``roc_auc > 0.85``: how the gate reads in messages."""
        symbol = OPERATORS.get(self.operator, self.operator)
        return f"{self.metric} {symbol} {self.threshold:g}"


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

    def __repr__(self) -> str:
        return f"metric({self.name!r})"

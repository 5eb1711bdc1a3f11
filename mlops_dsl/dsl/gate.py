"""The deployment gate, written as a comparison: ``metric("roc_auc") > 0.85``.

Python comparison operators map onto Step Functions' numeric Choice operators, so what the user
writes is exactly what the compiled Choice state tests.
"""
from __future__ import annotations

from ._node import Node, node

OPERATORS = {
    "NumericGreaterThan": ">",
    "NumericGreaterThanEquals": ">=",
    "NumericLessThan": "<",
    "NumericLessThanEquals": "<=",
    "NumericEquals": "==",
}


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

    def __gt__(self, threshold):
        return Gate(metric=self.name, operator="NumericGreaterThan", threshold=threshold)

    def __ge__(self, threshold):
        return Gate(metric=self.name, operator="NumericGreaterThanEquals", threshold=threshold)

    def __lt__(self, threshold):
        return Gate(metric=self.name, operator="NumericLessThan", threshold=threshold)

    def __le__(self, threshold):
        return Gate(metric=self.name, operator="NumericLessThanEquals", threshold=threshold)

    def __eq__(self, threshold):  # type: ignore[override]
        return Gate(metric=self.name, operator="NumericEquals", threshold=threshold)

    def __repr__(self) -> str:
        return f"metric({self.name!r})"

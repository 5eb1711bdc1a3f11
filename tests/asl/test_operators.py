"""mlops_dsl.asl.operators: one table of Choice comparison operators, checked against the ASL
validator's own schema, the DSL's comparisons and Python's."""
from __future__ import annotations

import json
import operator
from pathlib import Path

import pytest

from mlops_dsl.asl.operators import (BY_NAME, BY_PATH_VARIANT, COMPARISONS, NUMERIC, NUMERIC_BY_SYMBOL,
                                     comparison)

CHOICE_SCHEMA = (Path(__file__).resolve().parent / "node_modules" / "asl-validator" / "src" / "schemas"
                 / "choice.json")
PYTHON = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq}


def _schema_operators() -> dict[str, object]:
    """Every comparison key asl-validator's Choice schema accepts, with the JSON type of its value."""
    assert CHOICE_SCHEMA.exists(), "run: npm install --prefix tests/asl"
    tests = json.loads(CHOICE_SCHEMA.read_text())["definitions"]["ChoiceRules"]["DataTest"]
    return {key: rule["properties"][key].get("type", "path") for key, rule in tests.items()
            if key in rule.get("properties", {}) and not key.startswith("Is")}


def test_the_table_has_every_comparison_of_the_language_and_its_path_twin():
    accepted = _schema_operators()
    ours = set(BY_NAME) | set(BY_PATH_VARIANT)
    assert ours == set(accepted)
    for item in COMPARISONS:
        expected = {"numeric": "number", "boolean": "boolean"}.get(item.kind, "string")
        assert accepted[item.name] == expected, item.name
        if item.path_variant:
            assert accepted[item.path_variant] == "path"
            assert comparison(item.path_variant) == (item, True)
        assert comparison(item.name) == (item, False)
    assert comparison("Variable") is None and comparison("IsPresent") is None


def test_every_numeric_operator_maps_to_one_symbol_and_back():
    symbols = [item.symbol for item in NUMERIC.values()]
    assert len(set(symbols)) == len(NUMERIC) == 5
    for name, item in NUMERIC.items():
        assert NUMERIC_BY_SYMBOL[item.symbol].name == name


@pytest.mark.parametrize("item", [c for c in COMPARISONS if c.compare], ids=lambda c: c.name)
def test_each_operator_tests_what_its_symbol_says(item):
    values = {"numeric": (1, 2), "string": ("a", "b"), "timestamp": ("2024-01-01T00:00:00Z",
                                                                      "2024-01-02T00:00:00Z"),
              "boolean": (False, True)}[item.kind]
    for left in values:
        for right in values:
            assert item.compare(left, right) == PYTHON[item.symbol](left, right)


def test_the_dsl_comparisons_are_the_table():
    from mlops_dsl.dsl import metric
    from mlops_dsl.dsl.gate import OPERATORS

    made = {">": metric("auc") > 0.8, ">=": metric("auc") >= 0.8, "<": metric("auc") < 0.8,
            "<=": metric("auc") <= 0.8, "==": metric("auc") == 0.8}
    assert set(made) == set(NUMERIC_BY_SYMBOL)
    for symbol, gate in made.items():
        assert gate.operator == NUMERIC_BY_SYMBOL[symbol].name
        assert gate.describe() == f"auc {symbol} 0.8"
    assert OPERATORS == {name: item.symbol for name, item in NUMERIC.items()}

"""mlops_dsl.asl.graph on hand-written workflows (the samples' diagrams are goldens)."""
from __future__ import annotations

import pytest

from mlops_dsl.asl.graph import rule_text, to_dot, to_mermaid

DEFINITION = {"StartAt": "A", "States": {
    "A": {"Type": "Task", "Resource": "x", "Next": "C",
          "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}]},
    "C": {"Type": "Choice", "Default": "F", "Choices": [
        {"Variable": "$.n", "NumericGreaterThanEquals": 3, "Next": "P"},
        {"And": [{"Variable": "$.s", "StringEquals": "x"}, {"Variable": "$.b", "IsPresent": True}],
         "Next": "P"}]},
    "P": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "End": True}}}]},
    "F": {"Type": "Fail", "Error": "E"}}}


def test_catch_edges_are_dashed_and_choices_labelled():
    mermaid = to_mermaid(DEFINITION, {"$.n": "count"})
    assert "s_A -.->|\"catch States.ALL\"| s_F" in mermaid
    assert "s_C -->|\"count >= 3\"| s_P" in mermaid
    assert "($.s == 'x') and ($.b IsPresent true)" in mermaid
    assert "subgraph s_P[\"P (Parallel)\"]" in mermaid and "s_P -->" in mermaid
    dot = to_dot(DEFINITION)
    assert 's_A -> s_F [label="catch States.ALL", style=dashed];' in dot
    assert "subgraph cluster_s_P" in dot and "compound=true;" in dot


@pytest.mark.parametrize("rule,text", [
    ({"Variable": "$.m", "NumericLessThan": 0.5}, "$.m < 0.5"),
    ({"Variable": "$.m", "NumericLessThanEqualsPath": "$.limit"}, "$.m <= $.limit"),
    ({"Variable": "$.t", "TimestampGreaterThan": "2024-01-01T00:00:00Z"}, "$.t > '2024-01-01T00:00:00Z'"),
    ({"Variable": "$.s", "StringMatches": "log-*.txt"}, "$.s matches 'log-*.txt'"),
    ({"Variable": "$.b", "BooleanEquals": False}, "$.b == false"),
    ({"Variable": "$.x", "IsNull": False}, "$.x IsNull false"),
    ({"Not": {"Variable": "$.x", "IsPresent": True}}, "not ($.x IsPresent true)"),
    ({"Or": [{"Variable": "$.a", "NumericEquals": 1}, {"Variable": "$.a", "NumericEquals": 2}]},
     "($.a == 1) or ($.a == 2)"),
])
def test_rule_text(rule, text):
    assert rule_text(dict(rule, Next="N"), {"$.limit": "$.limit"}) == text

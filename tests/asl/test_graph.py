"""mlops_dsl.asl.graph on hand-written workflows (the samples' diagrams are goldens)."""
from __future__ import annotations

import re

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


def test_mermaid_labels_code_what_html_or_mermaid_would_read():
    """A bare ``<`` opens an HTML tag in a Mermaid label, ``&`` an entity, ``#`` an entity code
    and ``"`` ends it: each is written as Mermaid's entity code, in node and edge labels alike."""
    definition = {"StartAt": "Tune <b> & #1", "States": {
        "Tune <b> & #1": {"Type": "Task", "Resource": "x", "Next": "Gate"},
        "Gate": {"Type": "Choice", "Default": "Say \"no\"", "Choices": [
            {"And": [{"Variable": "$.auc", "NumericGreaterThan": 0.9},
                     {"Variable": "$.auc", "NumericLessThan": 0.999}], "Next": "Done"}]},
        "Done": {"Type": "Succeed"},
        "Say \"no\"": {"Type": "Fail", "Error": "E"}}}
    mermaid = to_mermaid(definition, {"$.auc": "auc"})
    labels = re.findall(r'"([^"]*)"', mermaid)
    assert labels and all("<" not in label and "&" not in label for label in labels), labels
    assert all(re.fullmatch(r"([^#]|#(35|38|60|quot);)*", label) for label in labels), labels
    assert '-->|"0.9 #60; auc #60; 0.999"| s_Done' in mermaid
    assert '["Tune #60;b> #38; #35;1"]' in mermaid and '[["Say #quot;no#quot;"]]' in mermaid
    dot = to_dot(definition, {"$.auc": "auc"})  # DOT's quoted strings take them as they are
    assert 'label="0.9 < auc < 0.999"' in dot and 'label="Tune <b> & #1"' in dot

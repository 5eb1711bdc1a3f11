"""graph: every sample blueprint's workflow as Mermaid, checked against tests/golden_graph/.

Regenerate with ``pytest tests/deploy/test_graph_goldens.py --update-goldens`` and review the diff.
"""
from __future__ import annotations

import pytest
from deploy_helpers import ROOT
from helpers import sample_blueprints

GOLDEN_GRAPH = ROOT / "tests" / "golden_graph"


@pytest.mark.parametrize("path", sample_blueprints(), ids=lambda p: p.name)
def test_mermaid_matches_golden(path, cli, update_goldens):
    code, out, err = cli("graph", path)
    assert code == 0, err
    golden = GOLDEN_GRAPH / f"{path.stem}.mmd"
    if update_goldens:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(out, encoding="utf-8")
    assert golden.exists(), f"no golden for {path.name}: run pytest --update-goldens"
    assert out == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", sample_blueprints(), ids=lambda p: p.name)
def test_gate_and_both_branches_are_visible(path, cli):
    from mlops_dsl.compiler import compile_file

    gate = compile_file(path).pipeline.gate
    for fmt in ("mermaid", "dot"):
        code, out, _ = cli("graph", path, "--format", fmt)
        assert code == 0
        assert gate.describe() in out                       # the deploy branch, labelled with the rule
        assert "default" in out and "Metric_below_threshold" in out  # the other branch
        assert out == cli("graph", path, "--format", fmt)[1]  # deterministic


def test_catch_edges_are_dashed_and_choices_labelled():
    from mlops_dsl.graph import to_dot, to_mermaid

    definition = {"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": "x", "Next": "C",
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}]},
        "C": {"Type": "Choice", "Default": "F", "Choices": [
            {"Variable": "$.n", "NumericGreaterThanEquals": 3, "Next": "P"},
            {"And": [{"Variable": "$.s", "StringEquals": "x"}, {"Variable": "$.b", "IsPresent": True}],
             "Next": "P"}]},
        "P": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "End": True}}}]},
        "F": {"Type": "Fail", "Error": "E"}}}
    mermaid = to_mermaid(definition, {"$.n": "count"})
    assert "s_A -.->|\"catch States.ALL\"| s_F" in mermaid
    assert "s_C -->|\"count >= 3\"| s_P" in mermaid
    assert "($.s == 'x') and ($.b IsPresent true)" in mermaid
    assert "subgraph s_P[\"P (Parallel)\"]" in mermaid and "s_P -->" in mermaid
    dot = to_dot(definition)
    assert 's_A -> s_F [label="catch States.ALL", style=dashed];' in dot
    assert "subgraph cluster_s_P" in dot and "compound=true;" in dot
    assert to_mermaid(definition) == to_mermaid(definition)


def test_graph_can_write_a_file(cli, tmp_path):
    target = tmp_path / "pipeline.dot"
    code, out, _ = cli("graph", ROOT / "blueprints" / "attrition.py", "--format", "dot", "-o", target)
    assert code == 0 and "wrote" in out
    assert target.read_text().startswith("digraph workflow {")

"""graph: the gate's two branches are drawn and labelled; ``-o FILE`` writes the diagram.

The diagrams of the sample blueprints are golden files, checked in tests/test_goldens.py.
"""
from __future__ import annotations

import pytest
from deploy_helpers import BLUEPRINTS, ROOT
from helpers import sample_blueprints

GOLDEN_GRAPH = ROOT / "tests" / "golden_graph"


@pytest.mark.parametrize("path", sample_blueprints(), ids=lambda p: p.name)
def test_gate_and_both_branches_are_visible(path, cli):
    from mlops_dsl.compiler import compile_file

    gate = compile_file(path).pipeline.gate
    for fmt in ("mermaid", "dot"):
        code, out, _ = cli("graph", path, "--format", fmt)
        assert code == 0
        assert gate.describe() in out                 # the deploy branch, labelled with the rule
        assert "default" in out and "Metric below threshold" in out  # the other branch


def test_graph_can_write_a_file(cli, tmp_path):
    target = tmp_path / "pipeline.dot"
    code, out, _ = cli("graph", BLUEPRINTS / "attrition.py", "--format", "dot", "-o", target)
    assert code == 0 and out.startswith(f"wrote {target} (dot, ")
    assert target.read_text(encoding="utf-8") == (GOLDEN_GRAPH / "attrition.dot").read_text(encoding="utf-8")

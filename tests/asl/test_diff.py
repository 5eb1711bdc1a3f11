"""mlops_dsl.asl.diff: states added, removed and changed, nested ones by their outer state."""
from __future__ import annotations

import copy

from mlops_dsl.asl.diff import MAX_VALUE_CHARS, diff

DEPLOYED = {"StartAt": "A", "States": {
    "A": {"Type": "Pass", "Result": {"x": 1}, "Next": "P"},
    "P": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}}]},
    "Old": {"Type": "Succeed"}}}


def test_equal_definitions_have_no_diff():
    assert diff(DEPLOYED, copy.deepcopy(DEPLOYED)) == []


def test_a_first_deploy_adds_every_state():
    assert diff(None, DEPLOYED) == ["+ A", "+ Old", "+ P", "+ P/B"]


def test_added_removed_and_changed_states():
    proposed = copy.deepcopy(DEPLOYED)
    del proposed["States"]["Old"]
    proposed["States"]["New"] = {"Type": "Fail", "Error": "E"}
    proposed["States"]["A"]["Result"] = {"x": 2, "y": "z" * MAX_VALUE_CHARS}
    proposed["States"]["P"]["Branches"][0]["States"]["B"]["Comment"] = "nested"
    lines = diff(DEPLOYED, proposed)
    assert lines[:3] == ["- Old (Succeed)", "+ New (Fail)", "~ A"]
    assert "    Result.x: 1 -> 2" in lines
    added = next(line for line in lines if line.startswith("    + Result.y: "))
    assert len(added) == len("    + Result.y: ") + MAX_VALUE_CHARS and added.endswith("...")
    assert lines[-2:] == ["~ P/B", '    + Comment: "nested"']
    assert "~ P" not in lines  # the branch changed, not the Parallel state's own fields

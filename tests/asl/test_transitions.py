"""mlops_dsl.asl.transitions: where a state can go next, and the workflows nested in it."""
from __future__ import annotations

from mlops_dsl.asl.transitions import nested_workflows, transitions


def test_transitions_of_a_state_in_one_order():
    state = {"Type": "Choice", "Default": "D",
             "Choices": [{"Variable": "$.x", "BooleanEquals": True, "Next": "A"}],
             "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}]}
    assert [(t.field, t.target) for t in transitions(state)] == [
        ("Choices/0/Next", "A"), ("Default", "D"), ("Catch/0/Next", "F")]
    assert transitions(state)[0].rule["Variable"] == "$.x"
    assert transitions(state)[2].catch["ErrorEquals"] == ["States.ALL"]
    assert [t.field for t in transitions({"Type": "Pass", "Next": "B"})] == ["Next"]
    assert transitions({"Type": "Succeed"}) == []


def test_nested_workflows_of_parallel_and_map_states():
    one, two = {"StartAt": "A", "States": {}}, {"StartAt": "B", "States": {}}
    assert nested_workflows({"Type": "Parallel", "Branches": [one, two]}) == [one, two]
    assert nested_workflows({"Type": "Map", "ItemProcessor": one}) == [one]
    assert nested_workflows({"Type": "Map", "Iterator": two}) == [two]  # before ItemProcessor
    assert nested_workflows({"Type": "Task", "Next": "X"}) == []

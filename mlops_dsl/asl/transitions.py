"""The shape of a state machine: the transitions out of a state, the states that end it, and the
workflows nested inside a state.

One place knows where a state can go next (``Next``, each Choice rule, ``Default``, each
``Catch``), in one order; the structural checks, the data-flow analysis and the diagram all read
transitions from here, and the diagram and the diff find nested workflows here.
"""
from __future__ import annotations

from dataclasses import dataclass

TERMINAL = frozenset({"Succeed", "Fail"})  # state types that end the execution, with no Next/End
NESTED = ("Branches", "ItemProcessor", "Iterator")  # the keys that hold nested workflows


@dataclass(frozen=True)
class Transition:
    """One way out of a state. ``field`` is its JSON pointer inside the state (``Choices/0/Next``);
    ``rule`` is the Choice rule and ``catch`` the catcher, when the transition is one."""

    field: str
    target: object
    rule: dict | None = None
    catch: dict | None = None


def transitions(state: dict) -> list[Transition]:
    """Every transition a state declares, targets as written (they may not exist)."""
    out = []
    if "Next" in state:
        out.append(Transition("Next", state["Next"]))
    for index, rule in enumerate(state.get("Choices", ())):
        out.append(Transition(f"Choices/{index}/Next", rule.get("Next"), rule=rule))
    if "Default" in state:
        out.append(Transition("Default", state["Default"]))
    for index, catch in enumerate(state.get("Catch", ())):
        out.append(Transition(f"Catch/{index}/Next", catch.get("Next"), catch=catch))
    return out


def nested_workflows(state: dict) -> list[dict]:
    """The workflows inside a state: a Parallel's branches, a Map's item processor (``Iterator``
    in definitions written before ``ItemProcessor``); none for other states."""
    if state.get("Branches"):
        return list(state["Branches"])
    inner = state.get("ItemProcessor") or state.get("Iterator")
    return [inner] if inner else []

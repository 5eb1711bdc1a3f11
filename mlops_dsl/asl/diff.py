"""A readable diff of two workflow definitions: states added, removed and changed. Pure.

Both sides are compared as written in the template (``${Logical}`` placeholders unresolved), so a
difference is a difference in the blueprint, not in how CloudFormation resolved a name.
"""
from __future__ import annotations

import json

from .transitions import NESTED, nested_workflows

MAX_VALUE_CHARS = 80


def _flatten(value, prefix: str = "") -> dict[str, object]:
    if isinstance(value, dict) and value:
        flat = {}
        for key in sorted(value):
            flat.update(_flatten(value[key], f"{prefix}.{key}" if prefix else key))
        return flat
    if isinstance(value, list) and value:
        flat = {}
        for index, item in enumerate(value):
            flat.update(_flatten(item, f"{prefix}[{index}]"))
        return flat
    return {prefix: value}


def _states(definition: dict | None, prefix: str = "") -> dict[str, dict]:
    """Every state, nested ones (Parallel branches, Map iterators) named ``Outer/Inner``."""
    found = {}
    for name, state in ((definition or {}).get("States") or {}).items():
        found[prefix + name] = state
        for inner in nested_workflows(state):
            found.update(_states(inner, f"{prefix}{name}/"))
    return found


def _shown(value) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS - 3] + "..."


def _own(state: dict) -> dict:
    """A state without its nested workflows (those are compared state by state)."""
    return {k: v for k, v in state.items() if k not in NESTED}


def diff(deployed: dict | None, proposed: dict) -> list[str]:
    """Lines describing how ``proposed`` differs from ``deployed``; empty when they are equal."""
    if deployed is None:
        return [f"+ {name}" for name in sorted(_states(proposed))]
    lines = []
    if deployed.get("StartAt") != proposed.get("StartAt"):
        lines.append(f"~ StartAt: {deployed.get('StartAt')} -> {proposed.get('StartAt')}")
    old, new = _states(deployed), _states(proposed)
    for name in sorted(set(old) - set(new)):
        lines.append(f"- {name} ({old[name].get('Type')})")
    for name in sorted(set(new) - set(old)):
        lines.append(f"+ {name} ({new[name].get('Type')})")
    for name in sorted(set(old) & set(new)):
        before, after = _flatten(_own(old[name])), _flatten(_own(new[name]))
        changed = sorted(k for k in set(before) | set(after) if before.get(k, ...) != after.get(k, ...))
        if not changed:
            continue
        lines.append(f"~ {name}")
        for key in changed:
            if key not in before:
                lines.append(f"    + {key}: {_shown(after[key])}")
            elif key not in after:
                lines.append(f"    - {key}: {_shown(before[key])}")
            else:
                lines.append(f"    {key}: {_shown(before[key])} -> {_shown(after[key])}")
    return lines

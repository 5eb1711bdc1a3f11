"""The record a local run leaves for a later ``--resume``: ``<run dir>/resume.json``.

While a run goes, ``Journal.see`` (fed the same history events the progress display gets) keeps
the input of every state entered, in order. At the end ``write`` adds what a resume needs to
continue from the failed state: the execution input (so ``$$.Execution.Input`` stays the original
one), the fingerprint of each state that ran (``fingerprint``), and what the local services hold
only in memory (the training jobs the tuner ran, the models and endpoint configs created), since a
resumed run's later states look them up. A resumed run's journal starts with the entries it reused,
so a resume of a resume reuses everything before its own failure.
"""
from __future__ import annotations

import json
from pathlib import Path

from .fingerprint import state_fingerprint

RECORD = "resume.json"
FORMAT = 1  # bumped when the record changes so an old one is refused, not misread


class Journal:
    """The states one execution entered and their inputs; ``skip`` is a state not to record (the
    Pass state a resume starts with)."""

    def __init__(self, execution_input: dict, inherited: list[dict] = (), skip: str | None = None):
        self.execution_input = execution_input
        self.entries: list[dict] = [dict(entry) for entry in inherited]
        self.skip = skip

    def see(self, event) -> None:
        if event.entered and event.state and event.state != self.skip:
            text = event.details.get("input")
            try:
                value = json.loads(text) if text else None
            except ValueError:
                value = text
            self.entries.append({"name": event.state, "input": value})

    def fingerprints(self, compiled) -> dict:
        """state -> fingerprint, for every top-level state entered (with its last input)."""
        states = compiled.definition.get("States") or {}
        last = {entry["name"]: entry["input"] for entry in self.entries}
        return {name: state_fingerprint(name, compiled, value)
                for name, value in last.items() if name in states}

    def write(self, run_dir: Path, compiled, result, services: dict) -> Path:
        record = {
            "format": FORMAT, "pipeline": compiled.pipeline.name, "run_id": run_dir.name,
            "status": result.status, "failed_state": result.failed_state,
            "resumed_from": result.resumed_from, "execution_input": self.execution_input,
            "states": self.entries, "fingerprints": self.fingerprints(compiled),
            "services": services,
        }
        path = run_dir / RECORD
        path.write_text(json.dumps(record, indent=2, sort_keys=True, default=str) + "\n")
        return path


def read(run_dir: Path) -> dict | None:
    """The run's record, or None when it has none (a run stopped before its workflow started, or
    one recorded by an mlops_dsl without resume) or an unreadable one."""
    try:
        record = json.loads((Path(run_dir) / RECORD).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and record.get("format") == FORMAT else None

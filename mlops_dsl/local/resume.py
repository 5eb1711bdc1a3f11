"""``run --local --resume RUN``: continue a failed local run from its failed state.

``plan(compiled, workspace, run)`` finds the run folder (a name in the workspace, or ``last``: the
latest failed run of this pipeline that no later run resumed, so ``last`` follows a chain of
resumes), refuses what cannot be resumed (MLD510-MLD514, before anything
is written) and returns a ``ResumePlan``. The resumed run is a new execution of the resuming
command's own compiled workflow, whose definition starts with one Pass state (``START``) that
injects the failed state's recorded input and goes to the failed state; its execution input is the
original run's, so ``$$.Execution.Input`` means what it meant. Before it starts, the stores get the
objects the run left in its folder (extracts, models, metadata), then the resuming command's own
data and scripts; the services get the training jobs, models and endpoint configs recorded.

The states before the failed one are reused, not run again; a resume is refused when the blueprint
changed what they depended on (``fingerprint``). The failed state and the ones after may change:
that is how a user fixes what failed.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BlueprintError, Location, Problem
from . import journal
from .fingerprint import changes, state_fingerprint

LAST = "last"
START = "Resume from an earlier run"  # the injected Pass state (a state name: at most 80 chars)
RESUMABLE = ("FAILED", "ABORTED", "TIMED_OUT")
NOT_FOUND, SUCCEEDED, OTHER_PIPELINE, CHANGED, NOT_RESUMABLE = (
    "MLD510", "MLD511", "MLD512", "MLD513", "MLD514")
LISTED = 20  # run folders a "not found" message lists at most


@dataclass
class ResumePlan:
    """What a resumed run reuses and where it starts."""

    source: Path  # the run folder resumed
    failed_state: str
    failed_input: object
    execution_input: dict
    reused: list[str]  # the states not run again, in the order they ran
    inherited: list[dict]  # the journal entries before the failed state (for the new journal)
    services: dict = field(default_factory=dict)

    @property
    def run_id(self) -> str:
        return self.source.name

    def definition(self, definition: dict) -> dict:
        """``definition`` (as executed: placeholders resolved) starting at the injected state."""
        resumed = copy.deepcopy(definition)
        name = START
        while name in resumed["States"]:
            name += "."
        resumed["States"][name] = {
            "Type": "Pass", "Result": self.failed_input, "Next": self.failed_state,
            "Comment": f"Resume of local run {self.run_id}: the input {self.failed_state!r} had"}
        resumed["StartAt"] = name
        return resumed

    def restore_stores(self, stores, buckets: dict[str, str]) -> int:
        """Upload the objects the resumed run exported to its folder; returns how many."""
        count = 0
        for short, bucket in buckets.items():
            folder = self.source / short
            if folder.is_dir():
                count += len(stores.upload_folder(folder, bucket))
        return count

    def describe(self) -> str:
        reused = ", ".join(self.reused) if self.reused else "none"
        return (f"resuming run {self.run_id} at state {self.failed_state!r}; reused, not run "
                f"again: {reused}")


def _runs(workspace: Path) -> list[tuple[Path, dict | None]]:
    """(folder, record) of every run folder of the workspace, newest first."""
    if not workspace.is_dir():
        return []
    folders = [p for p in workspace.iterdir()
               if p.is_dir() and ((p / journal.RECORD).is_file() or (p / "run.json").is_file())]
    def when(path):
        marker = path / journal.RECORD if (path / journal.RECORD).is_file() else path / "run.json"
        return marker.stat().st_mtime
    return [(p, journal.read(p)) for p in sorted(folders, key=when, reverse=True)]


def _listing(workspace: Path) -> str:
    runs = _runs(workspace)
    if not runs:
        return f"the workspace {workspace} has no run folders"
    shown = [f"{p.name} ({r.get('pipeline')}, {str(r.get('status')).lower()})" if r else f"{p.name} (no resume "
             "record)" for p, r in runs[:LISTED]]
    more = f", and {len(runs) - LISTED} more" if len(runs) > LISTED else ""
    return f"the run folders of {workspace}, newest first: {', '.join(shown)}{more}"


def _refuse(code: str, message: str, where) -> BlueprintError:
    return BlueprintError([Problem(code, "--resume", message, Location(str(where)))])


def find(workspace: Path, run: str, pipeline: str) -> tuple[Path, dict]:
    """The run folder and record ``run`` names; refuses one that cannot be resumed."""
    if run == LAST:
        runs = _runs(workspace)
        resumed = {record.get("resumed_from") for _, record in runs if record}
        for folder, record in runs:  # a run a later one resumed is superseded by it
            if (record and record.get("pipeline") == pipeline
                    and record.get("status") in RESUMABLE
                    and folder.name not in resumed):
                return folder, record
        raise _refuse(NOT_FOUND, f"no failed run of {pipeline} to resume (`last`); "
                      f"{_listing(workspace)}", workspace)
    folder = workspace / run
    if not run or run in (".", "..") or Path(run).name != run or not folder.is_dir():
        raise _refuse(NOT_FOUND, f"no run folder {run!r} in the workspace; {_listing(workspace)}",
                      workspace)
    record = journal.read(folder)
    if record is None:
        raise _refuse(NOT_RESUMABLE, f"the run {run} left no resume record ({journal.RECORD}): it "
                      "stopped before its workflow started, or an mlops_dsl without --resume ran "
                      "it", folder)
    if record.get("pipeline") != pipeline:
        raise _refuse(OTHER_PIPELINE, f"the run {run} is a run of the pipeline "
                      f"{record.get('pipeline')!r}, not of {pipeline!r}", folder)
    if record.get("status") == "SUCCEEDED":
        raise _refuse(SUCCEEDED, f"the run {run} succeeded: there is nothing to resume "
                      "(run again without --resume)", folder)
    if record.get("status") not in RESUMABLE:
        raise _refuse(NOT_RESUMABLE, f"the run {run} ended {record.get('status')}; only a "
                      f"{', '.join(s.lower() for s in RESUMABLE)} run can be resumed", folder)
    return folder, record


def plan(compiled, workspace: Path, run: str) -> ResumePlan:
    """The plan to resume ``run`` with ``compiled`` (the resuming command's blueprint)."""
    pipeline = compiled.pipeline
    folder, record = find(Path(workspace), run, pipeline.name)
    failed = record.get("failed_state")
    entries = record.get("states") or []
    last = max((i for i, e in enumerate(entries) if e["name"] == failed), default=None)
    states = compiled.definition.get("States") or {}
    if last and failed in states and states[failed].get("Type") == "Fail":
        last -= 1  # a Fail state fails by design: resume at the state that chose it (the gate)
        failed = entries[last]["name"]
    if last is None or failed not in states:
        why = ("it recorded no failed state" if not failed else
               f"its failed state {failed!r} is not a top-level state of this workflow"
               if failed not in states else f"it recorded no input of its failed state {failed!r}")
        raise _refuse(NOT_RESUMABLE, f"the run {folder.name} cannot be resumed: {why}", folder)
    inherited = entries[:last]
    reused = list(dict.fromkeys(e["name"] for e in inherited if e["name"] != failed))
    _check_unchanged(compiled, record, reused, inherited, folder)
    return ResumePlan(folder, failed, entries[last]["input"], record.get("execution_input") or {},
                      reused, inherited, record.get("services") or {})


def _check_unchanged(compiled, record: dict, reused: list[str], inherited: list[dict],
                     folder: Path) -> None:
    """Refuse (MLD513, one problem per state) when a reused state's fingerprint changed."""
    states = compiled.definition["States"]
    recorded = record.get("fingerprints") or {}
    inputs = {e["name"]: e["input"] for e in inherited}
    problems = []
    for name in reused:
        if name not in recorded:
            continue  # a state inside a Map or Parallel: its container's fingerprint covers it
        if name not in states:
            found = [f"it is no longer in the workflow"]
        else:
            found = changes(recorded[name], state_fingerprint(name, compiled, inputs.get(name)))
        if found:
            problems.append(Problem(
                CHANGED, name, f"reused by the resume of {folder.name}, but the blueprint changed "
                f"what it depended on: {'; '.join(found[:5])}"
                f"{f' (and {len(found) - 5} more)' if len(found) > 5 else ''}; undo the change, "
                "or run again without --resume", compiled.pipeline.where))
    if problems:
        raise BlueprintError(problems)

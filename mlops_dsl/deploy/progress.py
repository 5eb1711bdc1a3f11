"""What a deploy has done so far, so that Ctrl-C (or a failure half-way) can say in what state it
left the stack and the uploads, and what to do next.

``apply`` records each step here as it goes; nothing here talks to AWS. The messages rest on two
facts: CloudFormation carries on with an executing change set whether or not we watch it, and a
rerun of deploy is idempotent (an up-to-date stack is not touched, unchanged files are not sent).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .faults import DeployError, Interrupted

# what the stack is going through, as far as this deploy knows
UNTOUCHED, PREVIEWED, EXECUTE_SENT, EXECUTING, SETTLED = (
    "untouched", "previewed", "execute sent", "executing", "settled")
SENT, UNCHANGED, PENDING, HELD = ("uploaded", "already there", "not uploaded",
                                 "held back until the image is pushed")


@dataclass
class Progress:
    stack_name: str
    blueprint: str = "BLUEPRINT"
    step: str = "starting"
    stack: str = UNTOUCHED
    kind: str = ""               # CREATE or UPDATE, once a change set exists
    change_set: str = ""
    change_set_deleted: bool = False
    status: str = ""             # the stack's last status seen
    uploads: dict[str, str] = field(default_factory=dict)  # key -> SENT, UNCHANGED, PENDING, HELD
    in_flight: str = ""          # the key being uploaded
    run_started: bool = False
    plan: object = None          # the changeset.Plan, to delete it if the deploy stops

    def doing(self, step: str) -> None:
        self.step = step

    def previewed(self, plan) -> None:
        """A change set exists (it may still be computing)."""
        self.plan, self.change_set, self.kind, self.stack = plan, plan.name, plan.kind, PREVIEWED

    def expect(self, keys) -> None:
        for key in keys:
            self.uploads.setdefault(key, PENDING)

    def uploading(self, key: str) -> None:
        self.in_flight = key

    def uploaded(self, key: str, sent: bool) -> None:
        self.uploads[key] = SENT if sent else UNCHANGED
        self.in_flight = ""

    def held_back(self, key: str) -> None:
        self.uploads[key] = HELD

    # -- messages ---------------------------------------------------------------------------
    def _rerun(self) -> str:
        return f"python -m mlops_dsl deploy {self.blueprint} --stack-name {self.stack_name}"

    def stack_line(self) -> str:
        name, change_set = self.stack_name, self.change_set
        if self.stack in (UNTOUCHED, PREVIEWED):
            if self.stack == PREVIEWED and self.change_set_deleted:
                left = f"the change set {change_set} was deleted"
            elif self.stack == PREVIEWED:
                left = (f"the change set {change_set} was not executed (delete it with `aws "
                        f"cloudformation delete-change-set --stack-name {name} --change-set-name "
                        f"{change_set}`)")
            else:
                left = "no change set was executed"
            created = " (a stack never created is listed as REVIEW_IN_PROGRESS, with no " \
                      "resources, until the next deploy)" if self.kind == "CREATE" else ""
            return f"stack {name} is unchanged: {left}{created}"
        if self.stack == EXECUTE_SENT:
            return (f"stack {name}: the change set {change_set} was being executed when we "
                    f"stopped; it may have started ({self.kind.lower()})")
        if self.stack == EXECUTING:
            return (f"stack {name}: its change set {change_set} is executing ({self.kind.lower()}); "
                    f"CloudFormation carries on without us and settles the stack by itself (or "
                    f"rolls it back)")
        return f"stack {name} is {self.status}"

    def upload_lines(self, *, cut_short: bool = True) -> list[str]:
        """A line per state (uploaded, already there, ...); ``cut_short`` marks the upload an
        interruption stopped half-way."""
        lines = []
        for state in (SENT, UNCHANGED, HELD, PENDING):
            keys = [key for key, s in self.uploads.items() if s == state]
            if not keys:
                continue
            shown = [f"{key} (cut short: S3 keeps no partial object)"
                     if cut_short and key == self.in_flight else key for key in keys]
            lines.append(f"{state}: {', '.join(shown)}")
        if self.run_started:
            lines.append("the training data was uploaded, so EventBridge started a run")
        return lines

    def _what_to_do(self) -> str:
        name = self.stack_name
        if self.stack in (EXECUTE_SENT, EXECUTING):
            wait = "stack-create-complete" if self.kind == "CREATE" else "stack-update-complete"
            return (f"watch the stack with `aws cloudformation describe-stacks --stack-name {name} "
                    f"--query \"Stacks[0].StackStatus\"` (or `aws cloudformation wait {wait} "
                    f"--stack-name {name}`); once it has settled, rerun `{self._rerun()}`: it "
                    f"finds the stack up to date and uploads only what is missing")
        if self.stack == SETTLED and any(s == PENDING for s in self.uploads.values()):
            return (f"rerun `{self._rerun()}`: the stack is up to date, so it only uploads what "
                    f"is missing (files already there are not sent again)")
        return f"rerun `{self._rerun()}` when you are ready; nothing needs cleaning up"

    def interrupted(self) -> Interrupted:
        return Interrupted(f"deploy stopped by Ctrl-C while {self.step}",
                           self._what_to_do(), details=[self.stack_line(), *self.upload_lines()])

    def output_closed(self) -> DeployError:
        return DeployError(f"deploy stopped: its output was closed (broken pipe) while {self.step}",
                           self._what_to_do(), details=[self.stack_line(), *self.upload_lines()])

    def failed(self, error: DeployError) -> DeployError:
        """``error`` with what this deploy had done when it happened, where that matters: the
        stack still executing, or some files uploaded and others not."""
        from .events import StillRunning

        details = list(error.details)
        in_flight = self.stack in (EXECUTE_SENT, EXECUTING)
        if in_flight and not isinstance(error, StillRunning):
            details.append(self.stack_line())
        if in_flight or any(s in (SENT, UNCHANGED) for s in self.uploads.values()):
            details.extend(self.upload_lines(cut_short=False))
        if details == list(error.details):
            return error
        hint = error.hint
        if in_flight and not isinstance(error, StillRunning):
            hint = f"{hint}. Meanwhile: {self._what_to_do()}"
        return type(error)(error.message, hint, details=details)

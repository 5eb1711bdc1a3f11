"""What every local fake of one run shares, in one value instead of six constructor arguments."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import fake


class Fake:
    """A local stand-in for one service: ``ROUTES`` maps each integration it runs (the task's
    ``API``, e.g. ``glue:startJobRun.sync``) to the name of the method that runs it."""

    ROUTES: dict[str, str] = {}

    def routes(self) -> dict:
        return {api: getattr(self, method) for api, method in self.ROUTES.items()}


@dataclass
class RunContext:
    """One local run: the pipeline, its stores, where it works, how it reports and stops.

    ``jobs`` holds every training job the tuner ran (name -> TrainingJob), so later states
    (describe the best job, create its model) see them as SageMaker would.
    """

    pipeline: object  # model.Pipeline
    stores: object  # stores.Stores
    work: Path  # <run dir>/work
    reporter: object  # progress.Reporter
    children: object  # children.Children
    program: Path | None  # the image's program folder (train, serve)
    names: object  # substitute.LocalNames: the stand-ins of the stack's resources
    jobs: dict = field(default_factory=dict)

    @property
    def region(self) -> str:
        return self.pipeline.region

    def arn(self, service: str, resource: str) -> str:
        return fake.arn(service, self.region, resource)

    def folder(self, *parts: str) -> Path:
        """A working folder of the run, created."""
        path = self.work.joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path

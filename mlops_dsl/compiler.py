"""compile(blueprint) -> artifacts: validate -> resolve -> emit -> validate. Pure.

No boto3 client, no environment variables, no clock, no randomness, no uploads: the same blueprint
(and the same bytes of the files it names) gives byte-identical artifacts.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .artifacts import TEMPLATE_INDENT, canonical_json
from .dsl import Blueprint
from .errors import NOT_EMITTED, BlueprintError, raise_if_any
from .model import Pipeline, resolve
from .validate.blueprint import blueprint_warnings, check_blueprint
from .validate.image import check_image
from .validate.literals import check_literals
from .validate.lifecycle import check_lifecycle
from .validate.production import check_production

TEMPLATE = "template.json"
WORKFLOW = "statemachine.asl.json"


@dataclass(frozen=True)
class Compiled:
    """What a compile produced: files to write, the model behind them, and notes for the user."""

    pipeline: Pipeline
    files: dict[str, bytes]
    template: dict
    workflow: object  # emit.workflow.Workflow: the definition, its tasks, their origins
    notes: tuple[str, ...] = field(default=())
    blueprint: Blueprint | None = field(default=None, compare=False)  # what was compiled

    @property
    def definition(self) -> dict:
        return self.workflow.definition

    @property
    def resource_count(self) -> int:
        return len(self.template.get("Resources", {}))

    @property
    def state_count(self) -> int:
        return len(self.definition.get("States", {}))


def _name_problem(bp: Blueprint, name: str) -> list:
    """The name a blueprint is compiled under (its variable, when it has no ``name``) names the
    output folder, as ``Blueprint.name`` does, and is held to the same rule."""
    from .dsl._node import declared_problem
    from .errors import Problem

    if name == bp.name:
        return []  # Blueprint.name was checked with the blueprint
    why = declared_problem(Blueprint, "name", name)
    return [Problem("MLD140", "name", f"the blueprint's name: {why}", bp.where)] if why else []


def compile_blueprint(bp: Blueprint, *, name: str | None = None) -> Compiled:
    """Compile one blueprint; raises BlueprintError listing every problem found."""
    if not isinstance(bp, Blueprint):
        raise TypeError(f"expected a Blueprint, got {type(bp).__name__}")
    name = name or bp.name or bp.name_prefix
    problems = [*check_blueprint(bp), *check_image(bp), *check_literals(bp), *check_production(bp),
                *check_lifecycle(bp),
                *_name_problem(bp, name)]
    try:
        pipeline = resolve(bp, name)
    except BlueprintError as error:
        raise BlueprintError([*problems, *error.problems], unchecked=error.unchecked) from None
    raise_if_any(problems, unchecked=NOT_EMITTED)

    from .emit.template import build_template
    from .emit.workflow import build_workflow
    from .validate.dataflow import check_dataflow
    from .validate.service_params import check_service_parameters
    from .validate.template import check_template
    from .validate.workflow import check_workflow

    workflow = build_workflow(pipeline)
    definition = workflow.definition
    problems = [*check_workflow(definition, WORKFLOW),
                *check_service_parameters(definition, WORKFLOW, workflow.origins),
                *check_dataflow(definition, WORKFLOW)]
    template = build_template(pipeline, workflow).to_dict()
    body = canonical_json(template, indent=TEMPLATE_INDENT)
    template_problems, notes = check_template(template, body, TEMPLATE)
    notes = [*map(str, blueprint_warnings(bp)), *notes]
    raise_if_any([*problems, *template_problems])
    files = {TEMPLATE: body, WORKFLOW: canonical_json(definition)}
    for asset in pipeline.assets:
        files[asset.key] = asset.data
    return Compiled(pipeline, files, template, workflow, tuple(notes), blueprint=bp)


def compile_file(path, *, name: str | None = None) -> Compiled:
    """Load a blueprint module or JSON config and compile the blueprint it defines (or ``name``)."""
    from .loader import load_blueprint

    name, blueprint = load_blueprint(path, name=name)
    return compile_blueprint(blueprint, name=name)

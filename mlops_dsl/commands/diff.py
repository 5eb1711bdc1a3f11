"""``diff BLUEPRINT --stack-name NAME``: what a deploy would change, without changing anything:
the change set preview and the workflow's states added, removed and changed."""
from __future__ import annotations

from .. import exit_codes

HELP = "preview a deploy: resources and workflow states that would change"


def add_arguments(parser) -> None:
    from ..deploy.command import add_aws
    from . import add_blueprint

    add_blueprint(parser)
    add_aws(parser)


def run(args) -> int:
    from ..deploy.faults import handled

    return handled(_diff, args)


def _diff(args) -> int:
    from ..deploy import changeset
    from ..deploy import stack as stacks
    from ..deploy.apply import STATE_MACHINE
    from ..deploy.command import compile_and_connect
    from ..deploy.replacements import replaced_names
    from ..asl.diff import diff
    from ..model.lifecycle import plan as run_plan

    compiled, aws = compile_and_connect(args)
    cf = aws.client("cloudformation")
    stack = stacks.describe(cf, args.stack_name)
    deployed_definition = None
    if not stack.exists:
        resources = compiled.template.get("Resources", {})
        print(f"stack {args.stack_name} does not exist in {aws.region}: deploy creates it with "
              f"{len(resources)} resources:")
        for logical_id in sorted(resources):
            print(f"  + {logical_id}  {resources[logical_id]['Type']}")
    else:
        stacks.check_updatable(stack)
        deployed = stacks.deployed_template(cf, args.stack_name)
        deployed_definition = stacks.deployed_definition(deployed, STATE_MACHINE)
        if changeset.same_template(deployed, compiled.template):
            print(f"no changes: stack {args.stack_name} already matches the blueprint")
            return exit_codes.OK
        plan = _preview(aws, cf, stack, compiled)
        for line in changeset.render(plan):
            print(line)
        for replacement in replaced_names(deployed, compiled.template):
            print(replacement.line())
    lines = diff(deployed_definition, compiled.definition)
    print("workflow:" if lines else "workflow: unchanged")
    for line in lines:
        print(f"  {line}")
    print("plan (what one run may use):")
    for line in run_plan(compiled.pipeline):
        print(f"  {line}")
    return exit_codes.OK


def _preview(aws, cf, stack, compiled):
    """The change set's plan; the change set is deleted whatever happens, Ctrl-C included."""
    from ..compiler import TEMPLATE
    from ..deploy import changeset
    from ..deploy.faults import Interrupted

    created = []
    body = compiled.files[TEMPLATE]
    url = None
    if len(body) > changeset.MAX_INLINE_TEMPLATE_BYTES:  # the stack exists: its source bucket
        from ..deploy.apply import staged_template_url

        url = staged_template_url(aws, cf, stack, body)
    try:
        plan = changeset.create(cf, stack, body, compiled.template, template_url=url,
                                on_created=created.append)
    except KeyboardInterrupt:
        deleted = [changeset.delete(cf, plan) for plan in created]
        left = "" if not created else " and the preview change set was deleted" if all(deleted) \
            else (f"; its preview change set {created[0].name} is left (it changes nothing): "
                  f"`aws cloudformation delete-change-set --stack-name {stack.name} "
                  f"--change-set-name {created[0].name}` removes it")
        raise Interrupted(f"diff stopped by Ctrl-C; stack {stack.name} was not changed{left}",
                          "rerun diff when you are ready") from None
    changeset.delete(cf, plan)
    return plan

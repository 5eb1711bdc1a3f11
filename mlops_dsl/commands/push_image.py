"""``push-image BLUEPRINT --stack-name NAME``: build the bring-your-own image with the Docker CLI
and push it to the stack's ECR repository (registry login through boto3)."""
from __future__ import annotations

from .. import exit_codes

HELP = "build the bring-your-own model image and push it to the stack's ECR repository"


def add_arguments(parser) -> None:
    from ..deploy.command import add_aws
    from . import add_blueprint

    add_blueprint(parser)
    add_aws(parser)


def run(args) -> int:
    from ..deploy.faults import handled

    return handled(_push, args)


def _push(args) -> int:
    from ..compiler import compile_file
    from ..deploy import image
    from ..deploy import stack as stacks
    from ..deploy.faults import DeployError, translate
    from ..deploy.session import for_pipeline

    compiled = compile_file(args.blueprint, name=args.name)
    pipeline = compiled.pipeline
    if pipeline.byo_image is None:
        raise DeployError(f"{pipeline.name} uses the ready image {pipeline.builtin_image_uri}; "
                          "there is no image to build or push",
                          "push-image is for blueprints with a ByoImage (byo_model_image_*)")
    docker = image.docker_cli()  # fail fast, before any AWS call
    aws = for_pipeline(pipeline, args)
    cf = aws.client("cloudformation")
    stack = stacks.require_deployed(cf, args.stack_name)
    ecr = aws.client("ecr")
    uri = stack.outputs.get("ImageRepositoryUri")
    if not uri:
        name = stacks.physical_id(cf, args.stack_name, "ModelRepository", stack=stack)
        try:
            uri = ecr.describe_repositories(repositoryNames=[name])["repositories"][0]["repositoryUri"]
        except Exception as error:  # noqa: BLE001
            raise translate(error, f"looking up ECR repository {name}") from None
    byo = pipeline.byo_image
    print(f"building {byo.name}:{byo.tag} from {byo.source}")
    remote = image.push(ecr, source=byo.source, local_name=byo.name,
                        tag=byo.tag, repository_uri=uri, docker=docker)
    print(f"pushed {remote}")
    return exit_codes.OK

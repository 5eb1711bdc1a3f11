"""Checks of the model image: what a ``BuiltInImage`` may be, and the repository a ``ByoImage`` gets.

A ``BuiltInImage`` is a ready image that follows this pipeline's container contract
(docs/contract.md: the metric line on the training log, a headered CSV in the ``train`` channel,
``serve`` answering ``/ping`` and ``/invocations``), pushed to any ECR registry the SageMaker role
may read. Its URI must name a registry, a repository and optionally a tag or digest
(``<registry>/<repository>[:<tag>|@<digest>]``), as SageMaker's ``TrainingImage`` and the model's
``Image`` take it. A SageMaker built-in *algorithm* image follows another contract: tuning refuses
MetricDefinitions for it ("You can't override the metric definitions for Amazon SageMaker
algorithms"), its objective metrics are ``validation:*`` and need a validation channel, and it
reads header-less CSV with the label first. The compiled workflow cannot drive it, so it is
refused here rather than failing in AWS after the Glue job ran.

A ``ByoImage`` is pushed to the stack's repository ``<name_prefix>-<name>`` (``Names.ecr_repository``),
which must be a valid ECR repository name as a whole.
"""
from __future__ import annotations

import re

from ..dsl import Blueprint, BuiltInImage, ByoImage
from ..errors import Problem, shorten
from ..model.images import parse_ecr_uri
from ..model.names import Names

# Docker's reference grammar (distribution/reference): a registry host (with a dot or a port, or
# localhost), path components of lower-case letters and digits joined by . _ __ or hyphens, then an
# optional tag (128 characters at most) or digest.
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
IMAGE_URI = (
    r"^(?P<registry>(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*"
    r"[a-zA-Z0-9])?)*(?::[0-9]+)?)/(?P<repository>" + _COMPONENT + r"(?:/" + _COMPONENT + r")*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})|@(?P<digest>[a-z0-9]+(?:[.+_-][a-z0-9]+)*:"
    r"[a-fA-F0-9]{32,}))?$")  # compiled when first used (re caches it), not at import
IMAGE_URI_MAX = 255  # botocore AlgorithmSpecification.TrainingImage / ContainerDefinition.Image
# botocore ecr RepositoryName: 2 to 256 characters of [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* parts
# joined by /. name_prefix (MLD102) and ByoImage.name (MLD117) each follow it, and Names.join
# puts one hyphen between them, so their join does too: only its length is left to check.
ECR_REPOSITORY_LENGTH = (2, 256)


def check_image(bp: Blueprint) -> list[Problem]:
    image = bp.image
    if isinstance(image, ByoImage):
        return _check_repository(bp, image)
    if not isinstance(image, BuiltInImage) or image.field_problems:
        return []

    def problem(message):
        return [Problem("MLD117", image.field_name("uri"), message, image.where_of("uri"))]

    uri = image.uri
    if len(uri) > IMAGE_URI_MAX:
        return problem(f"{shorten(uri)} has {len(uri)} characters; SageMaker takes an image URI "
                       f"of at most {IMAGE_URI_MAX}")
    registry = re.match(IMAGE_URI, uri)
    if registry is None or not ("." in registry["registry"] or ":" in registry["registry"]
                                or registry["registry"] == "localhost"):
        return problem(f"{shorten(uri)} is not an image URI; use <registry>/<repository>[:<tag>|"
                       "@<digest>], e.g. '123456789012.dkr.ecr.us-east-1.amazonaws.com/model:1.0' "
                       "(lower-case repository, a tag of at most 128 letters, digits, _ . -)")
    parsed = parse_ecr_uri(uri)
    if parsed is not None and parsed.is_sagemaker_algorithm:
        return [Problem("MLD123", image.field_name("uri"),
                        f"{shorten(uri)} is SageMaker's built-in {parsed.repository!r} "
                        "algorithm, which follows SageMaker's algorithm contract (validation:* "
                        "metrics, a validation channel, header-less CSV), not this pipeline's; "
                        "use an image that follows docs/contract.md (e.g. ByoImage(source="
                        "'container'), pushed anywhere in ECR)", image.where_of("uri"))]
    return []


def _check_repository(bp: Blueprint, image: ByoImage) -> list[Problem]:
    """The repository ``<name_prefix>-<name>`` as a whole: ECR's length."""
    if image.field_problems or any(p.field == "name_prefix" for p in bp.field_problems):
        return []  # already reported: the parts are wrong
    repository = Names(prefix=bp.name_prefix, job_prefix=bp.job_name,
                       transform_job=bp.transform.job_name, image_name=image.name).ecr_repository
    low, high = ECR_REPOSITORY_LENGTH
    if low <= len(repository) <= high:
        return []
    return [Problem("MLD117", image.field_name("name"),
                    f"the image's ECR repository {shorten(repository)} (name_prefix, a hyphen, the "
                    f"image name) has {len(repository)} characters; ECR allows {low} to {high} "
                    "lower-case letters, digits and . _ - /", image.where_of("name"))]

"""Checks of the model image: what a ``BuiltInImage`` may be.

A ``BuiltInImage`` is a ready image that follows this pipeline's container contract
(docs/contract.md: the metric line on the training log, a headered CSV in the ``train`` channel,
``serve`` answering ``/ping`` and ``/invocations``), pushed to any ECR registry the SageMaker role
may read. A SageMaker built-in *algorithm* image follows another contract: tuning refuses
MetricDefinitions for it ("You can't override the metric definitions for Amazon SageMaker
algorithms"), its objective metrics are ``validation:*`` and need a validation channel, and it
reads header-less CSV with the label first. The compiled workflow cannot drive it, so it is
refused here rather than failing in AWS after the Glue job ran.
"""
from __future__ import annotations

from ..dsl import Blueprint, BuiltInImage
from ..errors import Problem
from ..model.images import parse_ecr_uri


def check_image(bp: Blueprint) -> list[Problem]:
    image = bp.image
    if not isinstance(image, BuiltInImage):
        return []
    parsed = parse_ecr_uri(image.uri)
    if parsed is not None and parsed.is_sagemaker_algorithm:
        return [Problem("MLD123", image.field_name("uri"),
                        f"{image.uri[:80]!r} is SageMaker's built-in {parsed.repository!r} "
                        "algorithm, which follows SageMaker's algorithm contract (validation:* "
                        "metrics, a validation channel, header-less CSV), not this pipeline's; "
                        "use an image that follows docs/contract.md (e.g. ByoImage(source="
                        "'container'), pushed anywhere in ECR)", image.where_of("uri"))]
    return []

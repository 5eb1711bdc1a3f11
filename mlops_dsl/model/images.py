"""What an image URI says: the ECR registry (account and region), the repository, tag or digest.

SageMaker pulls training and inference images from ECR; the execution role needs read access to
the image's own repository, which the URI names ("How to use SageMaker execution roles",
CreateHyperParameterTuningJob permissions: the ECR actions scoped to the repository of
``AlgorithmSpecification.TrainingImage``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

# <account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>[:<tag>|@<digest>]
ECR_URI = re.compile(
    r"^(?P<account>[0-9]{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z]{2}(?:-[a-z]+)+-[0-9]+)"
    r"\.amazonaws\.com(?:\.cn)?/(?P<repository>[a-z0-9]+(?:[._-][a-z0-9]+)*"
    r"(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})"
    r"|@(?P<digest>sha256:[a-f0-9]{64}))?$")

# Repositories of SageMaker's built-in algorithms ("Docker Registry Paths and Example Code",
# SageMaker developer guide). Such an image follows SageMaker's algorithm contract, not this
# pipeline's container contract (docs/contract.md).
SAGEMAKER_ALGORITHMS = frozenset({
    "blazingtext", "factorization-machines", "forecasting-deepar", "image-classification",
    "ipinsights", "kmeans", "knn", "lda", "linear-learner", "ntm", "object-detection",
    "object2vec", "pca", "randomcutforest", "sagemaker-xgboost", "semantic-segmentation",
    "seq2seq", "xgboost"})


@dataclass(frozen=True)
class EcrImage:
    """An image in an ECR registry."""

    account: str
    region: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def is_sagemaker_algorithm(self) -> bool:
        return self.repository.rsplit("/", 1)[-1] in SAGEMAKER_ALGORITHMS


def parse_ecr_uri(uri: str) -> EcrImage | None:
    """The parts of an ECR image URI, or None when ``uri`` is not one."""
    match = ECR_URI.match(uri)
    if match is None:
        return None
    return EcrImage(match["account"], match["region"], match["repository"], match["tag"],
                    match["digest"])

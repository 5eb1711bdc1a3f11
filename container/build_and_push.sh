#!/usr/bin/env bash
# Build the bring-your-own XGBoost image from this folder and push it to Amazon ECR.
#
# usage: build_and_push.sh IMAGE_NAME [TAG] [REGION]
#   IMAGE_NAME  the ECR repository name, e.g. byo-xgboost
#   TAG         the image tag (default: latest)
#   REGION      the AWS region (default: $AWS_REGION, $AWS_DEFAULT_REGION or the CLI's region)
# Environment: CREATE_REPOSITORY=1 creates the repository when it does not exist (by default it
# must exist already, e.g. created by the deployed stack).
# Needs the AWS CLI v2 and Docker; credentials come from the usual AWS CLI sources.
set -euo pipefail

usage() {
  echo "usage: $(basename "$0") IMAGE_NAME [TAG] [REGION]" >&2
  echo "  builds $(dirname "$0")/Dockerfile and pushes it to ECR as IMAGE_NAME:TAG" >&2
  exit 2
}

die() {
  echo "$(basename "$0"): error: $*" >&2
  exit 1
}

[[ $# -ge 1 && $# -le 3 ]] || usage
[[ "$1" == "-h" || "$1" == "--help" ]] && usage
image="$1"
tag="${2:-latest}"
region="${3:-${AWS_REGION:-${AWS_DEFAULT_REGION:-}}}"

# ECR repository names and image tags (see the ECR API reference for the patterns)
[[ "$image" =~ ^[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*$ && ${#image} -le 256 ]] \
  || die "IMAGE_NAME '$image' is not a valid ECR repository name (lower case letters, digits, . _ - /)"
[[ "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] \
  || die "TAG '$tag' is not a valid image tag"

command -v aws >/dev/null || die "the AWS CLI (aws) is not installed"
command -v docker >/dev/null || die "docker is not installed"

if [[ -z "$region" ]]; then
  region="$(aws configure get region || true)"
fi
[[ -n "$region" ]] || die "no region: pass REGION or set AWS_REGION"
[[ "$region" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]] || die "REGION '$region' is not an AWS region"

account="$(aws sts get-caller-identity --query Account --output text)" \
  || die "cannot read the AWS account id (are credentials configured?)"
domain="amazonaws.com"
[[ "$region" == cn-* ]] && domain="amazonaws.com.cn"
registry="${account}.dkr.ecr.${region}.${domain}"
full="${registry}/${image}:${tag}"

if ! aws ecr describe-repositories --region "$region" --repository-names "$image" >/dev/null 2>&1; then
  if [[ "${CREATE_REPOSITORY:-0}" == "1" ]]; then
    aws ecr create-repository --region "$region" --repository-name "$image" \
      --image-scanning-configuration scanOnPush=true >/dev/null
  else
    die "ECR repository '$image' does not exist in $region (deploy the stack first, or set CREATE_REPOSITORY=1)"
  fi
fi

aws ecr get-login-password --region "$region" \
  | docker login --username AWS --password-stdin "$registry"

here="$(cd "$(dirname "$0")" && pwd)"
# SageMaker's ml.* instances are x86_64
docker build --platform linux/amd64 -t "${image}:${tag}" "$here"
docker tag "${image}:${tag}" "$full"
docker push "$full"
echo "pushed $full"

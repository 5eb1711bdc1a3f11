"""Source of the Lambda handlers in ``lambdas/``, inlined into the template (no upload step).

The handlers are read as text, never imported by mlops_dsl. CloudFormation's inline ``ZipFile``
holds at most 4,096 bytes per function; a handler above that is a compiler error.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

INLINE_CODE_LIMIT = 4096  # CloudFormation AWS::Lambda::Function Code.ZipFile maximum size

JOB_NAME = "job_name"
ENDPOINT_EXISTS = "endpoint_exists"


def handlers_dir() -> Path:
    """``lambdas/`` of a source checkout or editable install; the copy packaged in a wheel otherwise."""
    checkout = Path(__file__).resolve().parents[2] / "lambdas"
    if checkout.is_dir():
        return checkout
    return Path(__file__).resolve().parents[1] / "handlers"


@lru_cache(maxsize=None)
def handler_source(name: str) -> str:
    """The handler module's text; raises RuntimeError if missing or too large to inline."""
    path = handlers_dir() / f"{name}.py"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RuntimeError(f"Lambda handler {path} is missing from this installation") from None
    if len(text.encode("utf-8")) > INLINE_CODE_LIMIT:
        raise RuntimeError(f"Lambda handler {path} is {len(text.encode())} bytes; inline code "
                           f"is limited to {INLINE_CODE_LIMIT}")
    return text

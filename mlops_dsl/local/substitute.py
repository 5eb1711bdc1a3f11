"""Resolve the ``${...}`` placeholders that CloudFormation's ``Fn::Sub`` fills in at deploy time.

The compiled workflow refers to the stack's resources as ``${Logical}``, ``${Logical.Attr}`` and
``${AWS::Partition}``. Locally there is no stack, so each gets a local stand-in: buckets get
local names (``<prefix>-extracts``, from ``model.Names``), functions and roles fake ARNs in moto's
default account. Everything else in the definition is left exactly as compiled.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..emit import handlers
from ..emit import names as n
from ..asl.fn_sub import fn_sub
from ..model.names import ENDPOINT_CHECK_FUNCTION, JOB_NAME_FUNCTION, Names
from .fake import ACCOUNT, PARTITION, URL_SUFFIX, arn

# logical id -> the store's local short name (bucket "<prefix>-<short>", folder "<short>/")
STORES = {
    n.FEATURE_STORE: "feature-store",
    n.SOURCE_REPOSITORY: "source-repository",
    n.EXTRACTS: "extracts",
    n.MODEL_STORE: "model-store",
    n.METADATA: "metadata",
    n.OUTPUT: "output",
}
# logical id -> (purpose, the handler module in lambdas/)
FUNCTIONS = {n.JOB_NAME_FUNCTION: (JOB_NAME_FUNCTION, handlers.JOB_NAME),
             n.ENDPOINT_CHECK_FUNCTION: (ENDPOINT_CHECK_FUNCTION, handlers.ENDPOINT_EXISTS)}


class UnknownPlaceholder(ValueError):
    """A ``${...}`` the local runner has no stand-in for."""


@dataclass(frozen=True)
class LocalNames:
    """The local stand-ins of one pipeline's stack resources."""

    names: Names
    region: str
    feature_store_override: str | None = None

    def bucket(self, logical_id: str) -> str:
        if logical_id == n.FEATURE_STORE and self.feature_store_override:
            return self.feature_store_override
        return self.names.local_bucket(STORES[logical_id])

    def buckets(self) -> dict[str, str]:
        """store short name -> bucket name, for every store."""
        return {short: self.bucket(logical) for logical, short in STORES.items()}

    def function_arn(self, logical_id: str) -> str:
        purpose, _ = FUNCTIONS[logical_id]
        return arn("lambda", self.region, f"function:{self.names.function(purpose)}")

    def functions(self) -> dict[str, str]:
        """function ARN -> handler module name in lambdas/."""
        return {self.function_arn(logical): module for logical, (_, module) in FUNCTIONS.items()}

    def value(self, placeholder: str) -> str:
        pseudo = {"AWS::Partition": PARTITION, "AWS::Region": self.region,
                  "AWS::AccountId": ACCOUNT, "AWS::URLSuffix": URL_SUFFIX}
        if placeholder in pseudo:
            return pseudo[placeholder]
        logical, _, attribute = placeholder.partition(".")
        if logical in STORES and attribute in ("", "Arn"):
            name = self.bucket(logical)
            return name if not attribute else f"arn:{PARTITION}:s3:::{name}"
        if logical in FUNCTIONS and attribute == "Arn":
            return self.function_arn(logical)
        if attribute == "Arn" and logical.endswith("Role"):
            return f"arn:{PARTITION}:iam::{ACCOUNT}:role/{self.names.join(logical)}"
        if logical == n.TOPIC and not attribute:  # Ref of a topic is its ARN
            return arn("sns", self.region, self.names.topic)
        if logical == n.STATE_MACHINE and not attribute:  # Ref of a state machine is its ARN
            return arn("states", self.region, f"stateMachine:{self.names.state_machine}")
        if logical == n.TRAINING_SECURITY_GROUP and attribute == "GroupId":
            return "sg-0123456789abcdef0"
        raise UnknownPlaceholder(f"the local runner has no stand-in for ${{{placeholder}}}")


def substitute(value, names: LocalNames):
    """A copy of ``value`` (a JSON tree) with every ``${...}`` in its strings resolved.
    ``${!Literal}`` becomes ``${Literal}``, as with Fn::Sub."""
    if isinstance(value, dict):
        return {key: substitute(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, names) for item in value]
    if isinstance(value, str):
        return fn_sub(value, names.value)
    return value

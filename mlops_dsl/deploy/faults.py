"""AWS failures as messages a user can act on: what happened, then what to do. Never a traceback.

``translate`` maps botocore exceptions (missing or expired credentials, no region, a name already
taken, throttling that outlasted botocore's retries, an unreachable endpoint) onto ``DeployError``;
``handled`` runs a command body and prints any of them as ``error: ...`` with exit code 1.
botocore is imported lazily so the CLI's ``--help`` never loads it.
"""
from __future__ import annotations

import re
import sys

from .. import exit_codes

EXPIRED_CODES = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
BAD_CREDENTIAL_CODES = {"InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch",
                        "InvalidAccessKeyId", "InvalidSignatureException", "AuthFailure"}
DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                "403", "Forbidden"}  # S3's HEAD answers carry no body: only the status
THROTTLE_CODES = {"Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException",
                  "RequestLimitExceeded", "SlowDown", "ProvisionedThroughputExceededException",
                  "RequestThrottled", "RequestThrottledException"}
TAKEN_CODES = {"BucketAlreadyExists", "BucketAlreadyOwnedByYou", "RepositoryAlreadyExistsException",
               "AlreadyExistsException", "ResourceAlreadyExistsException", "EntityAlreadyExists",
               "StateMachineAlreadyExists"}


SERVER_CODES = {"InternalError", "InternalFailure", "InternalServerError", "InternalServerException",
                "ServiceUnavailable", "ServiceUnavailableException", "ServiceFailure",
                "BadGateway", "GatewayTimeout"}
RETRY_HINT = "the command is safe to repeat"


class DeployError(Exception):
    """A failure talking to AWS, already phrased for the user: what happened (``message``), what
    we know of the state it left (``details``, a line each) and what to do (``hint``, required:
    every failure says what to do next)."""

    exit_code = exit_codes.FAILED
    label = "error"

    def __init__(self, message: str, hint: str, *, details=()):
        self.message = message
        self.hint = hint
        self.details = tuple(details)
        super().__init__("\n  ".join((message, *self.details, hint)))


class Interrupted(DeployError):
    """Ctrl-C: what was done, what was not, what to do; exit code 130."""

    exit_code = exit_codes.INTERRUPTED
    label = "interrupted"


def _code(error) -> str:
    return error.response.get("Error", {}).get("Code", "") or ""


def _message(error) -> str:
    return error.response.get("Error", {}).get("Message", "") or str(error)


def translate(error: Exception, doing: str = "calling AWS") -> DeployError:
    """The DeployError for one botocore/boto3 exception raised while ``doing`` something."""
    from botocore import exceptions as bx
    from botocore.parsers import ResponseParserError

    from .retries import Unanswered

    if isinstance(error, DeployError):
        return error
    if isinstance(error, Unanswered):
        return DeployError(f"could not reach AWS while {doing}: {error}",
                           "check the network connection, any proxy (HTTPS_PROXY) or firewall on "
                           "the way, and the region; if AWS_ENDPOINT_URL is set, that its server "
                           f"runs. Then rerun: {RETRY_HINT}")
    if isinstance(error, (bx.NoCredentialsError, bx.PartialCredentialsError)):
        return DeployError(f"no AWS credentials found while {doing}",
                           "configure them (`aws configure`, AWS_PROFILE or --profile, or "
                           "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) and run the command again")
    if isinstance(error, bx.ProfileNotFound):
        return DeployError(f"{error} (while {doing})",
                           "check the name given to --profile or AWS_PROFILE against ~/.aws/config")
    if isinstance(error, (bx.TokenRetrievalError, bx.UnauthorizedSSOTokenError, bx.SSOTokenLoadError)):
        return DeployError(f"your AWS session has expired ({error})",
                           "log in again (e.g. `aws sso login --profile NAME`) and rerun")
    if isinstance(error, bx.CredentialRetrievalError):
        return DeployError(f"could not obtain AWS credentials while {doing}: {error}",
                           "check the credential_process or role settings of your profile")
    if isinstance(error, bx.NoRegionError):
        return DeployError(f"no AWS region is set while {doing}",
                           "pass --region (e.g. --region us-east-1) or set AWS_REGION")
    if isinstance(error, (bx.ConnectionError, bx.HTTPClientError)):
        return DeployError(f"could not reach AWS while {doing}: {error}",
                           "check your network connection, proxy and the region name, then rerun; "
                           + RETRY_HINT)
    if isinstance(error, ResponseParserError):
        body = _unreadable_body(str(error))
        return DeployError(f"AWS returned an unreadable answer while {doing}"
                           + (f": {body}" if body else ""),
                           "rerun the command; if it persists, check the endpoint (AWS_ENDPOINT_URL)")
    if isinstance(error, bx.ClientError):
        return _client_error(error, doing)
    if isinstance(error, bx.BotoCoreError):
        return DeployError(f"AWS call failed while {doing}: {error}", f"rerun the command; {RETRY_HINT}")
    upload_failed = _upload_failure(error)
    if upload_failed is not None:
        return translate(upload_failed, doing)
    return DeployError(f"failed while {doing}: {type(error).__name__}: {error}",
                       "this is unexpected: rerun with MLOPS_DSL_DEBUG=1 to see where it happened, "
                       "and report it")


def _upload_failure(error):
    """The ClientError behind boto3's S3UploadFailedError (raised while handling it)."""
    if type(error).__name__ != "S3UploadFailedError":
        return None
    from botocore.exceptions import ClientError

    inner = error.__cause__ or error.__context__
    return inner if isinstance(inner, ClientError) else None


def _status(error) -> int:
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0


def _client_error(error, doing: str) -> DeployError:
    code, message = _code(error), _message(error)
    operation = getattr(error, "operation_name", "") or "the request"
    status = _status(error)
    if status >= 500 or code in SERVER_CODES:
        answer = f"HTTP {status} ({message or code})" if status >= 500 else f"{code}: {message}"
        return DeployError(f"AWS answered {answer} to {operation} while {doing}, even after "
                           "botocore's retries",
                           "this is a fault on AWS's side or in a proxy or gateway between you and "
                           "AWS, not in your blueprint: wait a few minutes and rerun "
                           f"({RETRY_HINT}); check https://health.aws.amazon.com/ and any proxy "
                           "(HTTPS_PROXY) you use")
    if code in EXPIRED_CODES:
        return DeployError(f"your AWS credentials have expired ({code} from {operation})",
                           "refresh them (`aws sso login`, a new session token, or `aws configure`) "
                           "and rerun")
    if code in BAD_CREDENTIAL_CODES:
        return DeployError(f"AWS rejected your credentials ({code}: {message})",
                           "check the access key, profile and region you are using")
    if code in DENIED_CODES:
        return DeployError(f"access denied while {doing}: {message}",
                           "the identity you deploy with needs permission for this call; "
                           "ask your AWS administrator or use another --profile")
    if code in THROTTLE_CODES:
        return DeployError(f"AWS kept throttling {operation} while {doing}, even after botocore's "
                           f"retries ({code})",
                           "wait a minute and rerun; the command is safe to repeat")
    if code in TAKEN_CODES:
        return DeployError(f"a name is already taken while {doing}: {message}",
                           "choose another name in the blueprint (bucket, repository, prefix) "
                           "or remove the existing resource if it is yours")
    if code == "ValidationError" and "UPDATE_ROLLBACK_FAILED" in message:
        return stuck_in_rollback_failed(None, message)
    return DeployError(f"{operation} failed while {doing}: {code}: {message}",
                       "AWS refused the request for the reason it gives above: fix that and "
                       f"rerun; {RETRY_HINT}")


def stuck_in_rollback_failed(stack_name: str | None, detail: str = "") -> DeployError:
    """The message for a stack CloudFormation cannot roll back by itself."""
    name = stack_name or "NAME"
    return DeployError(
        f"stack {name} is in UPDATE_ROLLBACK_FAILED: CloudFormation could not roll back a failed "
        f"update, and the stack accepts no change until it does" + (f" ({detail})" if detail else ""),
        f"fix the resource named in the stack events, then run `aws cloudformation "
        f"continue-update-rollback --stack-name {name}` (add --resources-to-skip for resources "
        f"that cannot be fixed) and deploy again")


def _unreadable_body(text: str) -> str:
    """Pick ``Code: message`` out of a non-XML error body some endpoints send back."""
    kind = re.search(r'"__type"\s*:\s*"([^"]+)"', text)
    message = re.search(r'"message"\s*:\s*"([^"]*)"', text, flags=re.IGNORECASE)
    if kind or message:
        return ": ".join(part for part in (kind and kind.group(1).split("#")[-1],
                                           message and message.group(1)) if part)
    return ""


def report(error: DeployError) -> None:
    print(f"{error.label}: {error.message}", file=sys.stderr)
    for line in error.details:
        print(f"  {line}", file=sys.stderr)
    print(f"  what to do: {error.hint}", file=sys.stderr)


def handled(body, args) -> int:
    """Run ``body(args)``; print AWS failures as messages and return their exit code (1, or 130
    for an interruption) instead of raising."""
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError

    try:
        return body(args)
    except DeployError as error:
        report(error)
        return error.exit_code
    except (BotoCoreError, ClientError, ResponseParserError) as error:
        report(translate(error))
    return exit_codes.FAILED

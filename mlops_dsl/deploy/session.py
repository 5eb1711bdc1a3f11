"""boto3 clients that retry through botocore's own configuration, never a hand-written loop.

Timeouts are shorter than botocore's 60 s and every retry prints a line (``retries``), so an
endpoint that never answers is reported within about two minutes instead of after eight minutes
of silence. Tests shorten the limits through the constants below (or ``connect(limits=...)``).

Region: ``--region``, else the blueprint's ``environment.region``, else the profile or environment.
Credentials: ``--profile``, else the usual chain; the blueprint's ``credentials_file`` (the seed's
``aws_credentials_file``) is honoured when it is not the default location.
"""
from __future__ import annotations

import os
import sys

from .faults import DeployError, translate

# botocore's standard mode: exponential backoff with jitter on throttling and transient errors,
# up to this many attempts per call (the first try included).
MAX_ATTEMPTS = 8
CONNECT_TIMEOUT = 10.0     # seconds; botocore's default is 60
READ_TIMEOUT = 30.0        # seconds without a byte from the endpoint; botocore's default is 60
UNANSWERED_SECONDS = 90.0  # a call that got no answer is not retried after this long
DEFAULT_CREDENTIALS_FILE = "~/.aws/credentials"


def default_limits():
    """The limits of every call, from the constants above (read when a session is opened)."""
    from .retries import Limits

    return Limits(connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                  max_attempts=MAX_ATTEMPTS, unanswered_seconds=UNANSWERED_SECONDS)


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Aws:
    """One boto3 session and its clients, all sharing the retrying configuration; ``notify``
    receives a line for each retry (stderr by default, so that stdout stays the command's)."""

    def __init__(self, session, config, limits=None, notify=_to_stderr):
        self.session = session
        self.config = config
        self.limits = limits
        self.notify = notify
        self._clients: dict[str, object] = {}

    @property
    def region(self) -> str:
        return self.session.region_name

    def client(self, service: str):
        if service not in self._clients:
            try:
                client = self.session.client(service, config=self.config)
            except Exception as error:  # noqa: BLE001 - botocore raises several families here
                raise translate(error, f"creating the {service} client") from None
            if self.limits is not None:
                from .retries import RetryWatcher

                RetryWatcher(service, self.limits, self.notify).register(client.meta.events)
            self._clients[service] = client
        return self._clients[service]

    def check_credentials(self) -> None:
        """Fail with what to do when no credentials can be found (before any AWS call)."""
        from botocore.exceptions import BotoCoreError

        try:
            credentials = self.session.get_credentials()
        except BotoCoreError as error:
            raise translate(error, "loading AWS credentials") from None
        if credentials is None:
            raise DeployError("no AWS credentials found",
                              "configure them (`aws configure`, AWS_PROFILE or --profile, or "
                              "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) and run the command again")


def retry_config(mode: str = "standard", limits=None):
    from botocore.config import Config

    limits = limits or default_limits()
    return Config(retries={"mode": mode, "total_max_attempts": limits.max_attempts},
                  connect_timeout=limits.connect_timeout, read_timeout=limits.read_timeout,
                  user_agent_extra="mlops_dsl")


def connect(*, profile: str | None = None, region: str | None = None,
            fallback_region: str | None = None, credentials_file: str | None = None,
            check_credentials: bool = True, limits=None) -> Aws:
    """A session for ``profile``/``region``; fails early with a clear message on missing
    credentials or region instead of at the first call."""
    import boto3
    import botocore.session
    from botocore.exceptions import BotoCoreError

    try:
        core = botocore.session.get_session()
        if credentials_file and credentials_file != DEFAULT_CREDENTIALS_FILE \
                and "AWS_SHARED_CREDENTIALS_FILE" not in os.environ:
            path = os.path.expanduser(credentials_file)
            if not os.path.isfile(path):
                raise DeployError(f"the blueprint's credentials file {credentials_file} does not exist",
                                  "create it, or remove credentials_file to use the default chain")
            core.set_config_variable("credentials_file", path)
        if profile:
            core.set_config_variable("profile", profile)
        session = boto3.Session(botocore_session=core,
                                region_name=region or fallback_region or None)
    except DeployError:
        raise
    except BotoCoreError as error:
        raise translate(error, "opening an AWS session") from None
    if not session.region_name:
        raise DeployError("no AWS region is set",
                          "pass --region (e.g. --region us-east-1), set AWS_REGION, or set the "
                          "blueprint's environment region")
    chosen = limits or default_limits()
    aws = Aws(session, retry_config(limits=chosen), chosen)
    if check_credentials:
        aws.check_credentials()
    return aws


def for_pipeline(pipeline, args, *, check_credentials: bool = True) -> Aws:
    """The session a command uses for one compiled pipeline and its CLI arguments."""
    return connect(profile=getattr(args, "profile", None), region=getattr(args, "region", None),
                   fallback_region=pipeline.region,
                   credentials_file=pipeline.credentials_file,
                   check_credentials=check_credentials)

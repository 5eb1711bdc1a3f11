"""boto3 clients that retry through botocore's own configuration, never a hand-written loop.

Region: ``--region``, else the blueprint's ``environment.region``, else the profile or environment.
Credentials: ``--profile``, else the usual chain; the blueprint's ``credentials_file`` (the seed's
``aws_credentials_file``) is honoured when it is not the default location.
"""
from __future__ import annotations

import os

from .faults import DeployError, translate

# botocore's standard mode: exponential backoff with jitter on throttling and transient errors,
# up to this many attempts per call (the first try included).
MAX_ATTEMPTS = 8
DEFAULT_CREDENTIALS_FILE = "~/.aws/credentials"


class Aws:
    """One boto3 session and its clients, all sharing the retrying configuration."""

    def __init__(self, session, config):
        self.session = session
        self.config = config
        self._clients: dict[str, object] = {}

    @property
    def region(self) -> str:
        return self.session.region_name

    def client(self, service: str):
        if service not in self._clients:
            try:
                self._clients[service] = self.session.client(service, config=self.config)
            except Exception as error:  # noqa: BLE001 - botocore raises several families here
                raise translate(error, f"creating the {service} client") from None
        return self._clients[service]


def retry_config(mode: str = "standard"):
    from botocore.config import Config

    return Config(retries={"mode": mode, "total_max_attempts": MAX_ATTEMPTS},
                  user_agent_extra="mlops_dsl")


def connect(*, profile: str | None = None, region: str | None = None,
            fallback_region: str | None = None, credentials_file: str | None = None,
            check_credentials: bool = True) -> Aws:
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
    if check_credentials:
        try:
            credentials = session.get_credentials()
        except BotoCoreError as error:
            raise translate(error, "loading AWS credentials") from None
        if credentials is None:
            raise DeployError("no AWS credentials found",
                              "configure them (`aws configure`, AWS_PROFILE or --profile, or "
                              "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) and run the command again")
    return Aws(session, retry_config())


def for_pipeline(pipeline, args, *, check_credentials: bool = True) -> Aws:
    """The session a command uses for one compiled pipeline and its CLI arguments."""
    return connect(profile=getattr(args, "profile", None), region=getattr(args, "region", None),
                   fallback_region=pipeline.region,
                   credentials_file=pipeline.credentials_file,
                   check_credentials=check_credentials)

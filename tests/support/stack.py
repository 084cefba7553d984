"""moto's AWS for a test (or the bench): dummy credentials, the per-cold-start caches
forgotten on the way in and out, and ``moto_tuning``'s cheaper rollback and answers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

# Imported first, before any boto3 session exists: moto intercepts through a handler each
# session copies when it is made, and ``roster.aws`` keeps one session per process, so a
# session a unit test made before moto's import would reach the real AWS ever after.
from moto import mock_aws

AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}
UNSET = ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN")


def forget_cached_configuration() -> None:
    """Settings, clients and the repository are built once per cold start; tests change
    the environment and the endpoint between runs."""
    from aws_lambda_powertools.utilities import parameters
    from roster import aws, codes, config, repository, sealing, tokens, wiring

    config.get_settings.cache_clear()
    aws.reset_clients()
    repository.reset_repository()
    wiring.install()  # ports bound (made anew from the new settings on first use)
    sealing.forget_keys()
    codes.forget_keys()
    tokens.forget_keys()
    parameters.clear_caches()


def aws_environment() -> None:
    """``os.environ`` pointed at moto: dummy credentials, no endpoint or profile."""
    os.environ.update(AWS_ENV)
    for name in UNSET:
        os.environ.pop(name, None)


@contextmanager
def moto_aws() -> Iterator[None]:
    """moto for everything AWS inside the block; the environment as it was after it."""
    from roster_local.moto_tuning import tuned_moto

    saved = dict(os.environ)
    aws_environment()
    forget_cached_configuration()
    try:
        with tuned_moto(), mock_aws():
            yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        forget_cached_configuration()

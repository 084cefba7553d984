"""Fixtures every test level may use: ``aws`` (moto) and ``runtime`` (the local runtime
provisioned from ``template.yaml``, fresh for each test)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1] / "shared"
if str(SHARED) not in sys.path:
    sys.path.insert(0, str(SHARED))

# moto's request stubber joins botocore's built-in handlers when moto is imported, and a
# session copies them when it is made: the process's one boto3 session (roster.aws) must
# not be made before, or its clients would bypass mock_aws.
import moto  # noqa: E402, F401
from roster_local import Runtime  # noqa: E402

AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


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


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto for everything AWS, with dummy credentials (and a transaction rollback that
    copies the items a transaction names, not the tables: see ``moto_tuning``)."""
    from moto import mock_aws
    from roster_local.moto_tuning import tuned_moto

    for name, value in AWS_ENV.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    forget_cached_configuration()
    with tuned_moto(), mock_aws():
        yield
    forget_cached_configuration()


@pytest.fixture
def runtime(aws: None) -> Iterator[Runtime]:
    """``template.yaml`` provisioned into moto, its functions' environment set."""
    saved = dict(os.environ)
    try:
        yield Runtime().provision()
    finally:
        os.environ.clear()
        os.environ.update(saved)
        forget_cached_configuration()

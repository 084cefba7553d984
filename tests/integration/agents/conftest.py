"""Fixtures for the agent routes: a fresh provisioned runtime and a signed-in owner.

``runtime`` mirrors the project-wide fixture (``tests/conftest.py``) and is only used
until that one is on this branch; the helpers below are specific to these tests.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[3] / "shared"
if str(SHARED) not in sys.path:
    sys.path.insert(0, str(SHARED))

def _forget_cold_start_state() -> None:
    from aws_lambda_powertools.utilities import parameters
    from roster import aws, sealing
    from roster.config import get_settings
    from roster.repository import reset_repository
    from roster.services import idempotency

    parameters.clear_caches()
    aws.reset_clients()
    sealing.forget_keys()
    reset_repository()
    get_settings.cache_clear()
    idempotency._store.cache_clear()


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from moto import mock_aws
    from roster.local.runtime import Runtime

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1",
                        # moto does not know the account-based DynamoDB Streams endpoint.
                        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        _forget_cold_start_state()
        local = Runtime().provision()
        yield local
    _forget_cold_start_state()


from agents_helpers import OWNER_PASSWORD, Api, sign_in  # noqa: E402


@pytest.fixture
def admin(runtime: Any) -> Api:
    runtime.create_owner(OWNER_PASSWORD)
    return sign_in(runtime, "admin", OWNER_PASSWORD)

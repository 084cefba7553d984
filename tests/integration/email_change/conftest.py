"""A local runtime (moto + template.yaml) for the email-change, cleanup and notifier tests.

Agents are written through the repository (``create_agent``: profile, guards, password in
one transaction) so these tests do not depend on the agents API.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[3] / "shared"
if str(SHARED) not in sys.path:
    sys.path.insert(0, str(SHARED))

from moto import mock_aws  # noqa: E402

from roster import aws, clock, passwords, sealing  # noqa: E402
from roster.config import get_settings  # noqa: E402
from roster.local.runtime import Runtime  # noqa: E402
from roster.models.agent import AgentRecord  # noqa: E402
from roster.models.credentials import PasswordCredential  # noqa: E402
from roster.repository import get_repository, reset_repository  # noqa: E402

ADMIN_PASSWORD = "Admin-Passw0rd-Local"
AGENT_PASSWORD = "Agent-Passw0rd-Local"


def _forget_cached_state() -> None:
    get_settings.cache_clear()
    aws.reset_clients()
    reset_repository()
    sealing.forget_keys()


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    saved = dict(os.environ)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1",
                        # botocore >= 1.37 would address streams by account-based
                        # endpoints (from the stream ARN), which mock_aws does not route.
                        "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        _forget_cached_state()
        local = Runtime().provision()
        local.create_owner(ADMIN_PASSWORD)
        yield local
    os.environ.clear()
    os.environ.update(saved)
    _forget_cached_state()


def sign_in(runtime: Runtime, login: str, password: str) -> str:
    response = runtime.invoke("POST", "/auth/login", body={"login": login, "password": password})
    assert response.status == 200, response.text
    return str(response.json()["accessToken"])


@pytest.fixture
def admin(runtime: Runtime) -> dict[str, str]:
    """Headers of a signed-in admin (the owner)."""
    return {"Authorization": f"Bearer {sign_in(runtime, 'admin', ADMIN_PASSWORD)}"}


AgentFactory = Callable[..., AgentRecord]


@pytest.fixture
def make_agent(runtime: Runtime) -> AgentFactory:
    """Create an agent (with a set password) straight through the repository."""

    def create(email: str, account: str | None = None, **fields: Any) -> AgentRecord:
        stamp = clock.iso(clock.now())
        record = AgentRecord(
            id=str(uuid.uuid4()), account=account or f"a{uuid.uuid4().hex[:10]}", email=email,
            firstName="Jane", lastName="Doe", alias="Jane Doe", passwordStatus="set",
            createdAt=stamp, updatedAt=stamp, **fields,
        )
        get_repository().create_agent(record, password=PasswordCredential(
            hash=passwords.hash_password(AGENT_PASSWORD), setAt=stamp))
        return record

    return create


def emails_to(runtime: Runtime, address: str) -> list[dict[str, Any]]:
    return [m for m in runtime.outbox() if m["channel"] == "email"
            and address.lower() in str(m["to"]).lower()]


def link_token(message: dict[str, Any]) -> str:
    """The token of the verification link in an email body."""
    for word in str(message["body"]).split():
        if "?token=" in word:
            return word.split("?token=", 1)[1]
    raise AssertionError(f"no verification link in {message['body']!r}")

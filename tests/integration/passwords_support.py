"""Helpers for the password tests: agents made straight in the table, sign-in, codes.

Agents are written through the repository (as ``POST /agents`` will write them) so
these tests do not depend on the agents function.
"""

from __future__ import annotations

import re
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
if str(SHARED) not in sys.path:
    sys.path.insert(0, str(SHARED))

from roster import clock, passwords  # noqa: E402
from roster.models.agent import AgentRecord  # noqa: E402
from roster.models.credentials import PasswordCredential  # noqa: E402
from roster.repository import get_repository  # noqa: E402

OWNER_PASSWORD = "Owner-Passw0rd-Long"
AGENT_PASSWORD = "Agent-Start-Passw0rd"
CODE = re.compile(r"\b(\d{6})\b")


def make_agent(*, account: str, email: str | None = None, mobile: str | None = None,
               password: str | None = AGENT_PASSWORD, temporary: bool = False,
               roles: list[str] | None = None, language: str = "en",
               expires_in: timedelta | None = None, active: bool = True,
               two_factor: bool = False, locked: bool = False) -> AgentRecord:
    """An agent (with a password unless ``password`` is None: then invited)."""
    moment = clock.now()
    stamp = clock.iso(moment)
    status = "none" if password is None else "temporary" if temporary else "set"
    record = AgentRecord(
        id=str(uuid.uuid4()), account=account, email=email or f"{account}@example.com",
        firstName=account.title(), alias=account.title(), mobilePhone=mobile,
        roles=roles or ["agent"], language=language, passwordStatus=status,
        active=active, twoFactorEnabled=two_factor, locked=locked,
        createdAt=stamp, updatedAt=stamp,
    )
    credential = None
    if password is not None:
        lifetime = expires_in or timedelta(days=7)
        credential = PasswordCredential(
            hash=passwords.hash_password(password), temporary=temporary, setAt=stamp,
            expiresAt=clock.iso(moment + lifetime) if temporary else None,
        )
    get_repository().create_agent(record, password=credential)
    return record


def login(runtime: Any, who: str, password: str) -> Any:
    return runtime.invoke("POST", "/auth/login", body={"login": who, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_in(runtime: Any, who: str, password: str) -> dict[str, Any]:
    response = login(runtime, who, password)
    assert response.status == 200, response.json()
    body: dict[str, Any] = response.json()
    assert body["status"] == "authenticated", body
    return body


def messages_to(runtime: Any, address: str) -> list[dict[str, Any]]:
    return [m for m in runtime.outbox() if m["to"] == address]


def last_code(runtime: Any, address: str) -> str:
    """The code in the newest message sent to ``address``."""
    sent = messages_to(runtime, address)
    assert sent, f"nothing was sent to {address}"
    found = CODE.search(sent[-1]["body"])
    assert found, sent[-1]["body"]
    return found.group(1)


class Clock:
    """Moves ``roster.clock.now`` for expiry rules."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta()
        real = clock.now

        def shifted() -> datetime:
            return real() + self.offset

        monkeypatch.setattr(clock, "now", shifted)

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@contextmanager
def dynamodb_calls() -> Iterator[list[str]]:
    """The DynamoDB API calls made inside the block (one entry per round trip)."""
    from roster import aws

    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    client = aws.dynamodb()
    client.meta.events.register("before-call.dynamodb", record)
    try:
        yield calls
    finally:
        client.meta.events.unregister("before-call.dynamodb", record)

"""Helpers of the email-change, cleanup and notifier tests (fixtures are in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roster.local.runtime import Runtime
from roster.models.agent import AgentRecord

ADMIN_PASSWORD = "Admin-Passw0rd-Local"
AGENT_PASSWORD = "Agent-Passw0rd-Local"

AgentFactory = Callable[..., AgentRecord]


def sign_in(runtime: Runtime, login: str, password: str) -> str:
    response = runtime.invoke("POST", "/auth/login", body={"login": login, "password": password})
    assert response.status == 200, response.text
    return str(response.json()["accessToken"])


def emails_to(runtime: Runtime, address: str) -> list[dict[str, Any]]:
    return [m for m in runtime.outbox() if m["channel"] == "email"
            and address.lower() in str(m["to"]).lower()]


def link_token(message: dict[str, Any]) -> str:
    """The token of the verification link in an email body."""
    for word in str(message["body"]).split():
        if "?token=" in word:
            return word.split("?token=", 1)[1]
    raise AssertionError(f"no verification link in {message['body']!r}")

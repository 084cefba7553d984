"""The local runtime with the owner created, a signed-in admin and an agent factory, for
the email-change, cleanup and notifier tests."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from roster.models.agent import AgentRecord
from roster_local.runtime import Runtime
from support.agents import OWNER_PASSWORD, AgentFactory, make_agent
from support.api import access_token, bearer


@pytest.fixture
def runtime(runtime: Runtime) -> Runtime:
    """The shared local runtime (``tests/conftest.py``), with the owner admin created."""
    runtime.create_owner(OWNER_PASSWORD)
    return runtime


@pytest.fixture
def admin(runtime: Runtime) -> dict[str, str]:
    """Headers of a signed-in admin (the owner)."""
    return bearer(access_token(runtime, "admin", OWNER_PASSWORD))


@pytest.fixture(name="make_agent")
def agent_factory(runtime: Runtime) -> AgentFactory:
    """An agent Jane Doe with ``email`` (and a random account unless one is given)."""

    def create(email: str, account: str | None = None, **fields: Any) -> AgentRecord:
        return make_agent(account or f"a{uuid.uuid4().hex[:10]}", email=email,
                          **{"firstName": "Jane", "lastName": "Doe", "alias": "Jane Doe",
                             **fields})

    return create

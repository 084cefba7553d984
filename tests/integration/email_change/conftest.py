"""The local runtime with an owner, agents and mail helpers for the email-change, cleanup
and notifier tests.

Agents are written through the repository (``create_agent``: profile, guards, password in
one transaction) so these tests do not depend on the agents API.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from email_change_helpers import ADMIN_PASSWORD, AGENT_PASSWORD, AgentFactory, sign_in
from roster import clock, passwords
from roster.local.runtime import Runtime
from roster.models.agent import AgentRecord
from roster.models.credentials import PasswordCredential
from roster.repository import get_repository


@pytest.fixture
def runtime(runtime: Runtime) -> Runtime:
    """The shared local runtime (``tests/conftest.py``), with the owner admin created."""
    runtime.create_owner(ADMIN_PASSWORD)
    return runtime


@pytest.fixture
def admin(runtime: Runtime) -> dict[str, str]:
    """Headers of a signed-in admin (the owner)."""
    return {"Authorization": f"Bearer {sign_in(runtime, 'admin', ADMIN_PASSWORD)}"}


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

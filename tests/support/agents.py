"""Agents written straight through the repository, as ``POST /agents`` writes them
(profile, guards and password credential in one transaction), so that a test of one
area does not depend on the agents routes."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from typing import Any

from roster import clock
from roster.models.agent import AgentRecord
from roster.models.credentials import PasswordCredential
from roster.passwords import hash_password
from roster.repository import get_repository

AGENT_PASSWORD = "Agent-Start-Passw0rd"
OWNER_PASSWORD = "Owner-Passw0rd-Long"
TEMPORARY_LIFETIME = timedelta(days=7)


@cache
def password_hash(password: str) -> str:
    """``passwords.hash_password``, once per password and process: an argon2 hash costs
    ~50 ms by design, and a test's agents need a hash that verifies, not a salt of their
    own (each test writes it into its own fresh table)."""
    return hash_password(password)


def make_agent(account: str = "jdoe", *, email: str | None = None, mobile: str | None = None,
               password: str | None = AGENT_PASSWORD, temporary: bool = False,
               expires_in: timedelta | None = None, roles: list[str] | None = None,
               two_factor: bool = False, **fields: Any) -> AgentRecord:
    """An agent with ``password`` (``None``: invited, no password yet), temporary or not.

    ``firstName`` defaults to the account in title case and ``alias`` to the first name;
    any other ``AgentRecord`` field may be given (``active``, ``locked``, ``language``,
    ``ipAllowlist``, ``queues``, ...).
    """
    moment = clock.now()
    stamp = clock.iso(moment)
    first_name = fields.pop("firstName", account.title())
    record = AgentRecord(
        id=str(uuid.uuid4()), account=account, email=email or f"{account}@example.com",
        firstName=first_name, alias=fields.pop("alias", first_name), mobilePhone=mobile,
        roles=roles or ["agent"], twoFactorEnabled=two_factor,
        passwordStatus="none" if password is None else "temporary" if temporary else "set",
        createdAt=stamp, updatedAt=stamp, **fields,
    )
    credential = None
    if password is not None:
        expires = moment + (expires_in or TEMPORARY_LIFETIME)
        credential = PasswordCredential(
            hash=password_hash(password), temporary=temporary, setAt=stamp,
            expiresAt=clock.iso(expires) if temporary else None,
        )
    get_repository().create_agent(record, password=credential)
    return record


def stored_agent(agent_id: str) -> AgentRecord:
    """The agent's profile as stored now."""
    record = get_repository().get_agent(agent_id)
    assert record is not None, f"no agent {agent_id}"
    return record


def set_password(agent_id: str, password: str) -> None:
    """What a password change stores, written straight into the table."""
    repository = get_repository()
    repository.table.put(repository.password_item(agent_id, PasswordCredential(
        hash=password_hash(password), setAt=clock.iso(clock.now()))))


AgentFactory = Callable[..., AgentRecord]
"""A fixture that makes agents (each area picks its defaults)."""

"""Agents and catalogue items made through the services, for service tests."""

from __future__ import annotations

from typing import Any

from roster.authorization import Actor
from roster.models.agent import AgentRecord
from roster.models.agents_api import CreateAgentRequest
from roster.ports.agents import agent_store
from roster.services import agents
from support.fakes import Fakes


def create(actor: Actor, account: str, **fields: Any) -> AgentRecord:
    """An agent created as ``POST /agents`` creates it (invited: no password to hash)."""
    request = CreateAgentRequest.model_validate({
        "account": account, "firstName": account.title(), "email": f"{account}@example.com",
        "passwordMode": "invite", "sendWelcome": False, **fields})
    created = agents.create_agent(actor, request)
    record = agent_store().get_agent(created.agent.id)
    assert record is not None
    return record


def catalog(fakes: Fakes, kind: str, item_id: str, **fields: Any) -> None:
    fakes.world.catalog[(kind, item_id)] = ({"id": item_id, "name": item_id, **fields}, 1)

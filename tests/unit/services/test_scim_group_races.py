"""SCIM Group writes hand on what they read (the queue, the members listed) instead of
reading it again: a change that lands in between is not overwritten nor lost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from agent_builders import create
from roster.authorization import Actor
from roster.errors import InUse, NotFound
from roster.models.agent import AgentRecord
from roster.models.agents_api import UpdateAgentRequest
from roster.models.catalog import CatalogPatch
from roster.models.scim import GROUP_SCHEMA
from roster.services import agents, catalog
from roster.services.scim import groups
from support.fakes import Fakes

BASE = "https://roster.example/scim/v2"
TOKEN = Actor("provisioning:t1", frozenset({"agents:read", "agents:write",
                                             "agents:delete", "agents:credentials"}))
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def meanwhile(monkeypatch: pytest.MonkeyPatch, change: Callable[[], Any]) -> None:
    """``change`` made just after the queue's members were listed (once)."""
    listed = groups.members_of
    pending = [change]

    def members_then_change(queue_id: str, *, hidden: bool = False) -> list[AgentRecord]:
        members = listed(queue_id, hidden=hidden)
        while pending:
            pending.pop()()
        return members

    monkeypatch.setattr(groups, "members_of", members_then_change)


def new_group(name: str, *members: str) -> None:
    groups.create_group(TOKEN, {"schemas": [GROUP_SCHEMA], "displayName": name,
                                "members": [{"value": m} for m in members]}, BASE)


def test_a_member_changed_since_listed_is_read_again_before_its_removal(
        fakes: Fakes, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    jane, bob = create(admin, "jdoe"), create(admin, "bob")
    new_group("Sales", jane.id, bob.id)
    meanwhile(monkeypatch, lambda: agents.update_agent(
        admin, jane.id, UpdateAgentRequest(lastName="Roe"), None))
    answer = groups.patch_group(TOKEN, "sales", {"schemas": [PATCH], "Operations": [
        {"op": "Remove", "path": f'members[value eq "{jane.id}"]'}]}, BASE)
    assert [member["value"] for member in answer.body["members"]] == [bob.id]
    after = agents.get_agent(jane.id)
    assert (after.queues, after.lastName) == ([], "Roe")
    assert fakes.world.audit[-1].actorId == "provisioning:t1"


def test_a_queue_changed_since_read_is_still_renamed(
        fakes: Fakes, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    jane = create(admin, "jdoe")
    new_group("Sales")
    # a member added elsewhere bumps the queue's revision
    meanwhile(monkeypatch, lambda: agents.update_agent(
        admin, jane.id, UpdateAgentRequest(queues=["sales"]), None))
    answer = groups.patch_group(TOKEN, "sales", {"schemas": [PATCH], "Operations": [
        {"op": "Replace", "path": "displayName", "value": "Support"}]}, BASE)
    assert answer.body["displayName"] == "Support" == catalog.get_item("queues", "sales").name
    assert agents.get_agent(jane.id).queues == ["sales"]


def test_a_delete_reads_a_queue_changed_meanwhile_again(
        fakes: Fakes, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    jane, bob = create(admin, "jdoe"), create(admin, "bob")
    new_group("Sales", jane.id)
    # renamed meanwhile: deleted all the same
    meanwhile(monkeypatch, lambda: catalog.update_item(admin, "queues", "sales",
                                                       CatalogPatch(name="Support")))
    groups.delete_group(TOKEN, "sales")
    assert agents.get_agent(jane.id).queues == []
    with pytest.raises(NotFound):
        catalog.get_item("queues", "sales")
    # a member added meanwhile: the queue is in use, as the catalogue says
    new_group("Nights")
    meanwhile(monkeypatch, lambda: agents.update_agent(
        admin, bob.id, UpdateAgentRequest(queues=["nights"]), None))
    with pytest.raises(InUse):
        groups.delete_group(TOKEN, "nights")
    assert agents.get_agent(bob.id).queues == ["nights"]

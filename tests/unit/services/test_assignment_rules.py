"""Assignments and deleting an agent, on the fakes: idempotent assignment, the owner and
a logged-on agent never deleted, assignments blocking a delete or handed over first."""

from __future__ import annotations

import pytest
from agent_builders import create
from roster.authorization import Actor
from roster.errors import (
    AgentLoggedOn,
    HasAssignments,
    InvalidCursor,
    InvalidReassignTarget,
    NotFound,
    OwnerProtected,
)
from roster.ports.agents import agent_store
from roster.services import agents, assignments
from support.fakes import Fakes


def _assign(agent_id: str, kind: str, count: int) -> None:
    for index in range(count):
        assert agent_store().add_assignment(agent_id, kind, f"{kind}-{index:04d}", audit=[])


def _all(agent_id: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    page_cursor = None
    while True:
        page = assignments.list_assignments(agent_id, limit=100, page_cursor=page_cursor)
        found += [(item.kind, item.ref) for item in page.items]
        page_cursor = page.nextCursor
        if page_cursor is None:
            return found


def test_assigning_is_idempotent_and_listed_by_kind_then_ref(fakes: Fakes,
                                                             admin: Actor) -> None:
    jdoe = create(admin, "jdoe")
    for kind, ref in (("chat", "c1"), ("chat", "c1"), ("chat", "c2"), ("ticket", "t-9")):
        assignments.assign(admin, jdoe.id, kind, ref)
    page = assignments.list_assignments(jdoe.id, limit=2, page_cursor=None)
    assert [(i.kind, i.ref) for i in page.items] == [("chat", "c1"), ("chat", "c2")]
    rest = assignments.list_assignments(jdoe.id, limit=2, page_cursor=page.nextCursor)
    assert [(i.kind, i.ref) for i in rest.items] == [("ticket", "t-9")]
    assert rest.nextCursor is None
    for _ in range(2):
        assignments.unassign(admin, jdoe.id, "chat", "c1")
    assert _all(jdoe.id) == [("chat", "c2"), ("ticket", "t-9")]
    assert fakes.world.actions().count("assignment.added") == 3
    assert fakes.world.actions().count("assignment.removed") == 1


def test_an_unknown_agent_or_another_agents_cursor_is_refused(fakes: Fakes,
                                                              admin: Actor) -> None:
    jdoe, other = create(admin, "jdoe"), create(admin, "other")
    _assign(jdoe.id, "chat", 3)
    for action in (assignments.assign, assignments.unassign):
        with pytest.raises(NotFound):
            action(admin, "nobody", "chat", "x")
    with pytest.raises(NotFound):
        assignments.list_assignments("nobody", limit=10, page_cursor=None)
    page = assignments.list_assignments(jdoe.id, limit=1, page_cursor=None)
    with pytest.raises(InvalidCursor):
        assignments.list_assignments(other.id, limit=1, page_cursor=page.nextCursor)


def test_the_owner_and_a_logged_on_agent_are_not_deleted(fakes: Fakes, admin: Actor) -> None:
    owner = create(admin, "owner", roles=["admin"])
    fakes.world.agents[owner.id] = owner.model_copy(update={"isOwner": True})
    with pytest.raises(OwnerProtected):
        assignments.delete_agent(admin, owner.id, None)
    jdoe = create(admin, "jdoe")
    agents.set_queue_status(jdoe.id, "logged_on", None)
    with pytest.raises(AgentLoggedOn):
        assignments.delete_agent(admin, jdoe.id, None)
    agents.set_queue_status(jdoe.id, "logged_off", None)
    assignments.delete_agent(admin, jdoe.id, None)
    with pytest.raises(NotFound):
        assignments.delete_agent(admin, jdoe.id, None)


def test_a_deleted_agents_names_are_free_again(fakes: Fakes, admin: Actor) -> None:
    jdoe = create(admin, "jdoe", numericId=42)
    assignments.delete_agent(admin, jdoe.id, None)
    assert agent_store().get_agent(jdoe.id) is None
    assert agent_store().find_agent_id("jdoe") is None and agents.numeric_ids() == []
    assert create(admin, "jdoe", numericId=42).id != jdoe.id
    assert fakes.world.actions()[-2] == "agent.deleted"


def test_assignments_block_a_delete_listing_every_kind(fakes: Fakes, admin: Actor) -> None:
    jdoe = create(admin, "jdoe")
    _assign(jdoe.id, "chat", 3)
    _assign(jdoe.id, "view", 1)
    with pytest.raises(HasAssignments) as refused:
        assignments.delete_agent(admin, jdoe.id, None)
    assert (refused.value.status, refused.value.code) == (409, "has_assignments")
    assert refused.value.extra == {"assignments": {"chat": 3, "ticket": 0, "workflow": 0,
                                                   "view": 1}}


def test_only_another_active_agent_takes_the_assignments(fakes: Fakes, admin: Actor) -> None:
    jdoe = create(admin, "jdoe")
    _assign(jdoe.id, "chat", 1)
    inactive = create(admin, "gone", active=False)
    for target in (jdoe.id, inactive.id, "nobody"):
        with pytest.raises(InvalidReassignTarget):
            assignments.delete_agent(admin, jdoe.id, target)
    assert agent_store().get_agent(jdoe.id) is not None


def test_a_delete_hands_every_assignment_over_once(fakes: Fakes, admin: Actor) -> None:
    leaving, staying = create(admin, "leaving"), create(admin, "staying")
    for kind, count in (("chat", 100), ("ticket", 80), ("workflow", 40), ("view", 30)):
        _assign(leaving.id, kind, count)
    _assign(staying.id, "view", 5)  # view-0000..0004 on both
    assignments.delete_agent(admin, leaving.id, staying.id)
    assert agent_store().get_agent(leaving.id) is None
    moved = _all(staying.id)
    assert len(moved) == 250 and len(set(moved)) == 250
    with pytest.raises(HasAssignments) as refused:
        assignments.delete_agent(admin, staying.id, None)
    assert refused.value.extra["assignments"] == {"chat": 100, "ticket": 80, "workflow": 40,
                                                  "view": 30}
    assert "assignments.reassigned" in fakes.world.actions()

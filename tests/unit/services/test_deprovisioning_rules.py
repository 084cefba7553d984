"""Deprovisioning (identity provisioning's DELETE) on the fakes: deleted when the seed
rules allow, else deactivated and marked, for an admin to reassign; never the owner."""

from __future__ import annotations

import pytest
from agent_builders import create
from roster.authorization import Actor
from roster.errors import Forbidden, NotFound, OwnerProtected
from roster.models.agents_api import UpdateAgentRequest
from roster.ports.agents import AgentFilter, agent_store
from roster.services import agents, assignments
from support.fakes import Fakes

PROVISIONING = Actor("provisioning:t1", frozenset({"agents:read", "agents:write",
                                                    "agents:delete", "agents:credentials"}))


def deprovisioned_accounts() -> list[str]:
    records, _ = agent_store().agent_page(AgentFilter(deprovisioned=True), limit=50, after=None)
    return [record.account for record in records]


def test_an_agent_free_to_go_is_deleted(fakes: Fakes, admin: Actor) -> None:
    jane = create(admin, "jdoe")
    assert assignments.deprovision_or_delete(PROVISIONING, jane.id) == "deleted"
    assert agent_store().get_agent(jane.id) is None
    assert fakes.world.audit[-1].action == "agent.deleted"
    assert fakes.world.audit[-1].actorId == "provisioning:t1"


def test_an_agent_with_assignments_is_deactivated_and_marked_instead(fakes: Fakes,
                                                                      admin: Actor) -> None:
    jane = create(admin, "jdoe")
    assignments.assign(admin, jane.id, "chat", "c1")
    epoch = jane.sessionEpoch
    assert assignments.deprovision_or_delete(PROVISIONING, jane.id) == "deactivated"
    after = agents.get_agent(jane.id)
    assert not after.active and after.deprovisionedAt is not None
    assert after.sessionEpoch == epoch + 1  # every session ended at once
    assert fakes.world.audit[-1].action == "agent.deprovisioned"
    assert deprovisioned_accounts() == ["jdoe"]
    # Asked again while still assigned: nothing more is written (for SCIM, it is gone)
    writes = len(fakes.world.audit)
    assert assignments.deprovision_or_delete(PROVISIONING, jane.id) == "deprovisioned"
    assert len(fakes.world.audit) == writes
    with pytest.raises(NotFound):
        assignments.deprovision_or_delete(PROVISIONING, jane.id, deprovisioned_is_gone=True)
    # Once an admin has taken the assignment away, the next DELETE deletes
    assignments.unassign(admin, jane.id, "chat", "c1")
    assert assignments.deprovision_or_delete(PROVISIONING, jane.id) == "deleted"


def test_a_logged_on_agent_is_deprovisioned_and_logged_off(fakes: Fakes, admin: Actor) -> None:
    jane = create(admin, "jdoe")
    agents.set_queue_status(jane.id, "logged_on", None)
    assert assignments.deprovision_or_delete(PROVISIONING, jane.id) == "deactivated"
    after = agents.get_agent(jane.id)
    assert (after.active, after.queueStatus) == (False, "logged_off")


def test_reactivating_ends_the_deprovisioning(fakes: Fakes, admin: Actor) -> None:
    jane = create(admin, "jdoe")
    assignments.assign(admin, jane.id, "chat", "c1")
    assignments.deprovision_or_delete(PROVISIONING, jane.id)
    agents.update_agent(admin, jane.id, UpdateAgentRequest.model_validate({"active": True}),
                        None)
    after = agents.get_agent(jane.id)
    assert after.active and after.deprovisionedAt is None
    assert deprovisioned_accounts() == []


def test_the_owner_and_those_above_the_token_are_never_touched(fakes: Fakes,
                                                               admin: Actor) -> None:
    owner = create(admin, "owner", roles=["admin"])
    fakes.world.update_agent(owner.id, isOwner=True)
    with pytest.raises((OwnerProtected, Forbidden)):
        assignments.deprovision_or_delete(admin, owner.id)
    boss = create(admin, "boss", roles=["admin"])
    with pytest.raises(Forbidden):
        assignments.deprovision_or_delete(PROVISIONING, boss.id)
    assert agents.get_agent(boss.id).active


def test_an_inactive_agent_is_deprovisioned_without_a_deactivation(fakes: Fakes,
                                                                     admin: Actor) -> None:
    jane = create(admin, "jdoe", active=False)
    assignments.assign(admin, jane.id, "chat", "c1")
    assert assignments.deprovision_or_delete(PROVISIONING, jane.id) == "deprovisioned"
    assert agents.get_agent(jane.id).deprovisionedAt is not None

"""Chat, ticket, workflow and view assignments, and deleting an agent (which must hand
its assignments over to another agent first)."""

from __future__ import annotations

from typing import Literal

from roster import clock, cursor
from roster.authorization import Act, Actor, authorize
from roster.errors import (
    AgentLoggedOn,
    ConcurrentChange,
    HasAssignments,
    InvalidCursor,
    InvalidReassignTarget,
    NotFound,
    OwnerProtected,
)
from roster.models.agent import ASSIGNMENT_KINDS
from roster.models.agents_api import AssignmentPage
from roster.models.audit import AuditEvent
from roster.ports.agents import agent_store
from roster.services.agents import UPDATE_RETRIES, change_agent


def _authorized_version(actor: Actor, agent_id: str) -> int:
    """The target's version once ``actor`` may manage it (``404`` for an unknown one)."""
    record = agent_store().get_agent(agent_id)
    if record is None:
        raise NotFound("No such agent")
    authorize(actor, record, Act.MANAGE)
    return record.version


def assign(actor: Actor, agent_id: str, kind: str, ref: str) -> None:
    """Idempotent: assigning what is already assigned changes nothing."""
    agent_store().add_assignment(
        agent_id, kind, ref, expected_version=_authorized_version(actor, agent_id),
        audit=[AuditEvent(actorId=actor.id, action="assignment.added", targetId=agent_id,
                          details={"kind": kind, "ref": ref})])


def unassign(actor: Actor, agent_id: str, kind: str, ref: str) -> None:
    """Idempotent: removing what is not assigned changes nothing (but an unknown agent
    is ``404``)."""
    agent_store().remove_assignment(
        agent_id, kind, ref, expected_version=_authorized_version(actor, agent_id),
        audit=[AuditEvent(actorId=actor.id, action="assignment.removed", targetId=agent_id,
                          details={"kind": kind, "ref": ref})])


def list_assignments(agent_id: str, *, limit: int, page_cursor: str | None) -> AssignmentPage:
    after = cursor.after(page_cursor, _scope(agent_id))
    if after is not None and after.split("#", 1)[0] not in ASSIGNMENT_KINDS:
        raise InvalidCursor()
    repository = agent_store()
    items, last = repository.assignment_page(agent_id, limit=limit, after=after)
    if not items and repository.get_agent(agent_id) is None:
        raise NotFound("No such agent")
    return AssignmentPage(
        items=items,
        nextCursor=cursor.next_after(last, _scope(agent_id)),
    )


def _scope(agent_id: str) -> str:
    """A cursor of one agent's assignments is refused for another's."""
    return f"ASSIGNMENTS#{agent_id}"


def delete_agent(actor: Actor, agent_id: str, reassign_to: str | None) -> None:
    """Delete an agent: never the owner, never while logged on; its assignments go to
    ``reassign_to`` (another active agent) first, or the delete is refused listing them."""
    repository = agent_store()
    record, counts, target = repository.load_for_delete(agent_id, reassign_to)
    if record is None:
        raise NotFound("No such agent")
    authorize(actor, record, Act.MANAGE)
    if target is not None:  # handing assignments over acts on the one who receives them
        authorize(actor, target, Act.MANAGE)
    if record.isOwner:
        raise OwnerProtected("The owner cannot be deleted")
    if record.queueStatus == "logged_on":
        raise AgentLoggedOn("Log the agent off its queues before deleting it")
    if reassign_to is not None and (reassign_to == agent_id or target is None
                                    or not target.active):
        raise InvalidReassignTarget("reassignTo must be another, active agent",
                                    errors=[{"field": "reassignTo",
                                             "message": "not another active agent"}])
    if counts:
        if reassign_to is None:
            raise HasAssignments(assignments=_all_kinds(counts))
        repository.move_assignments(agent_id, reassign_to, audit=lambda moved: AuditEvent(
            actorId=actor.id, action="assignments.reassigned", targetId=agent_id,
            details={"to": reassign_to, "assignments": moved}))
    try:
        repository.delete_agent(record, audit=[AuditEvent(
            actorId=actor.id, action="agent.deleted", targetId=agent_id,
            details={"account": record.account, "reassignTo": reassign_to})])
    except HasAssignments as error:  # assigned meanwhile
        raise HasAssignments(assignments=_all_kinds(
            repository.assignment_counts(agent_id))) from error


Removal = Literal["deleted", "deactivated", "deprovisioned"]


def deprovision_or_delete(actor: Actor, agent_id: str, *,
                          deprovisioned_is_gone: bool = False) -> Removal:
    """What identity provisioning's ``DELETE`` does (API.md "Provisioning tokens and SCIM
    2.0"): delete the agent (``deleted``); if the seed rules forbid that now (it has
    assignments, or is logged on), mark it deprovisioned and inactive instead, for an
    admin to reassign and delete: ``deactivated`` when it was active (its sessions end),
    else ``deprovisioned``. A deprovisioned agent asked again is deleted if it can be by
    then, else left as it is (``404`` with ``deprovisioned_is_gone``: hidden from SCIM).
    The owner is never touched (``409 owner_protected``)."""
    for _ in range(UPDATE_RETRIES):
        record, counts, _ = agent_store().load_for_delete(agent_id, None)
        if record is None or (deprovisioned_is_gone and record.deprovisionedAt is not None):
            raise NotFound("No such agent")
        authorize(actor, record, Act.MANAGE)
        if record.isOwner:
            raise OwnerProtected("The owner cannot be deleted")
        if not counts and record.queueStatus != "logged_on":
            try:
                agent_store().delete_agent(record, audit=[AuditEvent(
                    actorId=actor.id, action="agent.deleted", targetId=agent_id,
                    details={"account": record.account, "reassignTo": None})])
                return "deleted"
            except (HasAssignments, ConcurrentChange):
                continue  # assigned or changed meanwhile: look again
        if record.deprovisionedAt is not None:
            return "deprovisioned"
        try:
            change_agent(actor, record, {"active": False,
                                         "deprovisionedAt": clock.iso(clock.now())},
                         expected_version=record.version, action="agent.deprovisioned")
        except ConcurrentChange:
            continue
        return "deactivated" if record.active else "deprovisioned"
    raise ConcurrentChange()


def _all_kinds(counts: dict[str, int]) -> dict[str, int]:
    return {kind: counts.get(kind, 0) for kind in ASSIGNMENT_KINDS}

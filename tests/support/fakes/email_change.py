"""``EmailChangeStore`` in memory: the pending change on the profile, one token per
agent, the hourly mail count, the guards moving on completion."""

from __future__ import annotations

from collections.abc import Sequence

from roster import clock
from roster.errors import (
    ConcurrentChange,
    EmailTaken,
    InvalidVerificationToken,
    RosterError,
    TooManyAttempts,
)
from roster.models.agent import AgentRecord, PendingEmail
from roster.models.audit import AuditEvent
from roster.models.email_change import EmailChange
from roster.models.outbox import OutboxMessage
from roster.repository.keys import normal_login

from support.fakes.world import World


class MemoryEmailChangeStore:
    def __init__(self, world: World) -> None:
        self.world = world

    def _count_mail(self, agent_id: str, limit: int) -> None:
        moment = clock.now()
        hour = (agent_id, moment.strftime("%Y%m%d%H"))
        if self.world.mails.get(hour, 0) >= limit:
            raise TooManyAttempts("Too many email-change mails for this agent this hour",
                                  retryAfter=3600 - (moment.minute * 60 + moment.second))
        self.world.mails[hour] = self.world.mails.get(hour, 0) + 1

    def load_email_change(self, agent_id: str) -> tuple[AgentRecord | None,
                                                        EmailChange | None]:
        return self.world.agents.get(agent_id), self.world.email_changes.get(agent_id)

    def email_holder(self, agent_id: str, email: str) -> AgentRecord | None:
        owner = self.world.owner_of(email)
        return self.world.agents.get(owner) if owner not in (None, agent_id) else None  # type: ignore[arg-type]

    def start_email_change(self, record: AgentRecord, change: EmailChange, *, updated_at: str,
                           audit: Sequence[AuditEvent], messages: Sequence[OutboxMessage],
                           on_stale: RosterError, mail_limit: int,
                           address_in_use: bool = False) -> None:
        world = self.world
        current = world.agents.get(record.id)
        if current is None or current.version != record.version:
            raise on_stale
        owner = world.owner_of(change.email)
        if address_in_use and owner is None:
            raise ConcurrentChange()
        if not address_in_use and owner not in (None, record.id):
            raise EmailTaken()
        self._count_mail(record.id, mail_limit)
        world.bump(current, pendingEmail=change.pending, updatedAt=updated_at)
        world.email_changes[record.id] = change
        world.record(audit, messages)

    def reissue_email_change(self, previous: PendingEmail, change: EmailChange, *,
                             updated_at: str, audit: Sequence[AuditEvent],
                             messages: Sequence[OutboxMessage], mail_limit: int) -> None:
        world = self.world
        self._count_mail(change.agentId, mail_limit)  # first in the transaction
        current = world.agents.get(change.agentId)
        if current is None or current.pendingEmail != previous:
            world.mails[(change.agentId, clock.now().strftime("%Y%m%d%H"))] -= 1
            raise ConcurrentChange("The pending email change changed")
        world.bump(current, pendingEmail=change.pending, updatedAt=updated_at)
        world.email_changes[change.agentId] = change
        world.record(audit, messages)

    def end_email_change(self, agent_id: str, pending: PendingEmail, *, updated_at: str,
                         audit: Sequence[AuditEvent], on_mismatch: RosterError | None = None,
                         version: int | None = None) -> None:
        world = self.world
        failure = on_mismatch or ConcurrentChange()
        current = world.agents.get(agent_id)
        if current is None or current.pendingEmail is None \
                or current.pendingEmail.expiresAt != pending.expiresAt \
                or (version is not None and current.version != version):
            raise failure
        token = world.email_changes.get(agent_id)
        if token is not None and token.expiresAt != pending.expiresAt:
            raise failure
        world.bump(current, pendingEmail=None, updatedAt=updated_at)
        world.email_changes.pop(agent_id, None)
        world.record(audit)

    def complete_email_change(self, record: AgentRecord, change: EmailChange, *,
                              updated_at: str, audit: Sequence[AuditEvent],
                              messages: Sequence[OutboxMessage]) -> None:
        world = self.world
        token = world.email_changes.get(record.id)
        current = world.agents.get(record.id)
        if token is None or token.digest != change.digest or current is None \
                or current.email != record.email or current.pendingEmail != change.pending:
            raise InvalidVerificationToken()
        moving = normal_login(record.email) != normal_login(change.email)
        if moving and world.owner_of(record.email) != record.id:
            raise ConcurrentChange("The email guard changed")
        if moving and world.owner_of(change.email) is not None:
            raise EmailTaken()
        if moving:
            world.release(record.email, record.id)
            world.claim(change.email, record.id)
        del world.email_changes[record.id]
        world.bump(current, email=change.email, pendingEmail=None, updatedAt=updated_at)
        world.record(audit, messages)

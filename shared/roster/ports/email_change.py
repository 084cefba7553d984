"""What the email-change flow needs from storage (the agent itself is the agent store's).

A change is the profile's ``pendingEmail`` plus one token item per agent; each write is
conditional on the state it was decided on (``on_stale``/``on_mismatch``, else
``ConcurrentChange``); the hourly mail count past ``mail_limit`` is ``TooManyAttempts``;
an address another agent verified is ``EmailTaken``; a used or replaced token
``InvalidVerificationToken``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from roster.ports import Port

if TYPE_CHECKING:
    from roster.errors import RosterError
    from roster.models.agent import AgentRecord, PendingEmail
    from roster.models.audit import AuditEvent
    from roster.models.email_change import EmailChange
    from roster.models.outbox import OutboxMessage


class EmailChangeStore(Protocol):
    def load_email_change(self, agent_id: str) -> tuple[AgentRecord | None,
                                                        EmailChange | None]: ...

    def email_holder(self, agent_id: str, email: str) -> AgentRecord | None:
        """The other agent whose verified address ``email`` is, if any; a free address
        costs the same reads (the time does not tell who is registered)."""

    def start_email_change(self, record: AgentRecord, change: EmailChange, *, updated_at: str,
                           audit: Sequence[AuditEvent], messages: Sequence[OutboxMessage],
                           on_stale: RosterError, mail_limit: int,
                           address_in_use: bool = False) -> None: ...

    def reissue_email_change(self, previous: PendingEmail, change: EmailChange, *,
                             updated_at: str, audit: Sequence[AuditEvent],
                             messages: Sequence[OutboxMessage], mail_limit: int) -> None: ...

    def end_email_change(self, agent_id: str, pending: PendingEmail, *, updated_at: str,
                         audit: Sequence[AuditEvent], on_mismatch: RosterError | None = None,
                         version: int | None = None) -> None: ...

    def complete_email_change(self, record: AgentRecord, change: EmailChange, *,
                              updated_at: str, audit: Sequence[AuditEvent],
                              messages: Sequence[OutboxMessage]) -> None: ...


email_change_store = Port[EmailChangeStore]("email_change")

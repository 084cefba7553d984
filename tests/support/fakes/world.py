"""The state the in-memory fakes share, as the DynamoDB adapters share one table: an
agent written through the agent store is what the email-change store reads.

Every fake write checks all its conditions before it changes anything, in the order the
adapter's transaction lists them (the first failing one's error is raised), so a refused
write leaves no trace, as a cancelled transaction does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from roster import clock
from roster.models.agent import AgentRecord
from roster.models.audit import AuditEvent
from roster.models.credentials import PasswordCredential
from roster.models.email_change import EmailChange
from roster.models.outbox import OutboxMessage
from roster.repository.keys import normal_login


@dataclass
class Outboxed:
    message: OutboxMessage
    status: str = "pending"
    claimed_at: int | None = None
    sent_at: str | None = None
    failure: str | None = None


@dataclass
class World:
    agents: dict[str, AgentRecord] = field(default_factory=dict)
    passwords: dict[str, PasswordCredential] = field(default_factory=dict)
    guards: dict[str, str] = field(default_factory=dict)  # normal login -> agent id
    numeric_ids: dict[int, str] = field(default_factory=dict)
    # (kind, id) -> (public fields, revision)
    catalog: dict[tuple[str, str], tuple[dict[str, Any], int]] = field(default_factory=dict)
    # (kind, id) of the item used -> (owner kind, owner id) of the catalogue items using it
    catalog_uses: dict[tuple[str, str], set[tuple[str, str]]] = field(default_factory=dict)
    assignments: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> kind#ref -> at
    email_changes: dict[str, EmailChange] = field(default_factory=dict)
    mails: dict[tuple[str, str], int] = field(default_factory=dict)  # (agent, hour) -> count
    expiring: dict[tuple[str, str], str] = field(default_factory=dict)  # other items' expiry
    audit: list[AuditEvent] = field(default_factory=list)
    outbox: dict[str, Outboxed] = field(default_factory=dict)

    # ------------------------------------------------------------------ guards
    def owner_of(self, login: str) -> str | None:
        return self.guards.get(normal_login(login))

    def claim(self, login: str, agent_id: str) -> None:
        self.guards[normal_login(login)] = agent_id

    def release(self, login: str, agent_id: str) -> None:
        if self.guards.get(normal_login(login)) == agent_id:
            del self.guards[normal_login(login)]

    # ------------------------------------------------------------------ side effects
    def record(self, audit: Iterable[AuditEvent] = (),
               messages: Iterable[OutboxMessage] = ()) -> None:
        self.audit += audit
        for message in messages:
            self.outbox[message.id] = Outboxed(message)

    def actions(self) -> list[str]:
        """The audit trail's actions, oldest first."""
        return [event.action for event in self.audit]

    def templates(self) -> list[tuple[str, str]]:
        """``(to, template)`` of every outbox message, in the order written."""
        return [(entry.message.to, entry.message.template) for entry in self.outbox.values()]

    def bump(self, record: AgentRecord, **changes: Any) -> AgentRecord:
        """The stored agent with ``changes``, one version on."""
        new = record.model_copy(update={**changes, "version": record.version + 1})
        self.agents[record.id] = new
        return new

    @staticmethod
    def now() -> str:
        return clock.iso(clock.now())

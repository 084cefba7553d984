"""The audit trail and outbox writes that go with no other change."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from roster.models.audit import AuditEvent
from roster.models.outbox import OutboxMessage
from roster.ports import Port


class AuditLog(Protocol):
    def record_events(self, audit: Sequence[AuditEvent] = (),
                      messages: Sequence[OutboxMessage] = ()) -> None:
        """Write the events (and messages) in one round trip."""
        ...


audit_log: Port[AuditLog] = Port("audit_log")

"""``roster.ports.audit.AuditLog`` in memory."""

from __future__ import annotations

from collections.abc import Sequence

from roster.models.audit import AuditEvent
from roster.models.outbox import OutboxMessage

from support.fakes.world import World


class FakeAuditLog:
    def __init__(self, world: World) -> None:
        self.world = world

    def record_events(self, audit: Sequence[AuditEvent] = (),
                      messages: Sequence[OutboxMessage] = ()) -> None:
        with self.world.lock:
            self.world.record(audit, messages)

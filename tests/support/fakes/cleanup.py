"""``ExpiryStore`` in memory: pending email changes and other expiring items, each
removed only while it still has the expiry that was listed."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from roster.errors import ConcurrentChange
from roster.models.audit import AuditEvent
from roster.ports.cleanup import Expired

from support.fakes.email_change import MemoryEmailChangeStore
from support.fakes.world import World

PAGE = 100


class MemoryExpiryStore:
    def __init__(self, world: World) -> None:
        self.world = world

    def expired_pages(self, now: str) -> Iterator[list[Expired]]:
        entries = [Expired(("change", agent_id), change.expiresAt, email_change_of=agent_id)
                   for agent_id, change in self.world.email_changes.items()
                   if change.expiresAt <= now]
        entries += [Expired(handle, at) for handle, at in self.world.expiring.items()
                    if at <= now]
        entries.sort(key=lambda entry: entry.expiresAt)
        for start in range(0, len(entries), PAGE):
            yield entries[start:start + PAGE]

    def expire_email_changes(self, entries: Sequence[Expired], *, updated_at: str,
                             audit: Callable[[str], AuditEvent]) -> tuple[int, int]:
        done = skipped = 0
        changes = MemoryEmailChangeStore(self.world)
        for entry in entries:
            agent_id = entry.email_change_of
            assert agent_id is not None
            record = self.world.agents.get(agent_id)
            token = self.world.email_changes.get(agent_id)
            try:
                if record is None or record.pendingEmail is None:
                    raise ConcurrentChange()
                listed = record.pendingEmail.model_copy(update={"expiresAt": entry.expiresAt})
                changes.end_email_change(agent_id, listed, updated_at=updated_at,
                                         audit=[audit(agent_id)])
                done += 1
            except ConcurrentChange:
                # The profile no longer shows it: the token goes alone, if still expired.
                if token is not None and token.expiresAt == entry.expiresAt:
                    del self.world.email_changes[agent_id]
                    done += 1
                else:
                    skipped += 1
        return done, skipped

    def delete_expired(self, entries: Sequence[Expired]) -> tuple[int, int]:
        done = skipped = 0
        for entry in entries:
            if self.world.expiring.get(entry.handle) == entry.expiresAt:
                del self.world.expiring[entry.handle]
                done += 1
            else:
                skipped += 1
        return done, skipped

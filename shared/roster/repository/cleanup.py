"""The scheduled cleanup's table access: the sparse ``expiring`` index and batched deletes.

Only items that carry ``expiryBucket`` and ``expiresAt`` (see ``email_change.expiring``)
are in the index, so a query for ``expiresAt <= now`` reads the expired items and
nothing else: the cost grows with what has expired, not with the table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from roster.errors import RosterError
from roster.models.audit import AuditEvent
from roster.repository import keys
from roster.repository.email_change import EmailChangeStore
from roster.repository.table import (
    TRANSACT_LIMIT,
    ConditionFailed,
    Expression,
    Key,
    TxOp,
    delete,
)

EXPIRING_INDEX = "expiring"
EXPIRED_PAGE_SIZE = 100
_AGENT_PREFIX = keys.agent_partition("")


@dataclass(frozen=True)
class Expired:
    """One entry of the ``expiring`` index (its projection is the keys only)."""

    key: Key
    expiresAt: str

    @property
    def email_change_of(self) -> str | None:
        """The agent id when this is a pending email change's token item."""
        pk = self.key["pk"]
        if not pk.startswith(_AGENT_PREFIX):
            return None
        agent_id = pk[len(_AGENT_PREFIX):]
        return agent_id if self.key == keys.email_change(agent_id) else None


class ExpiryStore(EmailChangeStore):
    """Repository methods of the cleanup (a mixin of ``DynamoRepository``)."""

    def expired_pages(self, now: str) -> Iterator[list[Expired]]:
        """Pages of index entries with ``expiresAt <= now`` (a ``Query``, never a ``Scan``)."""
        condition = Expression("expiryBucket = :bucket AND expiresAt <= :now",
                               values={":bucket": keys.EXPIRY_BUCKET, ":now": now})
        start: Key | None = None
        while True:
            items, start = self.table.query(condition, index=EXPIRING_INDEX,
                                            limit=EXPIRED_PAGE_SIZE, start_key=start)
            if items:
                yield [Expired({"pk": str(i["pk"]), "sk": str(i["sk"])}, str(i["expiresAt"]))
                       for i in items]
            if start is None:
                return

    def expire_email_changes(self, entries: Sequence[Expired], *, updated_at: str,
                             audit: Callable[[str], AuditEvent]) -> tuple[int, int]:
        """End expired changes: token deleted, ``pendingEmail`` removed from the profile
        (only if it is still that change), an audit event each. ``(removed, skipped)``.

        A token whose profile no longer shows it (agent deleted, change replaced) is
        deleted on its own, still only if it is the expired one.
        """
        changes = [(entry, agent_id) for entry in entries
                   if (agent_id := entry.email_change_of) is not None]
        groups = [
            [*self.end_email_change_ops(agent_id, entry.expiresAt, updated_at=updated_at),
             *self.side_effects([audit(agent_id)])]
            for entry, agent_id in changes
        ]
        return self._transact_groups(
            groups, lambda index: self._delete_if_expired(changes[index][0])
        )

    def delete_expired(self, entries: Sequence[Expired]) -> tuple[int, int]:
        """Delete other expired items, each only if it still has that ``expiresAt``."""
        groups = [[self._expired_delete_op(entry)] for entry in entries]
        return self._transact_groups(groups, lambda _: False)

    @staticmethod
    def _expired_delete_op(entry: Expired) -> TxOp:
        return delete(entry.key, condition="expiresAt = :expires",
                      values={":expires": entry.expiresAt})

    def _delete_if_expired(self, entry: Expired) -> bool:
        try:
            self.table.delete(entry.key, condition="expiresAt = :expires",
                              values={":expires": entry.expiresAt})
        except ConditionFailed:
            return False
        return True

    def _transact_groups(self, groups: Sequence[list[TxOp]],
                         fallback: Callable[[int], bool]) -> tuple[int, int]:
        """Write ``groups`` in as few transactions as fit; when one is cancelled (an item
        changed meanwhile), each of its groups is retried alone, and a group that still
        fails gets ``fallback(index)``. Returns ``(done, skipped)``."""
        done = skipped = 0
        chunk: list[int] = []

        def flush() -> None:
            nonlocal done, skipped
            if not chunk:
                return
            try:
                self.table.transact([op for index in chunk for op in groups[index]])
                done += len(chunk)
            except RosterError:
                for index in chunk:
                    try:
                        self.table.transact(groups[index])
                        done += 1
                    except RosterError:
                        if fallback(index):
                            done += 1
                        else:
                            skipped += 1
            chunk.clear()

        size = 0
        for index, group in enumerate(groups):
            if size + len(group) > TRANSACT_LIMIT:
                flush()
                size = 0
            chunk.append(index)
            size += len(group)
        flush()
        return done, skipped

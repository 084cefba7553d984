"""The scheduled cleanup's table access: the sparse ``expiring`` index and batched deletes.

Only items that carry ``expiryBucket`` and ``expiresAt`` (see ``email_change.expiring``)
are in the index, so a query for ``expiresAt <= now`` reads the expired items and
nothing else: the cost grows with what has expired, not with the table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from roster.errors import RosterError
from roster.models.audit import AuditEvent
from roster.ports.cleanup import Expired
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


def expired(key: Key, expires_at: str) -> Expired:
    """An entry of the ``expiring`` index (its projection is the keys only), naming the
    agent when it is a pending email change's token item."""
    agent_id = key["pk"].removeprefix(_AGENT_PREFIX) if key["pk"].startswith(
        _AGENT_PREFIX) else None
    change_of = agent_id if agent_id and key == keys.email_change(agent_id) else None
    return Expired((key["pk"], key["sk"]), expires_at, email_change_of=change_of)


def _key(entry: Expired) -> Key:
    return {"pk": entry.handle[0], "sk": entry.handle[1]}


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
                yield [expired({"pk": str(i["pk"]), "sk": str(i["sk"])}, str(i["expiresAt"]))
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
        return delete(_key(entry), condition="expiresAt = :expires",
                      values={":expires": entry.expiresAt})

    def _delete_if_expired(self, entry: Expired) -> bool:
        try:
            self.table.delete(_key(entry), condition="expiresAt = :expires",
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

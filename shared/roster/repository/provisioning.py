"""Provisioning tokens on the one table (``roster.ports.provisioning``).

- ``PROVTOKEN#<digest>`` / ``TOKEN``: the token's record under its keyed digest (the
  SCIM authorizer's one read), in ``gsi1`` partition ``PROVISIONING_TOKENS`` by creation
  time for the list; ``lastUsedAt`` kept to the minute;
- ``PROVTOKENID#<id>`` / ``POINTER``: the digest, so a token is revoked by its id.

Both are written and deleted together, with the audit event, in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress

from roster.errors import ConcurrentChange, NotFound
from roster.models.audit import AuditEvent
from roster.models.provisioning import ProvisioningTokenRecord
from roster.repository import keys
from roster.repository.base import StoreBase
from roster.repository.table import ConditionFailed, Item, delete, put_new, update

_RECORD_FIELDS = tuple(ProvisioningTokenRecord.model_fields)


def _record(item: Item) -> ProvisioningTokenRecord:
    return ProvisioningTokenRecord.model_validate(
        {name: item[name] for name in _RECORD_FIELDS if name in item})


REVOKE_ATTEMPTS = 3


class ProvisioningTokenStore(StoreBase):
    @staticmethod
    def _token_item(record: ProvisioningTokenRecord) -> Item:
        return {**keys.provisioning_token(record.digest), "type": "provisioning_token",
                "gsi1pk": keys.PROVISIONING_TOKEN_LIST_PARTITION,
                "gsi1sk": f"{record.createdAt}#{record.id}",
                **record.model_dump(mode="json", exclude_none=True)}

    def create_provisioning_token(self, record: ProvisioningTokenRecord,
                                  audit: AuditEvent) -> None:
        pointer: Item = {**keys.provisioning_token_pointer(record.id),
                         "type": "provisioning_token_pointer", "digest": record.digest}
        self.table.transact([put_new(self._token_item(record)), put_new(pointer),
                             *self.side_effects([audit])])

    def rekey_provisioning_token(self, record: ProvisioningTokenRecord, digest: str) -> None:
        moved = record.model_copy(update={"digest": digest})
        # A condition failing (ConcurrentChange): another request moved it, or it was
        # revoked meanwhile.
        with suppress(ConcurrentChange):
            self.table.transact([
                delete(keys.provisioning_token(record.digest),
                       condition="attribute_exists(pk)"),
                update(keys.provisioning_token_pointer(record.id), "SET digest = :new",
                       condition="digest = :old",
                       values={":new": digest, ":old": record.digest}),
                put_new(self._token_item(moved))])

    def provisioning_token_page(self, *, limit: int, after: str | None,
                                ) -> tuple[list[ProvisioningTokenRecord], str | None]:
        items, last = self.newest_first(keys.PROVISIONING_TOKEN_LIST_PARTITION, limit=limit,
                                        after=after)
        return [_record(item) for item in items], last

    def revoke_provisioning_token(self, token_id: str, audit: AuditEvent) -> None:
        """The pointer and the token's item, at the digest the pointer names; if a re-key
        (a digest-key rotation) moved the token meanwhile, the pointer is read again, so
        a revoke never answers 404 while the token still works."""
        for _ in range(REVOKE_ATTEMPTS):
            pointer = self.table.get(keys.provisioning_token_pointer(token_id))
            if pointer is None:
                raise NotFound("No such provisioning token")
            try:
                self.table.transact([
                    delete(keys.provisioning_token_pointer(token_id),
                           condition="digest = :digest",
                           values={":digest": str(pointer["digest"])}),
                    delete(keys.provisioning_token(str(pointer["digest"])),
                           condition="attribute_exists(pk)"),
                    *self.side_effects([audit])])
                return
            except ConcurrentChange:
                continue  # moved or revoked meanwhile: look at the pointer again
        raise ConcurrentChange()

    def find_provisioning_token(self, digests: Sequence[str]) -> ProvisioningTokenRecord | None:
        found = self.table.batch_get([keys.provisioning_token(digest) for digest in digests])
        return _record(found[0]) if found else None

    def mark_provisioning_token_used(self, digest: str, *, at: str, unless_since: str) -> None:
        # Failing the condition: used within the minute (another request wrote it), or gone.
        with suppress(ConditionFailed):
            self.table.update(
                keys.provisioning_token(digest), "SET lastUsedAt = :at",
                condition="attribute_exists(pk) AND "
                          "(attribute_not_exists(lastUsedAt) OR lastUsedAt < :since)",
                values={":at": at, ":since": unless_since})

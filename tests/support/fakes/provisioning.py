"""Fake of the provisioning-token store: records by digest on the ``World``, with the
adapter's conditions (revoking a token that is gone is ``NotFound``; ``lastUsedAt`` set
only when older than the caller's cut-off), and a count of the writes it made."""

from __future__ import annotations

from collections.abc import Sequence

from roster.errors import NotFound
from roster.models.audit import AuditEvent
from roster.models.provisioning import ProvisioningTokenRecord

from support.fakes.world import World


class MemoryProvisioningTokenStore:
    def __init__(self, world: World) -> None:
        self.world = world

    def create_provisioning_token(self, record: ProvisioningTokenRecord,
                                  audit: AuditEvent) -> None:
        with self.world.lock:
            self.world.provisioning_tokens[record.digest] = record
            self.world.record([audit])

    def provisioning_token_page(self, *, limit: int, after: str | None,
                                ) -> tuple[list[ProvisioningTokenRecord], str | None]:
        ordered = sorted(self.world.provisioning_tokens.values(),
                         key=lambda record: f"{record.createdAt}#{record.id}", reverse=True)
        if after is not None:
            ordered = [r for r in ordered if f"{r.createdAt}#{r.id}" < after]
        page = ordered[:limit]
        more = len(ordered) > limit
        return page, (f"{page[-1].createdAt}#{page[-1].id}" if more else None)

    def revoke_provisioning_token(self, token_id: str, audit: AuditEvent) -> None:
        with self.world.lock:
            found = [digest for digest, record in self.world.provisioning_tokens.items()
                     if record.id == token_id]
            if not found:
                raise NotFound("No such provisioning token")
            del self.world.provisioning_tokens[found[0]]
            self.world.record([audit])

    def find_provisioning_token(self, digests: Sequence[str]) -> ProvisioningTokenRecord | None:
        self.world.provisioning_token_reads += 1
        return next((self.world.provisioning_tokens[digest] for digest in digests
                     if digest in self.world.provisioning_tokens), None)

    def rekey_provisioning_token(self, record: ProvisioningTokenRecord, digest: str) -> None:
        with self.world.lock:
            if self.world.provisioning_tokens.get(record.digest) is None \
                    or digest in self.world.provisioning_tokens:
                return
            stored = self.world.provisioning_tokens.pop(record.digest)
            self.world.provisioning_tokens[digest] = stored.model_copy(update={"digest": digest})

    def mark_provisioning_token_used(self, digest: str, *, at: str, unless_since: str) -> None:
        with self.world.lock:
            record = self.world.provisioning_tokens.get(digest)
            if record is None or (record.lastUsedAt is not None
                                  and record.lastUsedAt >= unless_since):
                return
            self.world.provisioning_tokens[digest] = record.model_copy(update={"lastUsedAt": at})
            self.world.provisioning_token_writes += 1

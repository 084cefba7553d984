"""Provisioning tokens in storage (``roster.services.provisioning`` and the SCIM
authorizer, ``roster.services.scim_authorizer``).

A token is stored under its keyed digest, so the authorizer finds it in one read; a
pointer by id lets an admin revoke it. Creation and revocation write their audit
event in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from roster.ports import Port

if TYPE_CHECKING:
    from roster.models.audit import AuditEvent
    from roster.models.provisioning import ProvisioningTokenRecord


class ProvisioningTokenStore(Protocol):
    def create_provisioning_token(self, record: ProvisioningTokenRecord,
                                  audit: AuditEvent) -> None:
        """Store the token (by digest, and its pointer by id) with its audit event."""

    def provisioning_token_page(self, *, limit: int, after: str | None,
                                ) -> tuple[list[ProvisioningTokenRecord], str | None]:
        """Up to ``limit`` tokens, newest first, after position ``after``; the position
        the next page starts after (``None``: no more)."""

    def revoke_provisioning_token(self, token_id: str, audit: AuditEvent) -> None:
        """Delete the token (its digest item and pointer) with the audit event, in one
        transaction; ``NotFound`` when there is no such token."""

    def find_provisioning_token(self, digests: Sequence[str]) -> ProvisioningTokenRecord | None:
        """The token stored under one of ``digests`` (the current key's and, after a
        rotation, the previous key's), in one read."""

    def rekey_provisioning_token(self, record: ProvisioningTokenRecord, digest: str) -> None:
        """Move the token from ``record.digest`` to ``digest`` (the current key's), with
        its pointer, in one transaction; nothing when it moved or went meanwhile."""

    def mark_provisioning_token_used(self, digest: str, *, at: str, unless_since: str) -> None:
        """Set ``lastUsedAt`` to ``at`` unless it is already ``unless_since`` or later
        (a conditional write: concurrent requests do not all write), nor when the token
        is gone."""


provisioning_tokens = Port[ProvisioningTokenStore]("provisioning_tokens")

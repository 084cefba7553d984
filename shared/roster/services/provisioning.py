"""Provisioning tokens: what identity providers authenticate to ``/scim/v2`` with.

A token is ``rstp_`` + 32 random bytes (base64url), shown once on creation; Roster keeps
only its keyed digest (``roster.codes``, purpose ``provisioning-token``), under which the
SCIM authorizer finds it in one read. Creating and revoking are audited; a revoked
token's item is gone, so it stops working on its next request (the authorizer's cache
is off). Who may manage them is the route's permission, ``provisioning:manage``.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from roster import clock, codes, cursor
from roster.authorization import Actor
from roster.errors import Forbidden, ValidationFailed
from roster.models.audit import AuditEvent
from roster.models.provisioning import (
    TOKEN_BYTES,
    TOKEN_PREFIX,
    NewProvisioningToken,
    ProvisioningTokenPage,
    ProvisioningTokenRecord,
)
from roster.permissions import PROVISIONING_PERMISSIONS
from roster.ports.provisioning import provisioning_tokens

DIGEST_PURPOSE = "provisioning-token"
LIST_SCOPE = "PROVISIONING_TOKENS"


def actor_id(token_id: str) -> str:
    """The ``actorId`` a token's acts are audited with (and the SCIM caller's id)."""
    return f"provisioning:{token_id}"


def create_token(actor: Actor, *, name: str, expires_at: datetime | None,
                 allowed_cidrs: list[str]) -> NewProvisioningToken:
    """A new token; its creator must hold every permission a token acts with (privilege
    dominance: ``provisioning:manage`` in a custom role alone mints no agents:write)."""
    missing = PROVISIONING_PERMISSIONS - actor.permissions
    if missing:
        raise Forbidden("A provisioning token acts with permissions you do not hold: "
                        + ", ".join(sorted(missing)))
    now = clock.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationFailed("The token would be expired already", errors=[
            {"field": "expiresAt", "message": "Must be in the future"}])
    token = TOKEN_PREFIX + codes.opaque_token(TOKEN_BYTES)
    record = ProvisioningTokenRecord(
        id=str(uuid.uuid4()), name=name.strip() or name,
        digest=codes.digest(token, purpose=DIGEST_PURPOSE), createdAt=clock.iso(now),
        createdBy=actor.id,
        expiresAt=None if expires_at is None else clock.iso(expires_at),
        allowedCidrs=list(allowed_cidrs))
    provisioning_tokens().create_provisioning_token(record, AuditEvent(
        actorId=actor.id, action="provisioning_token.created", targetId=None,
        details={"tokenId": record.id, "name": record.name,
                 "expiresAt": record.expiresAt, "allowedCidrs": record.allowedCidrs}))
    return NewProvisioningToken(id=record.id, name=record.name, token=token,
                                createdAt=record.createdAt, expiresAt=record.expiresAt,
                                allowedCidrs=record.allowedCidrs)


def list_tokens(*, limit: int, page_cursor: str | None) -> ProvisioningTokenPage:
    records, last = provisioning_tokens().provisioning_token_page(
        limit=limit, after=cursor.after(page_cursor, LIST_SCOPE))
    return ProvisioningTokenPage(items=[record.shown() for record in records],
                                 nextCursor=cursor.next_after(last, LIST_SCOPE))


def revoke_token(actor: Actor, token_id: str) -> None:
    """``NotFound`` when there is no such token (or it was revoked already)."""
    provisioning_tokens().revoke_provisioning_token(token_id, AuditEvent(
        actorId=actor.id, action="provisioning_token.revoked", targetId=None,
        details={"tokenId": token_id}))

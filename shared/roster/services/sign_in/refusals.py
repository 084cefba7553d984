"""Why a caller who proved who they are still gets no tokens: the one set of checks
every sign-in step that can grant tokens applies (the password, the TOTP or backup code,
the new password), in one order, and the one way a refusal is audited
(``sign_in.refused`` with its reason and the source IP, the throttle's included)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from roster import clock
from roster.allowlist import ip_allowed
from roster.errors import (
    AccountInactive,
    AccountLocked,
    IpNotAllowed,
    RosterError,
    TemporaryPasswordExpired,
)
from roster.models.agent import AgentRecord
from roster.models.audit import AuditEvent
from roster.models.credentials import PasswordCredential
from roster.ports.audit import audit_log


@dataclass(frozen=True)
class Refusal:
    reason: str  # as audited
    error: RosterError  # as answered


def refusal(record: AgentRecord, password: PasswordCredential | None,
            source_ip: str) -> Refusal | None:
    """The first reason the account's state refuses tokens now, or ``None``: inactive,
    source not in the allowlist, locked (2FA failures), temporary password expired."""
    if not record.active:
        return Refusal("inactive", AccountInactive())
    if not ip_allowed(source_ip, record.ipAllowlist):
        return Refusal("ip_not_allowed", IpNotAllowed())
    if record.locked:
        return Refusal("locked", AccountLocked())
    if (password is not None and password.temporary and password.expiresAt
            and clock.parse(password.expiresAt) <= clock.now()):
        return Refusal("temporary_password_expired", TemporaryPasswordExpired())
    return None


def record_refusal(reason: str, *, source_ip: str, target_id: str | None,
                   verified: bool) -> None:
    """Audit a refused sign-in step: the agent is the actor when the step had verified
    it, the target when known (never the login string typed)."""
    audit_log().record_events([AuditEvent(
        actorId=target_id if verified else None, action="sign_in.refused",
        targetId=target_id, details={"reason": reason, "sourceIp": source_ip})])


def refuse(record: AgentRecord, found: Refusal, source_ip: str) -> NoReturn:
    """Audit ``found`` for the verified ``record`` and raise its error."""
    record_refusal(found.reason, source_ip=source_ip, target_id=record.id, verified=True)
    raise found.error

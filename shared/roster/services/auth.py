"""Sign-in: the password step, and what follows it."""

from __future__ import annotations

import math

from roster import clock, passwords
from roster.allowlist import ip_allowed as ip_allowed  # re-exported: its old home
from roster.config import get_settings
from roster.errors import (
    AccountInactive,
    AccountLocked,
    InvalidCredentials,
    IpNotAllowed,
    TemporaryPasswordExpired,
    TooManyAttempts,
)
from roster.models.agent import AgentRecord
from roster.models.audit import AuditEvent
from roster.models.auth import ChallengeRequest, LoginRequest, SignInResult
from roster.models.credentials import LoginThrottle, PasswordCredential
from roster.repository import get_repository
from roster.services import sessions


def throttled(throttle: LoginThrottle | None) -> None:
    """``429 too_many_attempts`` (with ``Retry-After`` seconds) while a lockout runs."""
    if throttle is None or not throttle.lockedUntil:
        return
    remaining = math.ceil((clock.parse(throttle.lockedUntil) - clock.now()).total_seconds())
    if remaining > 0:
        raise TooManyAttempts(retryAfter=remaining)


def _refuse(record: AgentRecord, reason: str, error: Exception) -> Exception:
    get_repository().record_events([AuditEvent(
        actorId=record.id, action="sign_in.refused", targetId=record.id,
        details={"reason": reason})])
    return error


def login(request: LoginRequest, source_ip: str) -> SignInResult:
    """Check the password, then answer with tokens or the next challenge.

    Unknown login, wrong password and no password yet take the same time and give the
    same ``401``; states that would reveal the account (inactive, locked, allowlist)
    are told only to a caller who knew the password.
    """
    settings = get_settings()
    repository = get_repository()
    state, record = repository.load_sign_in(request.login)
    try:
        throttled(state.throttle)
    except TooManyAttempts:
        # A refused attempt is a sign-in failure too: recorded, without the login typed.
        repository.record_events([AuditEvent(
            actorId=None, action="sign_in.refused", targetId=record.id if record else None,
            details={"reason": "throttled", "sourceIp": source_ip})])
        raise

    stored = state.password.hash if record is not None and state.password else None
    if not passwords.verify_password(stored, request.password):
        repository.record_password_failure(
            request.login,
            max_failures=settings.password_max_failures,
            lockout_seconds=settings.password_lockout_seconds,
            audit=AuditEvent(
                actorId=None, action="sign_in.failed",
                targetId=record.id if record else None,
                details={"reason": "wrong_password" if record else "unknown_login",
                         "sourceIp": source_ip},
            ),
        )
        raise InvalidCredentials()
    assert record is not None and state.password is not None

    if not record.active:
        raise _refuse(record, "inactive", AccountInactive())
    if not ip_allowed(source_ip, record.ipAllowlist):
        raise _refuse(record, "ip_not_allowed", IpNotAllowed())
    if record.locked:
        raise _refuse(record, "locked", AccountLocked())
    password = state.password
    if (
        password.temporary
        and password.expiresAt
        and clock.parse(password.expiresAt) <= clock.now()
    ):
        raise _refuse(record, "temporary_password_expired", TemporaryPasswordExpired())

    rehashed = None
    if passwords.needs_rehash(password.hash):
        rehashed = PasswordCredential(
            hash=passwords.hash_password(request.password), temporary=password.temporary,
            expiresAt=password.expiresAt, setAt=password.setAt)
    step = sessions.pending_challenge(record, password)
    action = "sign_in.succeeded" if step is None else "sign_in.password_verified"
    return sessions.continue_sign_in(
        record, password, login=request.login, rehashed_password=rehashed,
        audit=[AuditEvent(actorId=record.id, action=action, targetId=record.id,
                          details={"sourceIp": source_ip})],
    )


def answer_challenge(request: ChallengeRequest, source_ip: str) -> SignInResult:
    """Route a challenge answer to the service that owns that step."""
    if request.challenge == "TOTP_REQUIRED":
        from roster.services import two_factor

        return two_factor.answer_sign_in_challenge(request, source_ip)
    from roster.services import credentials

    return credentials.answer_new_password_challenge(request)

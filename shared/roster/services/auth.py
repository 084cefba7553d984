"""Sign-in: the password step, and what follows it."""

from __future__ import annotations

from datetime import timedelta

from roster import clock, passwords
from roster.allowlist import ip_allowed
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
from roster.models.credentials import LoginThrottle, PasswordCredential, SignInThrottles
from roster.repository import get_repository, keys
from roster.repository.table import Key
from roster.services import sessions

# A source the agent signed in from this recently is the agent's own: the per-agent
# ceiling does not apply there, so strangers elsewhere cannot lock the owner out of it.
TRUSTED_SOURCE_DAYS = 30


def trusted_source(throttle: LoginThrottle | None) -> bool:
    return (throttle is not None and throttle.lastSuccessAt is not None
            and clock.now() - clock.parse(throttle.lastSuccessAt)
            < timedelta(days=TRUSTED_SOURCE_DAYS))


Spent = list[tuple[Key, LoginThrottle, int]]  # throttle item, its count, its limit


def spend_attempts(subject: str, source_ip: str) -> Spent:
    """Spend one attempt from ``subject``'s count from ``source_ip`` and, unless that
    source is the agent's own (a sign-in from it in the last 30 days, which the spend's
    answer tells), one from its ceiling from every source: both before the password is
    compared; ``429`` when either has none left. Sign-in and re-authentication share
    these counts (a wrong current password is a password failure like any other)."""
    settings = get_settings()
    repository = get_repository()
    lockout = settings.password_lockout_seconds
    source = keys.sign_in_source_throttle(subject, source_ip)
    limit = settings.password_max_failures
    from_source = repository.spend_password_attempt(source, max_failures=limit,
                                                    lockout_seconds=lockout)
    spent = [(source, from_source, limit)]
    if not trusted_source(from_source):
        everywhere = keys.sign_in_throttle(subject)
        limit = settings.password_max_failures_per_agent
        try:
            spent.append((everywhere, repository.spend_password_attempt(
                everywhere, max_failures=limit, lockout_seconds=lockout), limit))
        except TooManyAttempts:
            repository.return_password_attempt(source)  # spent, never compared
            raise
    return spent


def settle_failure(spent: Spent) -> None:
    """The guess was wrong: its attempts stay spent (the one reaching a limit locks)."""
    repository = get_repository()
    for key, attempt, limit in spent:
        repository.settle_password_failure(
            key, attempt, max_failures=limit,
            lockout_seconds=get_settings().password_lockout_seconds)


def give_back(spent: Spent) -> None:
    """The guess was right: its attempts are given back, the failures before forgiven."""
    repository = get_repository()
    for key, _, _ in spent:
        repository.give_back_password_attempt(key)
    forgive(spent)


def forgive(spent: Spent) -> None:
    """After a right guess, the failures counted before it are forgiven (a write only
    where there were some, and only while no other guess is in flight)."""
    repository = get_repository()
    for key, attempt, _ in spent:
        if attempt.failures > 1:  # others had been spent when this one was
            repository.forgive_failures(key)


def _refuse(record: AgentRecord, reason: str, error: Exception, spent: Spent) -> Exception:
    """A right password refused for the account's state: recorded, and its attempts given
    back (the guess was right)."""
    give_back(spent)
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
    repository = get_repository()
    state, record = repository.load_sign_in(request.login)
    subject = keys.sign_in_subject(state.agent_id, request.login)
    try:
        spent = spend_attempts(subject, source_ip)
    except TooManyAttempts:
        # A refused attempt is a sign-in failure too: recorded, without the login typed.
        repository.record_events([AuditEvent(
            actorId=None, action="sign_in.refused", targetId=record.id if record else None,
            details={"reason": "throttled", "sourceIp": source_ip})])
        raise

    stored = state.password.hash if record is not None and state.password else None
    if not passwords.verify_password(stored, request.password):
        repository.record_events([AuditEvent(
            actorId=None, action="sign_in.failed", targetId=record.id if record else None,
            details={"reason": "wrong_password" if record else "unknown_login",
                     "sourceIp": source_ip})])
        settle_failure(spent)
        raise InvalidCredentials()
    assert record is not None and state.password is not None
    throttles = SignInThrottles(subject=subject, sourceIp=source_ip,
                                spentEverywhere=len(spent) == 2)

    if not record.active:
        raise _refuse(record, "inactive", AccountInactive(), spent)
    if not ip_allowed(source_ip, record.ipAllowlist):
        raise _refuse(record, "ip_not_allowed", IpNotAllowed(), spent)
    if record.locked:
        raise _refuse(record, "locked", AccountLocked(), spent)
    password = state.password
    if (
        password.temporary
        and password.expiresAt
        and clock.parse(password.expiresAt) <= clock.now()
    ):
        raise _refuse(record, "temporary_password_expired", TemporaryPasswordExpired(), spent)

    rehashed = None
    if passwords.needs_rehash(password.hash):
        rehashed = PasswordCredential(
            hash=passwords.hash_password(request.password), temporary=password.temporary,
            expiresAt=password.expiresAt, setAt=password.setAt)
    step = sessions.pending_challenge(record, password)
    action = "sign_in.succeeded" if step is None else "sign_in.password_verified"
    result = sessions.continue_sign_in(
        record, password, throttles=throttles, rehashed_password=rehashed,
        audit=[AuditEvent(actorId=record.id, action=action, targetId=record.id,
                          details={"sourceIp": source_ip})],
    )
    forgive(spent)  # the attempts themselves were given back in the step's own write
    return result


def answer_challenge(request: ChallengeRequest, source_ip: str) -> SignInResult:
    """Route a challenge answer to the service that owns that step."""
    if request.challenge == "TOTP_REQUIRED":
        from roster.services import two_factor

        return two_factor.answer_sign_in_challenge(request, source_ip)
    from roster.services import credentials

    return credentials.answer_new_password_challenge(request)

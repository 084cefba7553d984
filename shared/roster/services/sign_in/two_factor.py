"""Two-factor enrolment and its administration: enrolling (the current password asked
first), confirming with a code (ten backup codes, shown once), turning it off with a
code, and an administrator's backup codes, unlock and reset. The sign-in step itself is
``totp_answer``; the code counting both use is ``second_factor``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from roster import clock, totp
from roster.authorization import Act, Actor, authorize
from roster.config import get_settings
from roster.errors import (
    AccountLocked,
    ConcurrentChange,
    InvalidCode,
    InvalidTwoFactorCode,
    NotFound,
    TwoFactorAlreadyEnabled,
    TwoFactorNotEnabled,
)
from roster.models.agent import AgentRecord
from roster.models.audit import AuditEvent
from roster.models.two_factor import (
    Enrolment,
    EnrolmentConfirmed,
    IssuedBackupCodes,
    TotpCredential,
)
from roster.ports.credentials import credentials
from roster.ports.two_factor import two_factor
from roster.services.sign_in import second_factor
from roster.services.sign_in.reauth import reauthenticate

ENROLMENT_TTL_SECONDS = 900
ENROLMENT_BACKUP_CODES = 10
# Reads of an agent that changed under a 2FA write (its ``twoFactorEnabled`` listing item
# is derived from the read, so the write is conditional on it) before 409 concurrent_change.
WRITE_ROUNDS = 3


# ---------------------------------------------------------------------- self-service
def start_enrolment(agent_id: str, current_password: str, source_ip: str) -> Enrolment:
    """A fresh secret, pending until confirmed with a code from the app; the current
    password is asked first (a stolen token must not bind its thief's authenticator)."""
    record, password = credentials().load_credentials(agent_id)
    if record is None:
        raise NotFound("No such agent")
    reauthenticate(agent_id, current_password, password, source_ip=source_ip,
                   action="two_factor.enrolment_refused", step="two_factor_enrolment")
    if record.twoFactorEnabled:
        raise TwoFactorAlreadyEnabled()
    secret = totp.new_secret()
    moment = clock.now()
    credential = TotpCredential(
        encryptedSeed=second_factor.seal_seed(agent_id, secret), enrolmentId=uuid.uuid4().hex,
        pending=True, createdAt=clock.iso(moment),
        expiresAt=clock.iso(moment + timedelta(seconds=ENROLMENT_TTL_SECONDS)),
    )
    two_factor().start_totp_enrolment(agent_id, credential, audit=[AuditEvent(
        actorId=agent_id, action="two_factor.enrolment_started", targetId=agent_id)])
    return Enrolment(secret=secret, otpauthUri=totp.provisioning_uri(secret, record.account))


@contextmanager
def _as_bearer_route() -> Iterator[None]:
    """On a route called with a bearer token a wrong code is ``400 invalid_code`` (API.md
    v2, "Status codes and names"): a ``401`` there would read as an ended session."""
    try:
        yield
    except InvalidTwoFactorCode as error:
        raise InvalidCode(error.detail, **error.extra) from error


def confirm_enrolment(agent_id: str, code: str) -> EnrolmentConfirmed:
    """A valid code turns 2FA on and gives the agent ten backup codes, shown this once.

    The write holds the agent to the record read (its listing item is derived from it);
    when a concurrent change got in first, everything is read and checked again."""
    with _as_bearer_route():
        for attempt in range(WRITE_ROUNDS):
            try:
                return _confirm_enrolment(agent_id, code)
            except ConcurrentChange:
                if attempt == WRITE_ROUNDS - 1:
                    raise
        raise ConcurrentChange()  # pragma: no cover - the loop returns or raises


def disable_own(agent_id: str, code: str, source_ip: str) -> None:
    """2FA off with a current code (not one already accepted); wrong codes count."""
    with _as_bearer_route():
        _disable_own(agent_id, code, source_ip)


def _confirm_enrolment(agent_id: str, code: str) -> EnrolmentConfirmed:
    store = two_factor()
    record, credential = store.load_two_factor(agent_id)
    if record is None:
        raise NotFound("No such agent")
    if record.twoFactorEnabled:
        raise TwoFactorAlreadyEnabled()
    if credential is None or not credential.pending or second_factor.expired(credential.expiresAt):
        raise InvalidTwoFactorCode("No enrolment is pending; start with POST /me/two-factor")
    step = totp.matching_step(second_factor.open_seed(agent_id, credential.encryptedSeed), code,
                              clock.now())
    if step is None:
        raise InvalidTwoFactorCode()
    plain, stored = second_factor.new_backup_codes(
        agent_id, ENROLMENT_BACKUP_CODES, source="enrolment",
        enrolment_id=credential.enrolmentId, expires_at=None)
    store.enable_totp(
        record, credential.enrolmentId, step, stored,
        audit=[AuditEvent(actorId=agent_id, action="two_factor.enabled", targetId=agent_id,
                          details={"backupCodes": len(plain)})],
        messages=[second_factor.notice(record, "two_factor.enabled")],
    )
    return EnrolmentConfirmed(backupCodes=plain)


def _enabled(agent_id: str) -> tuple[AgentRecord, TotpCredential]:
    """The agent and its TOTP credential, read for turning 2FA off: it must be on and
    the agent not locked."""
    record, credential = two_factor().load_two_factor(agent_id)
    if record is None:
        raise NotFound("No such agent")
    if not record.twoFactorEnabled or credential is None or credential.pending:
        raise TwoFactorNotEnabled()
    if record.locked:
        raise AccountLocked()
    return record, credential


def _disable_own(agent_id: str, code: str, source_ip: str) -> None:
    store = two_factor()
    record, credential = _enabled(agent_id)
    action = "two_factor.disable_failed"
    second_factor.spend_attempt(record)
    step = totp.matching_step(second_factor.open_seed(agent_id, credential.encryptedSeed), code,
                              clock.now())
    if step is None:
        second_factor.wrong_code(record, reason="wrong_code", action=action, source_ip=source_ip)
    for attempt in range(WRITE_ROUNDS):
        if step <= credential.lastStep:
            second_factor.already_used(record, action=action, source_ip=source_ip)
        try:
            store.disable_totp(
                record, was_enabled=True, expected_version=record.version,
                enrolment_id=credential.enrolmentId, step=step,
                audit=[AuditEvent(actorId=agent_id, action="two_factor.disabled",
                                  targetId=agent_id, details={"sourceIp": source_ip})],
                messages=[second_factor.notice(record, "two_factor.disabled")],
            )
            return
        except InvalidTwoFactorCode:
            # A concurrent request used this step first: a lost race, not a failure.
            store.give_back_two_factor_attempt(agent_id)
            raise
        except ConcurrentChange:
            # The agent changed since it was read (its listing item comes from the read):
            # read and check again; the code was right, so a refusal now is no failure.
            enrolment = credential.enrolmentId
            try:
                if attempt == WRITE_ROUNDS - 1:
                    raise
                record, credential = _enabled(agent_id)
                if credential.enrolmentId != enrolment:
                    raise InvalidTwoFactorCode("Two-factor was enrolled again meanwhile")
            except (ConcurrentChange, InvalidTwoFactorCode, TwoFactorNotEnabled, AccountLocked,
                    NotFound):
                store.give_back_two_factor_attempt(agent_id)
                raise


# ---------------------------------------------------------------------- admin
def _target(actor: Actor, agent_id: str,
            act: Act) -> tuple[AgentRecord, TotpCredential | None]:
    """The agent an administrator's route acts on, with its TOTP credential (one read),
    once ``roster.authorization`` lets ``actor`` do ``act`` to it."""
    record, credential = two_factor().load_two_factor(agent_id)
    if record is None:
        raise NotFound("No such agent")
    authorize(actor, record, act)
    return record, credential


def issue_backup_codes(actor: Actor, agent_id: str, count: int) -> IssuedBackupCodes:
    """``count`` codes valid for ``ROSTER_BACKUP_CODE_TTL_SECONDS``; earlier admin-issued
    codes are revoked in the same transaction (the agent's own ones stay)."""
    record, credential = _target(actor, agent_id, Act.BACKUP_CODES)
    if not record.twoFactorEnabled or credential is None or credential.pending:
        raise TwoFactorNotEnabled()
    expires_at = clock.iso(clock.now()
                           + timedelta(seconds=get_settings().backup_code_ttl_seconds))
    plain, stored = second_factor.new_backup_codes(agent_id, count, source="admin",
                                                   enrolment_id=credential.enrolmentId,
                                                   expires_at=expires_at)
    two_factor().issue_backup_codes(
        agent_id, credential.enrolmentId, stored, expected_version=record.version,
        audit=[AuditEvent(actorId=actor.id, action="two_factor.backup_codes_issued",
                          targetId=agent_id, details={"count": count, "expiresAt": expires_at})],
        messages=[second_factor.notice(record, "two_factor.backup_codes_issued", count=count,
                          expiresAt=expires_at)],
    )
    return IssuedBackupCodes(backupCodes=plain, codes=plain, expiresAt=expires_at)


def unlock(actor: Actor, agent_id: str) -> None:
    """Clear the 2FA lock and failure count (and the password throttle of its logins)."""
    record, _ = _target(actor, agent_id, Act.UNLOCK)
    two_factor().unlock_agent(record, audit=[AuditEvent(
        actorId=actor.id, action="agent.unlocked", targetId=agent_id,
        details={"wasLocked": record.locked})])


def reset(actor: Actor, agent_id: str) -> None:
    """Lost device: 2FA off, seed and every backup code gone. The lock is left to unlock."""
    record, _ = _target(actor, agent_id, Act.TWO_FACTOR)
    two_factor().disable_totp(
        record, was_enabled=record.twoFactorEnabled, expected_version=record.version,
        audit=[AuditEvent(actorId=actor.id, action="two_factor.reset", targetId=agent_id,
                          details={"wasEnabled": record.twoFactorEnabled})],
        messages=([second_factor.notice(record, "two_factor.reset")]
                  if record.twoFactorEnabled else []),
    )

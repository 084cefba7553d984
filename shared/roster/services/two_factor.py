"""Two-factor sign-in: TOTP enrolment, the ``TOTP_REQUIRED`` challenge, lockout, unlock,
backup codes and the admin reset.

The seed is stored only KMS-encrypted with the agent id as encryption context, so a
ciphertext copied onto another agent's item does not decrypt. Backup codes are stored
as keyed digests; the digest is the item's key, so the sign-in reads the presented
code's item directly in the same ``BatchGetItem`` as the challenge and the profile.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, NoReturn

from aws_lambda_powertools.metrics import MetricUnit

from roster import aws, clock, codes, totp
from roster.allowlist import ip_allowed
from roster.authorization import Act, Actor, authorize
from roster.config import get_settings
from roster.errors import (
    AccountInactive,
    AccountLocked,
    InvalidCode,
    InvalidSession,
    InvalidTwoFactorCode,
    IpNotAllowed,
    NotFound,
    TwoFactorAlreadyEnabled,
    TwoFactorNotEnabled,
    ValidationFailed,
)
from roster.models.agent import AgentRecord
from roster.models.audit import AuditEvent
from roster.models.auth import ChallengeRequest, SignInResult
from roster.models.credentials import SignInThrottles
from roster.models.outbox import OutboxMessage
from roster.models.two_factor import (
    BackupCode,
    BackupCodeSource,
    Enrolment,
    EnrolmentConfirmed,
    IssuedBackupCodes,
    TotpCredential,
)
from roster.observability import logger, metrics
from roster.repository import get_repository, keys
from roster.services import sessions

ENROLMENT_TTL_SECONDS = 900
ENROLMENT_BACKUP_CODES = 10
BACKUP_CODE_PURPOSE = "backup-code"


# ---------------------------------------------------------------------- secrets
def _encryption_context(agent_id: str) -> dict[str, str]:
    return {"agentId": agent_id}


def encrypt_seed(agent_id: str, secret: str) -> str:
    """The seed encrypted under the secrets key, bound to the agent (base64)."""
    blob = aws.kms().encrypt(
        KeyId=get_settings().kms_key_id, Plaintext=secret.encode(),
        EncryptionContext=_encryption_context(agent_id),
    )["CiphertextBlob"]
    return base64.b64encode(blob).decode()


def decrypt_seed(agent_id: str, encrypted: str) -> str:
    plaintext: bytes = aws.kms().decrypt(
        CiphertextBlob=base64.b64decode(encrypted), KeyId=get_settings().kms_key_id,
        EncryptionContext=_encryption_context(agent_id),
    )["Plaintext"]
    return plaintext.decode()


def backup_digest(agent_id: str, code: str) -> str:
    """Keyed digest of a backup code, bound to its agent; case, spaces and dashes ignored."""
    return codes.digest(codes.normalise_backup_code(code),
                        purpose=f"{BACKUP_CODE_PURPOSE}:{agent_id}")


def backup_lookup_digests(agent_id: str, code: str) -> list[str]:
    """The keys a presented backup code may be stored under (the digest key's current
    version, and its previous one after a rotation: enrolment codes never expire)."""
    return codes.lookup_digests(codes.normalise_backup_code(code),
                                purpose=f"{BACKUP_CODE_PURPOSE}:{agent_id}")


def _new_backup_codes(agent_id: str, count: int, *, source: BackupCodeSource,
                      enrolment_id: str, expires_at: str | None,
                      ) -> tuple[list[str], list[tuple[str, BackupCode]]]:
    """``count`` fresh codes in clear (shown once) and what is stored of them."""
    created = clock.iso(clock.now())
    plain = [codes.backup_code() for _ in range(count)]
    stored = [
        (backup_digest(agent_id, code),
         BackupCode(source=source, enrolmentId=enrolment_id, createdAt=created,
                    expiresAt=expires_at))
        for code in plain
    ]
    return plain, stored


def _expired(expires_at: str | None) -> bool:
    return expires_at is not None and clock.parse(expires_at) <= clock.now()


# ---------------------------------------------------------------------- notices
def _notice(record: AgentRecord, template: str, **params: Any) -> OutboxMessage:
    return OutboxMessage(
        channel="email", to=record.email, template=template, language=record.language,
        agentId=record.id,
        params={"firstName": record.firstName, "account": record.account, **params},
    )


def _wrong_code(record: AgentRecord, *, reason: str, action: str,
                source_ip: str | None) -> NoReturn:
    """Count a wrong code; ``401 invalid_code`` with the attempts left, or ``423`` when
    this failure reached the limit (the count is the atomic counter's, not a guess)."""
    limit = get_settings().two_factor_max_failures
    details: dict[str, Any] = {"reason": reason}
    if source_ip is not None:
        details["sourceIp"] = source_ip
    failures = get_repository().record_two_factor_failure(
        record.id,
        max_failures=limit,
        audit=[AuditEvent(actorId=record.id, action=action, targetId=record.id,
                          details=details)],
        on_lock=[AuditEvent(actorId=None, action="agent.locked", targetId=record.id,
                            details={"reason": "two_factor_failures", "failures": limit})],
        lock_messages=[_notice(record, "two_factor.locked", failures=limit)],
    )
    metrics.add_metric(name="TwoFactorFailures", unit=MetricUnit.Count, value=1)
    if failures >= limit:
        if failures == limit:
            metrics.add_metric(name="TwoFactorLockouts", unit=MetricUnit.Count, value=1)
            logger.info("account locked after wrong two-factor codes",
                        extra={"agent_id": record.id, "reason": reason})
        raise AccountLocked()
    raise InvalidTwoFactorCode(attemptsRemaining=limit - failures)


def _spend_attempt(record: AgentRecord) -> None:
    """Spend one attempt before any code is compared (``423``/``429`` when none is left)."""
    get_repository().spend_two_factor_attempt(
        record.id, max_failures=get_settings().two_factor_max_failures)


def _already_used(record: AgentRecord, *, action: str, source_ip: str | None) -> NoReturn:
    """A right code already used (its time step accepted, or the backup code spent):
    refused (``invalid_code``) and audited, but a single-use code that another request
    used first is not a failed guess, so its attempt is given back."""
    repository = get_repository()
    repository.give_back_two_factor_attempt(record.id)
    details: dict[str, Any] = {"reason": "replayed_code"}
    if source_ip is not None:
        details["sourceIp"] = source_ip
    repository.record_events([AuditEvent(actorId=record.id, action=action,
                                         targetId=record.id, details=details)])
    raise InvalidTwoFactorCode("This code was already used",
                               attemptsRemaining=max(0, get_settings().two_factor_max_failures
                                                     - record.twoFactorFailures))


# ---------------------------------------------------------------------- sign-in
def answer_sign_in_challenge(request: ChallengeRequest, source_ip: str) -> SignInResult:
    """Answer ``TOTP_REQUIRED`` with an authenticator ``code`` or a ``backupCode``."""
    if (request.code is None) == (request.backupCode is None):
        raise ValidationFailed(errors=[
            {"field": "code", "message": "Give exactly one of code and backupCode"},
            {"field": "backupCode", "message": "Give exactly one of code and backupCode"},
        ])
    agent_id = sessions.challenge_agent_id(request.session)
    if agent_id is None:
        raise InvalidSession()
    challenge_digest = sessions.challenge_digest(request.session)
    presented_backup = (backup_lookup_digests(agent_id, request.backupCode)
                        if request.backupCode is not None else [])
    repository = get_repository()
    state = repository.load_two_factor_sign_in(agent_id, challenge_digest, presented_backup)
    _, record = sessions.check_challenge(state.challenge, "TOTP_REQUIRED", state.record)
    credential = state.totp
    if not record.active:
        raise AccountInactive()
    if not ip_allowed(source_ip, record.ipAllowlist):
        raise IpNotAllowed()
    if record.locked:
        raise AccountLocked()
    if not record.twoFactorEnabled or credential is None or credential.pending:
        raise InvalidSession("Two-factor sign-in was turned off meanwhile; sign in again")

    failed = "sign_in.failed"
    step: int | None = None
    audit: list[AuditEvent] = []
    notices: list[OutboxMessage] = []
    _spend_attempt(record)
    if request.code is not None:
        method = "totp"
        step = totp.matching_step(decrypt_seed(agent_id, credential.encryptedSeed),
                                  request.code, clock.now())
        if step is None:
            _wrong_code(record, reason="wrong_code", action=failed, source_ip=source_ip)
        if step <= credential.lastStep:
            _already_used(record, action=failed, source_ip=source_ip)
    else:
        method = "backup_code"
        backup = state.backup
        if backup is not None and backup.usedAt is not None:
            _already_used(record, action=failed, source_ip=source_ip)
        if (
            backup is None
            or backup.enrolmentId != credential.enrolmentId
            or _expired(backup.expiresAt)
        ):
            _wrong_code(record, reason="wrong_backup_code", action=failed,
                        source_ip=source_ip)
        at = clock.iso(clock.now())
        audit.append(AuditEvent(actorId=record.id, action="two_factor.backup_code_used",
                                targetId=record.id,
                                details={"source": backup.source, "sourceIp": source_ip}))
        notices.append(_notice(record, "two_factor.backup_code_used", at=at,
                               sourceIp=source_ip or "-"))
    try:
        repository.pass_second_factor(
            agent_id, challenge_digest=challenge_digest, enrolment_id=credential.enrolmentId,
            step=step, backup_digest=state.backupDigest, audit=audit, messages=notices)
    except (InvalidTwoFactorCode, InvalidSession):
        # Lost the race: a concurrent answer used the challenge, the step or the backup
        # code first. Not a failure: the attempt is given back.
        repository.give_back_two_factor_attempt(agent_id)
        raise

    if method == "backup_code":
        metrics.add_metric(name="BackupCodeSignIns", unit=MetricUnit.Count, value=1)
    following = sessions.pending_challenge(record, state.password, after_totp=True)
    action = "sign_in.succeeded" if following is None else "sign_in.two_factor_verified"
    return sessions.continue_sign_in(
        record, state.password, after_totp=True,
        throttles=SignInThrottles(subject=keys.agent_subject(record.id), sourceIp=source_ip,
                                  spentSource=False, spentEverywhere=False),
        audit=[AuditEvent(actorId=record.id, action=action, targetId=record.id,
                          details={"sourceIp": source_ip, "method": method})],
    )


# ---------------------------------------------------------------------- self-service
def start_enrolment(agent_id: str, current_password: str, source_ip: str) -> Enrolment:
    """A fresh secret, pending until confirmed with a code from the app; the current
    password is asked first (a stolen token must not bind its thief's authenticator)."""
    from roster.services.reauth import reauthenticate

    repository = get_repository()
    record, password = repository.load_credentials(agent_id)
    if record is None:
        raise NotFound("No such agent")
    reauthenticate(agent_id, current_password, password, source_ip=source_ip,
                   action="two_factor.enrolment_refused", step="two_factor_enrolment")
    if record.twoFactorEnabled:
        raise TwoFactorAlreadyEnabled()
    secret = totp.new_secret()
    moment = clock.now()
    credential = TotpCredential(
        encryptedSeed=encrypt_seed(agent_id, secret), enrolmentId=uuid.uuid4().hex,
        pending=True, createdAt=clock.iso(moment),
        expiresAt=clock.iso(moment + timedelta(seconds=ENROLMENT_TTL_SECONDS)),
    )
    repository.start_totp_enrolment(agent_id, credential, audit=[AuditEvent(
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
    """A valid code turns 2FA on and gives the agent ten backup codes, shown this once."""
    with _as_bearer_route():
        return _confirm_enrolment(agent_id, code)


def disable_own(agent_id: str, code: str, source_ip: str) -> None:
    """2FA off with a current code (not one already accepted); wrong codes count."""
    with _as_bearer_route():
        _disable_own(agent_id, code, source_ip)


def _confirm_enrolment(agent_id: str, code: str) -> EnrolmentConfirmed:
    repository = get_repository()
    record, credential = repository.load_two_factor(agent_id)
    if record is None:
        raise NotFound("No such agent")
    if record.twoFactorEnabled:
        raise TwoFactorAlreadyEnabled()
    if credential is None or not credential.pending or _expired(credential.expiresAt):
        raise InvalidTwoFactorCode("No enrolment is pending; start with POST /me/two-factor")
    step = totp.matching_step(decrypt_seed(agent_id, credential.encryptedSeed), code,
                              clock.now())
    if step is None:
        raise InvalidTwoFactorCode()
    plain, stored = _new_backup_codes(agent_id, ENROLMENT_BACKUP_CODES, source="enrolment",
                                      enrolment_id=credential.enrolmentId, expires_at=None)
    repository.enable_totp(
        agent_id, credential.enrolmentId, step, stored,
        audit=[AuditEvent(actorId=agent_id, action="two_factor.enabled", targetId=agent_id,
                          details={"backupCodes": len(plain)})],
        messages=[_notice(record, "two_factor.enabled")],
    )
    return EnrolmentConfirmed(backupCodes=plain)


def _disable_own(agent_id: str, code: str, source_ip: str) -> None:
    repository = get_repository()
    record, credential = repository.load_two_factor(agent_id)
    if record is None:
        raise NotFound("No such agent")
    if not record.twoFactorEnabled or credential is None or credential.pending:
        raise TwoFactorNotEnabled()
    if record.locked:
        raise AccountLocked()
    action = "two_factor.disable_failed"
    _spend_attempt(record)
    step = totp.matching_step(decrypt_seed(agent_id, credential.encryptedSeed), code,
                              clock.now())
    if step is None:
        _wrong_code(record, reason="wrong_code", action=action, source_ip=source_ip)
    if step <= credential.lastStep:
        _already_used(record, action=action, source_ip=source_ip)
    try:
        repository.disable_totp(
            agent_id, was_enabled=True, revoke=repository.backup_code_keys(agent_id),
            enrolment_id=credential.enrolmentId, step=step,
            audit=[AuditEvent(actorId=agent_id, action="two_factor.disabled",
                              targetId=agent_id, details={"sourceIp": source_ip})],
            messages=[_notice(record, "two_factor.disabled")],
        )
    except InvalidTwoFactorCode:
        # A concurrent request used this step first: a lost race, not a failure.
        repository.give_back_two_factor_attempt(agent_id)
        raise


# ---------------------------------------------------------------------- admin
def _target(actor: Actor, agent_id: str,
            act: Act) -> tuple[AgentRecord, TotpCredential | None]:
    """The agent an administrator's route acts on, with its TOTP credential (one read),
    once ``roster.authorization`` lets ``actor`` do ``act`` to it."""
    record, credential = get_repository().load_two_factor(agent_id)
    if record is None:
        raise NotFound("No such agent")
    authorize(actor, record, act)
    return record, credential


def issue_backup_codes(actor: Actor, agent_id: str, count: int) -> IssuedBackupCodes:
    """``count`` codes valid for ``ROSTER_BACKUP_CODE_TTL_SECONDS``; earlier admin-issued
    codes are revoked in the same transaction (the agent's own ones stay)."""
    repository = get_repository()
    record, credential = _target(actor, agent_id, Act.BACKUP_CODES)
    if not record.twoFactorEnabled or credential is None or credential.pending:
        raise TwoFactorNotEnabled()
    expires_at = clock.iso(clock.now()
                           + timedelta(seconds=get_settings().backup_code_ttl_seconds))
    plain, stored = _new_backup_codes(agent_id, count, source="admin",
                                      enrolment_id=credential.enrolmentId,
                                      expires_at=expires_at)
    repository.issue_backup_codes(
        agent_id, credential.enrolmentId, stored, expected_version=record.version,
        revoke=repository.backup_code_keys(agent_id, source="admin"),
        audit=[AuditEvent(actorId=actor.id, action="two_factor.backup_codes_issued",
                          targetId=agent_id, details={"count": count, "expiresAt": expires_at})],
        messages=[_notice(record, "two_factor.backup_codes_issued", count=count,
                          expiresAt=expires_at)],
    )
    return IssuedBackupCodes(backupCodes=plain, codes=plain, expiresAt=expires_at)


def unlock(actor: Actor, agent_id: str) -> None:
    """Clear the 2FA lock and failure count (and the password throttle of its logins)."""
    record, _ = _target(actor, agent_id, Act.UNLOCK)
    get_repository().unlock_agent(record, audit=[AuditEvent(
        actorId=actor.id, action="agent.unlocked", targetId=agent_id,
        details={"wasLocked": record.locked})])


def reset(actor: Actor, agent_id: str) -> None:
    """Lost device: 2FA off, seed and every backup code gone. The lock is left to unlock."""
    repository = get_repository()
    record, _ = _target(actor, agent_id, Act.TWO_FACTOR)
    repository.disable_totp(
        agent_id, was_enabled=record.twoFactorEnabled, expected_version=record.version,
        revoke=repository.backup_code_keys(agent_id),
        audit=[AuditEvent(actorId=actor.id, action="two_factor.reset", targetId=agent_id,
                          details={"wasEnabled": record.twoFactorEnabled})],
        messages=[_notice(record, "two_factor.reset")] if record.twoFactorEnabled else [],
    )

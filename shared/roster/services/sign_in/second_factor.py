"""Second-factor codes: the seed (sealed to its agent), backup codes (stored as keyed
digests bound to their agent), and the counting every code guess goes through: an
attempt spent before any comparison, a wrong code counted (the fifth locks the
account), a right code already used refused but not counted (it lost a race)."""

from __future__ import annotations

from typing import Any, NoReturn

from aws_lambda_powertools.metrics import MetricUnit

from roster import clock, codes
from roster.config import get_settings
from roster.errors import AccountLocked, InvalidTwoFactorCode
from roster.models.agent import AgentRecord
from roster.models.audit import AuditEvent
from roster.models.outbox import OutboxMessage
from roster.models.two_factor import BackupCode, BackupCodeSource
from roster.observability import logger, metrics
from roster.ports.audit import audit_log
from roster.ports.two_factor import seed_vault, two_factor

BACKUP_CODE_PURPOSE = "backup-code"


# ---------------------------------------------------------------------- secrets
def seal_seed(agent_id: str, secret: str) -> str:
    return seed_vault().seal(agent_id, secret)


def open_seed(agent_id: str, sealed: str) -> str:
    return seed_vault().open(agent_id, sealed)


def backup_digest(agent_id: str, code: str) -> str:
    """Keyed digest of a backup code, bound to its agent; case, spaces and dashes ignored."""
    return codes.digest(codes.normalise_backup_code(code),
                        purpose=f"{BACKUP_CODE_PURPOSE}:{agent_id}")


def backup_lookup_digests(agent_id: str, code: str) -> list[str]:
    """The digests a presented backup code may be stored under (the digest key's current
    version, and its previous one after a rotation: enrolment codes never expire)."""
    return codes.lookup_digests(codes.normalise_backup_code(code),
                                purpose=f"{BACKUP_CODE_PURPOSE}:{agent_id}")


def new_backup_codes(agent_id: str, count: int, *, source: BackupCodeSource,
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


def expired(expires_at: str | None) -> bool:
    return expires_at is not None and clock.parse(expires_at) <= clock.now()


def notice(record: AgentRecord, template: str, **params: Any) -> OutboxMessage:
    """A two-factor notice, by email."""
    return OutboxMessage(
        channel="email", to=record.email, template=template, language=record.language,
        agentId=record.id,
        params={"firstName": record.firstName, "account": record.account, **params},
    )


# ---------------------------------------------------------------------- counting
def spend_attempt(record: AgentRecord) -> None:
    """Spend one attempt before any code is compared (``423``/``429`` when none is left)."""
    two_factor().spend_two_factor_attempt(
        record.id, max_failures=get_settings().two_factor_max_failures)


def wrong_code(record: AgentRecord, *, reason: str, action: str,
               source_ip: str | None) -> NoReturn:
    """Count a wrong code; ``401 invalid_code`` with the attempts left, or ``423`` when
    this failure reached the limit (the count is the atomic counter's, not a guess)."""
    limit = get_settings().two_factor_max_failures
    details: dict[str, Any] = {"reason": reason}
    if source_ip is not None:
        details["sourceIp"] = source_ip
    failures = two_factor().record_two_factor_failure(
        record,
        max_failures=limit,
        audit=[AuditEvent(actorId=record.id, action=action, targetId=record.id,
                          details=details)],
        on_lock=[AuditEvent(actorId=None, action="agent.locked", targetId=record.id,
                            details={"reason": "two_factor_failures", "failures": limit})],
        lock_messages=[notice(record, "two_factor.locked", failures=limit)],
    )
    metrics.add_metric(name="TwoFactorFailures", unit=MetricUnit.Count, value=1)
    if failures >= limit:
        if failures == limit:
            metrics.add_metric(name="TwoFactorLockouts", unit=MetricUnit.Count, value=1)
            logger.info("account locked after wrong two-factor codes",
                        extra={"agent_id": record.id, "reason": reason})
        raise AccountLocked()
    raise InvalidTwoFactorCode(attemptsRemaining=limit - failures)


def already_used(record: AgentRecord, *, action: str, source_ip: str | None) -> NoReturn:
    """A right code already used (its time step accepted, or the backup code spent):
    refused (``invalid_code``) and audited, but a single-use code that another request
    used first is not a failed guess, so its attempt is given back."""
    two_factor().give_back_two_factor_attempt(record.id)
    details: dict[str, Any] = {"reason": "replayed_code"}
    if source_ip is not None:
        details["sourceIp"] = source_ip
    audit_log().record_events([AuditEvent(actorId=record.id, action=action,
                                          targetId=record.id, details=details)])
    raise InvalidTwoFactorCode("This code was already used",
                               attemptsRemaining=max(0, get_settings().two_factor_max_failures
                                                     - record.twoFactorFailures))

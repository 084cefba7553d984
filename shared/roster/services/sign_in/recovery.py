"""Password recovery by a one-time code sent by email or SMS.

``forgot`` answers the same, and does the same work (the same DynamoDB round trips, a
code, its digest and its sealing), whether or not the login exists or has the channel:
the response tells an attacker nothing, its timing neither. The code travels sealed in
an outbox item and is sent asynchronously by the notifier.

``reset`` spends one of the code's tries atomically before comparing it, so concurrent
guesses cannot get more comparisons than allowed; the code is consumed by a conditional
delete in the same transaction that sets the password, so one code sets one password.
Every failure is the same ``400 invalid_code``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from roster import clock, codes
from roster.config import get_settings
from roster.errors import InvalidCode
from roster.models.agent import AgentRecord
from roster.models.audit import AuditEvent
from roster.models.outbox import OutboxMessage
from roster.models.passwords import ForgotPasswordRequest, RecoveryCode, ResetPasswordRequest
from roster.observability import logger, metrics
from roster.ports.audit import audit_log
from roster.ports.credentials import NOBODY, PasswordChange, credentials
from roster.services.sign_in.credentials import (
    changed_notices,
    enforce_policy,
    new_credential,
    sms_number,
)

RECOVERY_PURPOSE = "password-recovery-code"
SMS_HOLD_AFTER_PHONE_CHANGE = timedelta(hours=24)


def code_digest(agent_id: str, code: str) -> str:
    """The stored form of a code: keyed, and bound to its agent (a code, or a digest,
    taken from one agent's item is worth nothing for another)."""
    return codes.digest(f"{agent_id}:{code}", purpose=RECOVERY_PURPOSE)


def code_matches(stored: RecoveryCode, agent_id: str, code: str) -> bool:
    """Whether ``code`` is ``stored``'s (its digest made with the current or previous key)."""
    return codes.matches(stored.codeDigest, f"{agent_id}:{code}", purpose=RECOVERY_PURPOSE)


def recently_changed_number(record: AgentRecord, moment: datetime) -> bool:
    """The mobile number changed less than ``SMS_HOLD_AFTER_PHONE_CHANGE`` ago."""
    changed = record.mobilePhoneChangedAt
    return changed is not None and moment - clock.parse(changed) < SMS_HOLD_AFTER_PHONE_CHANGE


def forgot(request: ForgotPasswordRequest) -> None:
    """Send a recovery code when the login names an active agent with that channel."""
    settings = get_settings()
    store = credentials()
    moment = clock.now()
    found, previous = store.load_recovery_target(request.login)
    # an inactive agent cannot sign in: it gets no code (and the same answer)
    record = found if found is not None and found.active else None
    address: str | None = None
    if record is not None:
        address = record.email if request.channel == "email" else sms_number(record)
        if request.channel == "sms" and recently_changed_number(record, moment):
            address = None  # a thief who just set the number gets nothing (same answer)
    agent_id = record.id if record is not None else NOBODY

    code = codes.numeric_code()
    expires = clock.iso(moment + timedelta(seconds=settings.otp_ttl_seconds))
    stored = RecoveryCode(codeDigest=code_digest(agent_id, code), expiresAt=expires,
                          channel=request.channel)
    message = OutboxMessage(
        channel=request.channel, to=address or "", template="recovery.code",
        language=record.language if record else "en", agentId=agent_id,
        params={"firstName": record.firstName if record else "",
                "minutes": str(max(1, settings.otp_ttl_seconds // 60))},
        secret_params={"code": code},
    )
    deliver = record is not None and address is not None
    accepted = store.issue_recovery_code(
        login=request.login, found_id=found.id if found is not None else None,
        limit=settings.otp_requests_per_hour,
        agent_id=agent_id if deliver else NOBODY, code=stored, previous=previous,
        message=message, deliver=deliver,
        audit=[AuditEvent(
            actorId=None, action="password.recovery_requested",
            targetId=found.id if found is not None else None,
            details={"channel": request.channel, "sent": deliver},
        )],
    )
    if not accepted:
        logger.info("password recovery request dropped (hourly limit)")
        metrics.add_metric(name="RecoveryRequestsDropped", unit="Count", value=1)


def reset(request: ResetPasswordRequest) -> None:
    """Set a new password with a recovery code; revoke every session; notify the agent."""
    settings = get_settings()
    store = credentials()
    agent_id = store.find_agent_or_nobody(request.login)
    attempt = store.try_recovery_code(agent_id, max_attempts=settings.otp_max_attempts)
    presented = "".join(request.code.split())  # "123 456" is fine
    if attempt is None or not code_matches(attempt, agent_id, presented):
        audit_log().record_events([AuditEvent(
            actorId=None, action="password.reset_failed",
            targetId=None if agent_id == NOBODY else agent_id,
            details={"reason": "invalid_code"},
        )])
        raise InvalidCode()
    record = store.get_agent(agent_id)
    if record is None:
        raise InvalidCode()
    enforce_policy(request.newPassword, record)
    credential = new_credential(request.newPassword, temporary=False)
    store.replace_password(
        record, credential,
        PasswordChange(consume_recovery=attempt.codeDigest, failure=InvalidCode()),
        audit=[AuditEvent(actorId=record.id, action="password.reset", targetId=record.id,
                          details={"channel": attempt.channel,
                                   "firstPassword": record.passwordStatus == "none"})],
        messages=changed_notices(record, credential),
    )

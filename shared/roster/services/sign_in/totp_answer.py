"""The ``TOTP_REQUIRED`` step: an authenticator ``code`` or a ``backupCode``.

Its attempt is spent before any code is compared; the time step (or the backup code)
is used once, by the same conditional write that uses up the challenge.
"""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from roster import clock, totp
from roster.errors import InvalidSession, InvalidTwoFactorCode, ValidationFailed
from roster.models.audit import AuditEvent
from roster.models.auth import ChallengeRequest, SignInResult
from roster.models.credentials import SignInThrottles
from roster.models.outbox import OutboxMessage
from roster.observability import metrics
from roster.ports.two_factor import two_factor
from roster.services.sign_in import challenges, refusals, second_factor

FAILED = "sign_in.failed"


def answer(request: ChallengeRequest, source_ip: str) -> SignInResult:
    if (request.code is None) == (request.backupCode is None):
        raise ValidationFailed(errors=[
            {"field": "code", "message": "Give exactly one of code and backupCode"},
            {"field": "backupCode", "message": "Give exactly one of code and backupCode"},
        ])
    agent_id = challenges.challenge_agent_id(request.session)
    if agent_id is None:
        raise InvalidSession()
    challenge_digest = challenges.challenge_digest(request.session)
    presented_backup = (second_factor.backup_lookup_digests(agent_id, request.backupCode)
                        if request.backupCode is not None else [])
    store = two_factor()
    state = store.load_two_factor_sign_in(agent_id, challenge_digest, presented_backup)
    _, record = challenges.check_challenge(state.challenge, "TOTP_REQUIRED", state.record)
    refused = refusals.refusal(record, state.password, source_ip)
    if refused is not None:
        refusals.refuse(record, refused, source_ip)
    credential = state.totp
    if not record.twoFactorEnabled or credential is None or credential.pending:
        raise InvalidSession("Two-factor sign-in was turned off meanwhile; sign in again")

    step: int | None = None
    audit: list[AuditEvent] = []
    notices: list[OutboxMessage] = []
    second_factor.spend_attempt(record)
    if request.code is not None:
        method = "totp"
        step = totp.matching_step(second_factor.open_seed(agent_id, credential.encryptedSeed),
                                  request.code, clock.now())
        if step is None:
            second_factor.wrong_code(record, reason="wrong_code", action=FAILED,
                                     source_ip=source_ip)
        if step <= credential.lastStep:
            second_factor.already_used(record, action=FAILED, source_ip=source_ip)
    else:
        method = "backup_code"
        backup = state.backup
        if backup is not None and backup.usedAt is not None:
            second_factor.already_used(record, action=FAILED, source_ip=source_ip)
        if (
            backup is None
            or backup.enrolmentId != credential.enrolmentId
            or second_factor.expired(backup.expiresAt)
        ):
            second_factor.wrong_code(record, reason="wrong_backup_code", action=FAILED,
                                     source_ip=source_ip)
        at = clock.iso(clock.now())
        audit.append(AuditEvent(actorId=record.id, action="two_factor.backup_code_used",
                                targetId=record.id,
                                details={"source": backup.source, "sourceIp": source_ip}))
        notices.append(second_factor.notice(record, "two_factor.backup_code_used", at=at,
                                            sourceIp=source_ip or "-"))
    try:
        store.pass_second_factor(
            agent_id, challenge_digest=challenge_digest, enrolment_id=credential.enrolmentId,
            step=step, backup_digest=state.backupDigest, audit=audit, messages=notices)
    except (InvalidTwoFactorCode, InvalidSession):
        # Lost the race: a concurrent answer used the challenge, the step or the backup
        # code first. Not a failure: the attempt is given back.
        store.give_back_two_factor_attempt(agent_id)
        raise

    if method == "backup_code":
        metrics.add_metric(name="BackupCodeSignIns", unit=MetricUnit.Count, value=1)
    following = challenges.pending_challenge(record, state.password, after_totp=True)
    action = "sign_in.succeeded" if following is None else "sign_in.two_factor_verified"
    return challenges.continue_sign_in(
        record, state.password, after_totp=True,
        throttles=SignInThrottles(agentId=record.id, sourceIp=source_ip,
                                  spentSource=False, spentEverywhere=False),
        audit=[AuditEvent(actorId=record.id, action=action, targetId=record.id,
                          details={"sourceIp": source_ip, "method": method})],
    )

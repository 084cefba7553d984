"""The ``NEW_PASSWORD_REQUIRED`` step: the agent replaces its temporary password, then
gets tokens (or the next step).

The password write is guarded by the temporary hash it replaces and the session epoch
it saw (so two answers cannot both set one); the session that follows consumes the
challenge.
"""

from __future__ import annotations

from roster.errors import InvalidSession, ValidationFailed
from roster.models.audit import AuditEvent
from roster.models.auth import ChallengeRequest, SignInResult
from roster.ports.credentials import PasswordChange, credentials
from roster.ports.two_factor import two_factor
from roster.services.sign_in import challenges, refusals
from roster.services.sign_in.credentials import changed_notices, enforce_policy, new_credential


def answer(request: ChallengeRequest, source_ip: str) -> SignInResult:
    agent_id = challenges.challenge_agent_id(request.session)
    if agent_id is None:
        raise InvalidSession()
    # The challenge, profile and password in one read (the sign-in state the TOTP answer
    # reads too); the challenge must be this agent's.
    state = two_factor().load_two_factor_sign_in(
        agent_id, challenges.challenge_digest(request.session))
    challenge, record = challenges.check_challenge(state.challenge, "NEW_PASSWORD_REQUIRED",
                                                   state.record)
    if request.newPassword is None:
        raise ValidationFailed(errors=[{"field": "newPassword",
                                        "message": "is required for NEW_PASSWORD_REQUIRED"}])
    current = state.password
    if current is None or not current.temporary:
        raise InvalidSession()
    refused = refusals.refusal(record, current, source_ip)
    if refused is not None:
        refusals.refuse(record, refused, source_ip)
    enforce_policy(request.newPassword, record, current_hash=current.hash)
    credential = new_credential(request.newPassword, temporary=False)
    credentials().replace_password(
        record, credential,
        PasswordChange(expected_hash=current.hash, expected_epoch=record.sessionEpoch,
                       failure=InvalidSession()),
        audit=[AuditEvent(actorId=record.id, action="password.changed", targetId=record.id,
                          details={"via": "new_password_challenge"})],
        messages=changed_notices(record, credential),
    )
    updated = record.model_copy(update={"sessionEpoch": record.sessionEpoch + 1,
                                        "passwordStatus": "set"})
    return challenges.continue_sign_in(
        updated, credential, throttles=None, after_totp=True,
        consume_challenge=challenge.digest,
        audit=[AuditEvent(actorId=record.id, action="sign_in.succeeded", targetId=record.id,
                          details={"via": "new_password_challenge"})],
    )

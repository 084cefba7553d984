"""Sign-in, step by step: the password, then whichever challenge stands (the TOTP or a
backup code, then a new password for a temporary one), then tokens.

Every step that can grant tokens applies the same refusal checks
(``refusals.refusal``) and audits a refusal the same way; the challenge answers load
on first use (``answer_challenge``), so the password step's cold start stays small.
"""

from __future__ import annotations

from roster import passwords
from roster.errors import InvalidCredentials, TooManyAttempts
from roster.models.audit import AuditEvent
from roster.models.auth import ChallengeRequest, LoginRequest, SignInResult
from roster.models.credentials import PasswordCredential, SignInThrottles
from roster.ports.audit import audit_log
from roster.ports.credentials import credentials
from roster.services.sign_in import attempts, challenges, refusals


def login(request: LoginRequest, source_ip: str) -> SignInResult:
    """Check the password, then answer with tokens or the next challenge.

    Unknown login, wrong password and no password yet take the same time and give the
    same ``401``; states that would reveal the account (inactive, locked, allowlist)
    are told only to a caller who knew the password.
    """
    state, record = credentials().load_sign_in(request.login)
    try:
        spent = attempts.spend(state.agent_id, source_ip, login=request.login)
    except TooManyAttempts:
        # A refused attempt is a sign-in failure too: recorded, without the login typed.
        refusals.record_refusal("throttled", source_ip=source_ip,
                                target_id=record.id if record else None, verified=False)
        raise

    stored = state.password.hash if record is not None and state.password else None
    if not passwords.verify_password(stored, request.password):
        audit_log().record_events([AuditEvent(
            actorId=None, action="sign_in.failed", targetId=record.id if record else None,
            details={"reason": "wrong_password" if record else "unknown_login",
                     "sourceIp": source_ip})])
        attempts.settle_failure(spent)
        raise InvalidCredentials()
    assert record is not None and state.password is not None
    password = state.password
    refused = refusals.refusal(record, password, source_ip)
    if refused is not None:
        attempts.give_back(spent)  # the guess was right
        refusals.refuse(record, refused, source_ip)

    rehashed = None
    if passwords.needs_rehash(password.hash):
        rehashed = PasswordCredential(
            hash=passwords.hash_password(request.password), temporary=password.temporary,
            expiresAt=password.expiresAt, setAt=password.setAt)
    step = challenges.pending_challenge(record, password)
    action = "sign_in.succeeded" if step is None else "sign_in.password_verified"
    result = challenges.continue_sign_in(
        record, password, rehashed_password=rehashed,
        throttles=SignInThrottles(agentId=record.id, sourceIp=source_ip,
                                  spentEverywhere=len(spent) == 2),
        audit=[AuditEvent(actorId=record.id, action=action, targetId=record.id,
                          details={"sourceIp": source_ip})],
    )
    attempts.forgive(spent)  # the attempts themselves were given back in the step's write
    return result


def answer_challenge(request: ChallengeRequest, source_ip: str) -> SignInResult:
    """Route a challenge answer to its step (loaded on first use)."""
    if request.challenge == "TOTP_REQUIRED":
        from roster.services.sign_in import totp_answer

        return totp_answer.answer(request, source_ip)
    from roster.services.sign_in import new_password_answer

    return new_password_answer.answer(request, source_ip)

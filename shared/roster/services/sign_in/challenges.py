"""A half-finished sign-in: which challenge stands between an agent and tokens (in the
contract's order: TOTP, then a new password), the single-use token that names it, and
moving on to the next step or to a session."""

from __future__ import annotations

from datetime import timedelta

from roster import clock, codes
from roster.config import get_settings
from roster.errors import InvalidSession
from roster.models.agent import AgentRecord
from roster.models.audit import AuditEvent
from roster.models.auth import ChallengeAnswer, SignInResult
from roster.models.credentials import (
    Challenge,
    ChallengeKind,
    PasswordCredential,
    SignInThrottles,
)
from roster.ports.sessions import sessions as session_store
from roster.services.sign_in import sessions

CHALLENGE_PURPOSE = "sign-in-challenge"
CHALLENGE_SEPARATOR = "."


def pending_challenge(record: AgentRecord, password: PasswordCredential | None,
                      *, after_totp: bool = False) -> ChallengeKind | None:
    """Which challenge still stands between this agent and tokens, in the contract's order."""
    if record.twoFactorEnabled and not after_totp:
        return "TOTP_REQUIRED"
    if password is not None and password.temporary:
        return "NEW_PASSWORD_REQUIRED"
    return None


def issue_challenge(record: AgentRecord, kind: ChallengeKind) -> ChallengeAnswer:
    """A single-use, short-lived sign-in session for the next step.

    The token is ``<agent id>.<random>``: the answer's handler can then read the
    challenge and the agent's items in one ``BatchGetItem`` (the id is no secret to
    someone who just gave the password; the random part is what makes it unguessable).
    """
    token = f"{record.id}{CHALLENGE_SEPARATOR}{codes.opaque_token()}"
    expires = clock.now() + timedelta(seconds=get_settings().challenge_ttl_seconds)
    session_store().create_challenge(
        Challenge(digest=codes.digest(token, purpose=CHALLENGE_PURPOSE), agentId=record.id,
                  kind=kind, expiresAt=clock.iso(expires), epoch=record.sessionEpoch)
    )
    return ChallengeAnswer(challenge=kind, session=token)


def challenge_digest(token: str) -> str:
    return codes.digest(token, purpose=CHALLENGE_PURPOSE)


def challenge_agent_id(token: str) -> str | None:
    """The agent id a challenge token names (unverified until the challenge is read)."""
    agent_id, separator, secret = token.partition(CHALLENGE_SEPARATOR)
    return agent_id if separator and agent_id and secret else None


def check_challenge(challenge: Challenge | None, kind: ChallengeKind,
                    record: AgentRecord | None) -> tuple[Challenge, AgentRecord]:
    """``challenge`` if live, of ``kind``, ``record``'s, and issued in the agent's current
    session epoch; else ``401 invalid_session``. A password change (an admin's reset, a
    recovery, the agent's own) and "revoke every session" move the epoch on, so a sign-in
    half-way through its steps dies with them, as the sessions do."""
    if (
        challenge is None
        or record is None
        or challenge.kind != kind
        or challenge.agentId != record.id
        or challenge.epoch != record.sessionEpoch
        or clock.parse(challenge.expiresAt) <= clock.now()
    ):
        raise InvalidSession()
    return challenge, record


def continue_sign_in(record: AgentRecord, password: PasswordCredential | None, *,
                     throttles: SignInThrottles | None, audit: list[AuditEvent],
                     after_totp: bool = False,
                     consume_challenge: str | None = None,
                     rehashed_password: PasswordCredential | None = None) -> SignInResult:
    """The next challenge, or tokens when none is left."""
    kind = pending_challenge(record, password, after_totp=after_totp)
    if kind is None:
        return sessions.open_session(record, throttles=throttles, audit=audit,
                                     rehashed_password=rehashed_password,
                                     consume_challenge=consume_challenge)
    answer = issue_challenge(record, kind)
    session_store().finish_challenge_step(audit, consume_challenge, throttles=throttles)
    return answer

"""Sessions and sign-in steps: challenges, token issue, refresh rotation, revocation."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import NoReturn

from roster import clock, codes, tokens
from roster.allowlist import ip_allowed
from roster.authorization import Act, Actor, authorize
from roster.config import get_settings
from roster.errors import InvalidSession, InvalidToken, IpNotAllowed, NotFound
from roster.models.agent import AgentRecord
from roster.models.audit import AuditEvent
from roster.models.auth import ChallengeAnswer, SignInResult, Tokens
from roster.models.credentials import (
    Challenge,
    ChallengeKind,
    PasswordCredential,
    SessionRecord,
    SignInThrottles,
)
from roster.repository import get_repository

REFRESH_PURPOSE = "refresh-token"
CHALLENGE_PURPOSE = "sign-in-challenge"
CHALLENGE_SEPARATOR = "."


def open_session(
    record: AgentRecord,
    *,
    throttles: SignInThrottles | None = None,
    audit: list[AuditEvent],
    rehashed_password: PasswordCredential | None = None,
    consume_challenge: str | None = None,
) -> Tokens:
    """Start a session for ``record`` and return its first token pair (one write)."""
    settings = get_settings()
    moment = clock.now()
    secret = codes.opaque_token()
    session = SessionRecord(
        id=str(uuid.uuid4()),
        agentId=record.id,
        refreshDigest=codes.digest(secret, purpose=REFRESH_PURPOSE),
        epoch=record.sessionEpoch,
        createdAt=clock.iso(moment),
        expiresAt=clock.iso(moment + timedelta(seconds=settings.session_ttl_seconds)),
    )
    get_repository().start_session(
        record, session, throttles=throttles, audit=audit,
        rehashed_password=rehashed_password,
        consume_challenge=consume_challenge,
    )
    refresh = tokens.RefreshToken(record.id, session.id, secret)
    return Tokens(
        accessToken=tokens.issue_access_token(record.id, session.id, record.roles),
        refreshToken=str(refresh),
        expiresIn=settings.access_token_ttl_seconds,
    )


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
    get_repository().create_challenge(
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
        return open_session(record, throttles=throttles, audit=audit,
                            rehashed_password=rehashed_password,
                            consume_challenge=consume_challenge)
    answer = issue_challenge(record, kind)
    get_repository().finish_challenge_step(audit, consume_challenge, throttles=throttles)
    return answer


def refresh(raw_token: str, source_ip: str) -> Tokens:
    """Rotate the refresh token: of concurrent presentations at most one gets tokens, and
    any second presentation (concurrent or later) ends the whole session.

    A token that was current when read but is rotated away before our conditional write
    lost a race to another presentation of itself: that is reuse too, so the loser ends
    the session (the winner's fresh tokens die with it: the authorizer checks the live
    session on every request). The agent's ``active`` and ``ipAllowlist`` apply here as
    on every bearer request (``403 ip_not_allowed``).
    """
    parsed = tokens.RefreshToken.parse(raw_token)
    if parsed is None:
        raise InvalidToken()
    repository = get_repository()
    record, session, _ = repository.load_session(parsed.agent_id, parsed.session_id)
    if record is None or session is None:
        raise InvalidToken()
    presented = codes.digest(parsed.secret, purpose=REFRESH_PURPOSE)
    if codes.matches_any(session.previousDigests, parsed.secret, purpose=REFRESH_PURPOSE):
        _end_reused(session, presented)
    if (
        not codes.matches(session.refreshDigest, parsed.secret, purpose=REFRESH_PURPOSE)
        or session.epoch != record.sessionEpoch
        or not record.active
        or clock.parse(session.expiresAt) <= clock.now()
    ):
        raise InvalidToken()
    if not ip_allowed(source_ip, record.ipAllowlist):
        raise IpNotAllowed()
    secret = codes.opaque_token()
    if not repository.rotate_refresh(session, codes.digest(secret, purpose=REFRESH_PURPOSE)):
        _end_reused(session, presented)
    settings = get_settings()
    return Tokens(
        accessToken=tokens.issue_access_token(record.id, session.id, record.roles),
        refreshToken=str(tokens.RefreshToken(record.id, session.id, secret)),
        expiresIn=settings.access_token_ttl_seconds,
    )


def _end_reused(session: SessionRecord, presented: str) -> NoReturn:
    """A second presentation of one refresh token: end the session, ``401``."""
    get_repository().end_reused_session(session, presented, audit=[AuditEvent(
        actorId=session.agentId, action="session.refresh_reused", targetId=session.agentId,
        details={"sessionId": session.id})])
    raise InvalidToken("This refresh token was already used; the session is ended")


def logout(agent_id: str, session_id: str) -> None:
    get_repository().end_session(agent_id, session_id, audit=[AuditEvent(
        actorId=agent_id, action="session.ended", targetId=agent_id,
        details={"sessionId": session_id})])


def revoke_all(actor: Actor, agent_id: str) -> None:
    """``DELETE /agents/{id}/sessions``: every session of the agent ends at once."""
    repository = get_repository()
    record = repository.get_agent(agent_id)
    if record is None:
        raise NotFound("No such agent")
    authorize(actor, record, Act.SESSIONS)
    repository.revoke_all_sessions(agent_id, expected_version=record.version, audit=[
        AuditEvent(actorId=actor.id, action="sessions.revoked", targetId=agent_id)])

"""Sessions: token issue, refresh rotation, logout and revocation."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import NoReturn

from roster import clock, codes, tokens
from roster.allowlist import ip_allowed
from roster.authorization import Act, Actor, authorize
from roster.config import get_settings
from roster.errors import InvalidToken, IpNotAllowed, NotFound
from roster.models.agent import AgentRecord
from roster.models.audit import AuditEvent
from roster.models.auth import Tokens
from roster.models.credentials import PasswordCredential, SessionRecord, SignInThrottles
from roster.ports.sessions import sessions as session_store

REFRESH_PURPOSE = "refresh-token"


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
    session_store().start_session(
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
    store = session_store()
    record, session, _ = store.load_session(parsed.agent_id, parsed.session_id)
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
    if not store.rotate_refresh(session, codes.digest(secret, purpose=REFRESH_PURPOSE)):
        _end_reused(session, presented)
    settings = get_settings()
    return Tokens(
        accessToken=tokens.issue_access_token(record.id, session.id, record.roles),
        refreshToken=str(tokens.RefreshToken(record.id, session.id, secret)),
        expiresIn=settings.access_token_ttl_seconds,
    )


def _end_reused(session: SessionRecord, presented: str) -> NoReturn:
    """A second presentation of one refresh token: end the session, ``401``."""
    session_store().end_reused_session(session, presented, audit=[AuditEvent(
        actorId=session.agentId, action="session.refresh_reused", targetId=session.agentId,
        details={"sessionId": session.id})])
    raise InvalidToken("This refresh token was already used; the session is ended")


def logout(agent_id: str, session_id: str, *, cookie_token: str | None = None) -> None:
    """End the caller's session; ``cookie_token`` (the web app's refresh cookie) ends
    the session it names too when that is another of the caller's own (two tabs signed
    in one after the other share one cookie) and the token is that session's current
    one. Another agent's token, or a stale or made-up one, ends nothing more."""
    ended = [session_id]
    other = tokens.RefreshToken.parse(cookie_token) if cookie_token else None
    if other is not None and other.agent_id == agent_id and other.session_id != session_id:
        _, session, _ = session_store().load_session(agent_id, other.session_id)
        if session is not None and codes.matches(session.refreshDigest, other.secret,
                                                 purpose=REFRESH_PURPOSE):
            ended.append(other.session_id)
    for ending in ended:
        session_store().end_session(agent_id, ending, audit=[AuditEvent(
            actorId=agent_id, action="session.ended", targetId=agent_id,
            details={"sessionId": ending})])


def revoke_all(actor: Actor, agent_id: str) -> None:
    """``DELETE /agents/{id}/sessions``: every session of the agent ends at once."""
    store = session_store()
    record = store.get_agent(agent_id)
    if record is None:
        raise NotFound("No such agent")
    authorize(actor, record, Act.SESSIONS)
    store.revoke_all_sessions(agent_id, expected_version=record.version, audit=[
        AuditEvent(actorId=actor.id, action="sessions.revoked", targetId=agent_id)])

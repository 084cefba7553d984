"""``roster.ports.sessions.SessionStore`` in memory (the adapter: ``roster.repository.
dynamodb``'s sessions and challenges)."""

from __future__ import annotations

from collections.abc import Sequence

from roster import clock
from roster.errors import ConcurrentChange
from roster.models.agent import AgentRecord
from roster.models.audit import AuditEvent
from roster.models.credentials import (
    Challenge,
    PasswordCredential,
    SessionRecord,
    SignInThrottles,
)
from roster.models.outbox import OutboxMessage
from roster.repository import keys

from support.fakes.world import World

SESSION_PREVIOUS_DIGESTS = 20


class FakeSessionStore:
    def __init__(self, world: World) -> None:
        self.world = world

    def get_agent(self, agent_id: str) -> AgentRecord | None:
        return self.world.agents.get(agent_id)

    def _reset_throttles(self, throttles: SignInThrottles | None, *, signed_in: bool) -> None:
        if throttles is None:
            return
        subject = keys.agent_subject(throttles.agentId)
        self.world.success((subject, None), spent=throttles.spentEverywhere)
        self.world.success((subject, throttles.sourceIp), spent=throttles.spentSource,
                           trusted_at=clock.iso(clock.now()) if signed_in else None)

    def start_session(self, record: AgentRecord, session: SessionRecord, *,
                      throttles: SignInThrottles | None, audit: Sequence[AuditEvent],
                      rehashed_password: PasswordCredential | None = None,
                      consume_challenge: str | None = None) -> None:
        world = self.world
        with world.lock:
            profile = world.agents.get(record.id)
            if (profile is None or profile.sessionEpoch != session.epoch
                    or not profile.active):
                raise ConcurrentChange("The account changed during sign-in")
            if consume_challenge is not None and consume_challenge not in world.challenges:
                raise ConcurrentChange("challenge used")
            if (record.id, session.id) in world.sessions:
                raise ConcurrentChange()
            world.sessions[(record.id, session.id)] = session
            world.update_agent(record.id, lastLoginAt=session.createdAt)
            self._reset_throttles(throttles, signed_in=True)
            if rehashed_password is not None:
                world.passwords[record.id] = rehashed_password
            if consume_challenge is not None:
                del world.challenges[consume_challenge]
            world.record(audit)

    def load_session(self, agent_id: str, session_id: str, roles: Sequence[str] = (),
                     ) -> tuple[AgentRecord | None, SessionRecord | None,
                                dict[str, list[str]]]:
        return (self.world.agents.get(agent_id),
                self.world.sessions.get((agent_id, session_id)),
                {role: list(self.world.roles[role]) for role in roles
                 if role in self.world.roles})

    def role_permissions(self, role: str) -> list[str] | None:
        found = self.world.roles.get(role)
        return list(found) if found is not None else None

    def rotate_refresh(self, session: SessionRecord, new_digest: str) -> bool:
        key = (session.agentId, session.id)
        with self.world.lock:
            current = self.world.sessions.get(key)
            if current is None or current.refreshDigest != session.refreshDigest:
                return False
            previous = [session.refreshDigest, *session.previousDigests]
            self.world.sessions[key] = current.model_copy(update={
                "refreshDigest": new_digest,
                "previousDigests": previous[:SESSION_PREVIOUS_DIGESTS]})
            return True

    def end_session(self, agent_id: str, session_id: str,
                    audit: Sequence[AuditEvent] = ()) -> None:
        with self.world.lock:
            self.world.sessions.pop((agent_id, session_id), None)
            self.world.record(audit)

    def end_reused_session(self, session: SessionRecord, presented_digest: str,
                           audit: Sequence[AuditEvent]) -> bool:
        key = (session.agentId, session.id)
        with self.world.lock:
            current = self.world.sessions.get(key)
            if current is None or current.refreshDigest == presented_digest:
                return False
            del self.world.sessions[key]
            self.world.record(audit)
            return True

    def revoke_all_sessions(self, agent_id: str, audit: Sequence[AuditEvent] = (),
                            messages: Sequence[OutboxMessage] = (), *,
                            expected_version: int | None = None) -> None:
        with self.world.lock:
            record = self.world.at_version(agent_id, expected_version)
            self.world.update_agent(agent_id, sessionEpoch=record.sessionEpoch + 1)
            self.world.record(audit, messages)

    def create_challenge(self, challenge: Challenge) -> None:
        with self.world.lock:
            self.world.challenges[challenge.digest] = challenge

    def finish_challenge_step(self, audit: Sequence[AuditEvent],
                              consume_challenge: str | None, *,
                              throttles: SignInThrottles | None) -> None:
        with self.world.lock:
            if consume_challenge is not None:
                if consume_challenge not in self.world.challenges:
                    raise ConcurrentChange("The sign-in session was used")
                del self.world.challenges[consume_challenge]
            self._reset_throttles(throttles, signed_in=False)
            self.world.record(audit)

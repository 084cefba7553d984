"""Sessions and sign-in challenges: what token issue, refresh, revocation and the
authorizer read and write."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from roster.models.agent import AgentRecord
from roster.models.audit import AuditEvent
from roster.models.credentials import (
    Challenge,
    PasswordCredential,
    SessionRecord,
    SignInThrottles,
)
from roster.models.outbox import OutboxMessage
from roster.ports import Port


class SessionStore(Protocol):
    def get_agent(self, agent_id: str) -> AgentRecord | None: ...

    def start_session(self, record: AgentRecord, session: SessionRecord, *,
                      throttles: SignInThrottles | None, audit: Sequence[AuditEvent],
                      rehashed_password: PasswordCredential | None = None,
                      consume_challenge: str | None = None) -> None:
        """The session, the throttles reset, the challenge used up, in one write that
        fails (``ConcurrentChange``) if the epoch moved on or the agent went inactive."""
        ...

    def load_session(self, agent_id: str, session_id: str, roles: Sequence[str] = (),
                     ) -> tuple[AgentRecord | None, SessionRecord | None,
                                dict[str, list[str]]]:
        """Profile, session and the permissions of those custom ``roles`` that exist."""
        ...

    def role_permissions(self, role: str) -> list[str] | None:
        """A custom role's permissions (``None``: no such role)."""
        ...

    def rotate_refresh(self, session: SessionRecord, new_digest: str) -> bool:
        """Replace the refresh digest if it is still the one read (False: lost)."""
        ...

    def end_session(self, agent_id: str, session_id: str,
                    audit: Sequence[AuditEvent] = ()) -> None: ...

    def end_reused_session(self, session: SessionRecord, presented_digest: str,
                           audit: Sequence[AuditEvent]) -> bool:
        """End the session unless it already ended (False then)."""
        ...

    def revoke_all_sessions(self, agent_id: str, audit: Sequence[AuditEvent] = (),
                            messages: Sequence[OutboxMessage] = (), *,
                            expected_version: int | None = None) -> None: ...

    def create_challenge(self, challenge: Challenge) -> None: ...

    def finish_challenge_step(self, audit: Sequence[AuditEvent],
                              consume_challenge: str | None, *,
                              throttles: SignInThrottles | None) -> None:
        """Record a passed step, reset the throttles, use up the answered challenge."""
        ...


sessions: Port[SessionStore] = Port("sessions")

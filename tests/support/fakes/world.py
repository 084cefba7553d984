"""The state every fake shares: what the table would hold, as domain objects."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from roster import clock
from roster.errors import ConcurrentChange, NotFound
from roster.models.agent import AgentRecord
from roster.models.audit import AuditEvent
from roster.models.credentials import (
    Challenge,
    LoginThrottle,
    PasswordCredential,
    SessionRecord,
)
from roster.models.outbox import OutboxMessage
from roster.repository import keys

if TYPE_CHECKING:
    from roster.models.passwords import RecoveryCode
    from roster.models.two_factor import BackupCode, TotpCredential

ThrottleKey = tuple[str, str | None]  # (subject, source IP or None: every source)


@dataclass
class TwoFactorCount:
    """The profile's attempt counter (``twoFactorAttempts``, ``twoFactorAttemptAt``)."""

    attempts: int = 0
    at: int = 0


@dataclass
class World:
    agents: dict[str, AgentRecord] = field(default_factory=dict)
    logins: dict[str, str] = field(default_factory=dict)  # normal login -> agent id
    passwords: dict[str, PasswordCredential] = field(default_factory=dict)
    sessions: dict[tuple[str, str], SessionRecord] = field(default_factory=dict)
    challenges: dict[str, Challenge] = field(default_factory=dict)
    totp: dict[str, TotpCredential] = field(default_factory=dict)
    backup_codes: dict[tuple[str, str], BackupCode] = field(default_factory=dict)
    two_factor_counts: dict[str, TwoFactorCount] = field(default_factory=dict)
    throttles: dict[ThrottleKey, LoginThrottle] = field(default_factory=dict)
    recovery_codes: dict[str, RecoveryCode] = field(default_factory=dict)
    recovery_requests: dict[tuple[str, str], int] = field(default_factory=dict)
    roles: dict[str, list[str]] = field(default_factory=dict)
    audit: list[AuditEvent] = field(default_factory=list)
    outbox: list[OutboxMessage] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)

    # ------------------------------------------------------------------ setup
    def add_agent(self, record: AgentRecord, password: PasswordCredential | None = None,
                  ) -> AgentRecord:
        self.agents[record.id] = record
        self.logins[keys.normal_login(record.account)] = record.id
        self.logins[keys.normal_login(record.email)] = record.id
        if password is not None:
            self.passwords[record.id] = password
        return record

    # ------------------------------------------------------------------ helpers
    def update_agent(self, agent_id: str, **changes: object) -> AgentRecord:
        record = self.agents[agent_id].model_copy(update=changes)
        self.agents[agent_id] = record
        return record

    def at_version(self, agent_id: str, expected_version: int | None) -> AgentRecord:
        """The profile, if it exists (and is at ``expected_version``): the adapter's
        ``version_condition`` and ``version_failure``."""
        record = self.agents.get(agent_id)
        if record is None:
            raise (NotFound("No such agent") if expected_version is None
                   else ConcurrentChange("The agent changed meanwhile; try again"))
        if expected_version is not None and record.version != expected_version:
            raise ConcurrentChange("The agent changed meanwhile; try again")
        return record

    def record(self, audit: Sequence[AuditEvent] = (),
               messages: Sequence[OutboxMessage] = ()) -> None:
        self.audit.extend(audit)
        self.outbox.extend(messages)

    def actions(self) -> list[str]:
        return [event.action for event in self.audit]

    def success(self, key: ThrottleKey, *, spent: bool, trusted_at: str | None = None,
                ) -> None:
        """The adapter's ``success_update``: the attempt given back (when ``spent``), the
        lockout history forgotten, a finished sign-in's source marked trusted."""
        throttle = self.throttles.get(key, LoginThrottle())
        changes: dict[str, object] = {"lockedUntil": None, "lockouts": 0}
        if spent:
            changes.update(failures=throttle.failures - 1, pending=throttle.pending - 1)
        if trusted_at is not None:
            changes["lastSuccessAt"] = trusted_at
        self.throttles[key] = throttle.model_copy(update=changes)


def now_iso() -> str:
    return clock.iso(clock.now())

"""The state every fake shares: what the table would hold, as domain objects (an agent
written through the agent store is what the email-change or the credential store reads).

Every fake write checks all its conditions before it changes anything, in the order the
adapter's transaction lists them (the first failing one's error is raised), so a refused
write leaves no trace, as a cancelled transaction does."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from roster import clock
from roster.errors import ConcurrentChange, NotFound
from roster.models.agent import AgentRecord
from roster.models.audit import AuditEvent
from roster.models.backfill import BackfillProgress
from roster.models.credentials import (
    Challenge,
    LoginThrottle,
    PasswordCredential,
    SessionRecord,
)
from roster.models.email_change import EmailChange
from roster.models.outbox import OutboxMessage
from roster.repository import keys

if TYPE_CHECKING:
    from roster.models.imports import ImportSummary, RowError
    from roster.models.passwords import RecoveryCode
    from roster.models.provisioning import ProvisioningTokenRecord
    from roster.models.two_factor import BackupCode, TotpCredential

ThrottleKey = tuple[str, str | None]  # (subject, source IP or None: every source)


@dataclass
class TwoFactorCount:
    """The profile's attempt counter (``twoFactorAttempts``, ``twoFactorAttemptAt``)."""

    attempts: int = 0
    at: int = 0


@dataclass
class Outboxed:
    """An outbox message's delivery state (``claim_outbox`` and the marks)."""

    message: OutboxMessage
    status: str = "pending"
    claimed_at: int | None = None
    attempts: int = 0  # claims made, less those given back after throttling
    sent_at: str | None = None
    failure: str | None = None


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
    numeric_ids: dict[int, str] = field(default_factory=dict)
    external_ids: dict[str, str] = field(default_factory=dict)  # SCIM externalId -> agent id
    # (provisioning actor, window start) -> deactivations counted
    scim_deactivations: dict[tuple[str, str], int] = field(default_factory=dict)
    # (kind, id) -> (public fields, revision)
    catalog: dict[tuple[str, str], tuple[dict[str, Any], int]] = field(default_factory=dict)
    # (kind, id) of the item used -> (owner kind, owner id) of the catalogue items using it
    catalog_uses: dict[tuple[str, str], set[tuple[str, str]]] = field(default_factory=dict)
    assignments: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> kind#ref -> at
    email_changes: dict[str, EmailChange] = field(default_factory=dict)
    mails: dict[tuple[str, str], int] = field(default_factory=dict)  # (agent, hour) -> count
    expiring: dict[tuple[str, str], str] = field(default_factory=dict)  # other items' expiry
    audit: list[AuditEvent] = field(default_factory=list)
    provisioning_tokens: dict[str, ProvisioningTokenRecord] = field(default_factory=dict)
    provisioning_token_reads: int = 0
    provisioning_token_writes: int = 0
    outbox: list[OutboxMessage] = field(default_factory=list)
    deliveries: dict[str, Outboxed] = field(default_factory=dict)  # outbox id -> its state
    imports: dict[str, ImportSummary] = field(default_factory=dict)
    import_rows: dict[tuple[str, int], str] = field(default_factory=dict)  # -> outcome
    import_errors: dict[str, list[RowError]] = field(default_factory=dict)
    import_counters: dict[tuple[str, int], dict[str, int]] = field(default_factory=dict)
    # The search-items backfill: agents written before their word and reference items
    # existed, the previous release's items still in the table, the migration's progress
    # and who holds it until when.
    unindexed: set[str] = field(default_factory=set)
    unnamed: set[tuple[str, str]] = field(default_factory=set)  # (kind, id) without a name item
    legacy_items: set[tuple[str, str]] = field(default_factory=set)
    backfill: BackfillProgress | None = None
    backfill_lease: tuple[str, int] | None = None
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

    # ------------------------------------------------------------------ guards
    def owner_of(self, login: str) -> str | None:
        return self.logins.get(keys.normal_login(login))

    def claim(self, login: str, agent_id: str) -> None:
        self.logins[keys.normal_login(login)] = agent_id

    def release(self, login: str, agent_id: str) -> None:
        if self.logins.get(keys.normal_login(login)) == agent_id:
            del self.logins[keys.normal_login(login)]

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
        self.deliveries.update((message.id, Outboxed(message)) for message in messages)

    def actions(self) -> list[str]:
        return [event.action for event in self.audit]

    def templates(self) -> list[tuple[str, str]]:
        """``(to, template)`` of every outbox message, in the order written."""
        return [(message.to, message.template) for message in self.outbox]

    def bump(self, record: AgentRecord, **changes: Any) -> AgentRecord:
        """The stored agent with ``changes``, one version on."""
        return self.update_agent(record.id, **changes, version=record.version + 1)

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

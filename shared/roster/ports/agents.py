"""What the agent services need from storage: profiles with their uniqueness guards,
listings, catalogue reads, assignments and deletion.

Every write is all-or-nothing and conditional: a taken account, email or numeric id is
``AccountTaken``/``EmailTaken``/``NumericIdTaken``; a write against a version that moved
on is the ``conflict`` given (``VersionConflict`` by default), against a missing agent
``NotFound``; a reference to a catalogue item that does not exist ``UnknownReference``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from roster.models import search
from roster.models.agent import fold_account, fold_email
from roster.ports import Port

if TYPE_CHECKING:
    from roster.errors import RosterError
    from roster.models.agent import AgentRecord
    from roster.models.agents_api import Assignment
    from roster.models.audit import AuditEvent
    from roster.models.credentials import PasswordCredential
    from roster.models.outbox import OutboxMessage
    from roster.ports.imports import RowMark

# A catalogue item's public fields (what its resource model is validated from).
CatalogData = dict[str, Any]
CatalogRef = tuple[str, str]  # (kind, id)


@dataclass(frozen=True)
class AgentFilter:
    """What an agent listing keeps (every condition given, AND); the store picks the
    cheapest way to read it."""

    active: bool | None = None
    role: str | None = None
    queue: str | None = None
    skill: str | None = None
    group_id: str | None = None
    language: str | None = None
    business_unit: str | None = None
    queue_status: str | None = None
    password_status: str | None = None
    locked: bool | None = None
    two_factor_enabled: bool | None = None
    account: str | None = None  # exact, any letter case
    email: str | None = None  # exact (a verified address), any letter case
    deprovisioned: bool | None = None
    q: str = ""  # terms, each the start of a word (``roster.models.search``)

    def accepts(self, record: AgentRecord) -> bool:
        return (
            (self.active is None or record.active == self.active)
            and (self.role is None or self.role in record.roles)
            and (self.queue is None or self.queue in record.queues)
            and (self.skill is None
                 or any(skill.skillId == self.skill for skill in record.skills))
            and (self.group_id is None or record.groupId == self.group_id)
            and (self.language is None or record.language == self.language)
            and (self.business_unit is None or record.businessUnit == self.business_unit)
            and (self.queue_status is None or record.queueStatus == self.queue_status)
            and (self.password_status is None
                 or record.passwordStatus == self.password_status)
            and (self.locked is None or record.locked == self.locked)
            and (self.two_factor_enabled is None
                 or record.twoFactorEnabled == self.two_factor_enabled)
            and (self.account is None
                 or fold_account(record.account) == fold_account(self.account))
            and (self.email is None or fold_email(record.email) == fold_email(self.email))
            and (self.deprovisioned is None
                 or (record.deprovisionedAt is not None) == self.deprovisioned)
            and (not self.terms or self.matches(search.words(record)))
        )

    @property
    def terms(self) -> tuple[str, ...]:
        return search.terms(self.q)

    def matches(self, words: set[str]) -> bool:
        """Whether every term of ``q`` starts one of ``words``."""
        return all(any(word.startswith(term) for word in words) for term in self.terms)


class AgentStore(Protocol):
    def create_agent(self, record: AgentRecord, *, password: PasswordCredential | None,
                     audit: Sequence[AuditEvent] = (),
                     messages: Sequence[OutboxMessage] = (),
                     row: RowMark | None = None) -> None:
        """The agent, its guards (account, email, numeric id), password, references
        (each must exist) and events, at once; with an import ``row``'s marker and
        counter too (``RowAlreadyDone`` when the row has its outcome already)."""

    def get_agent(self, agent_id: str) -> AgentRecord | None: ...

    def find_agent_id(self, login: str) -> str | None:
        """The agent whose account or verified email ``login`` is (any letter case)."""

    def load_credentials(self, agent_id: str) -> tuple[AgentRecord | None,
                                                       PasswordCredential | None]: ...

    def write_decoy_profile(self) -> None:
        """What an unknown login reads, so that it costs what a known one does."""

    def agent_page(self, wanted: AgentFilter, *, limit: int,
                   after: str | None) -> tuple[list[AgentRecord], str | None]:
        """Up to ``limit`` agents ordered by lower-case account, after account ``after``;
        and the account to continue after (``None``: nothing more)."""

    def numeric_ids(self) -> list[int]:
        """Every numeric id in use, ascending."""

    def update_agent(self, old: AgentRecord, changes: dict[str, Any], *,
                     expected_version: int, conflict: RosterError | None = None,
                     revoke_sessions: bool = False, audit: Sequence[AuditEvent] = (),
                     messages: Sequence[OutboxMessage] = ()) -> AgentRecord:
        """Apply ``changes`` if the agent is still at ``expected_version`` (else
        ``conflict``); the new record, one version on."""

    def get_catalog_item(self, kind: str, item_id: str) -> CatalogData | None: ...

    def catalog_items(self, wanted: Sequence[CatalogRef]) -> dict[CatalogRef, CatalogData]:
        """The existing items among ``wanted`` (one round trip)."""

    # ------------------------------------------------------------------ assignments
    def add_assignment(self, agent_id: str, kind: str, ref: str,
                       audit: Sequence[AuditEvent], *,
                       expected_version: int | None = None) -> bool:
        """``False`` (nothing written) when already assigned."""

    def remove_assignment(self, agent_id: str, kind: str, ref: str,
                          audit: Sequence[AuditEvent], *,
                          expected_version: int | None = None) -> bool:
        """``False`` (nothing written) when not assigned."""

    def assignment_page(self, agent_id: str, *, limit: int,
                        after: str | None) -> tuple[list[Assignment], str | None]:
        """By kind then ref, after ``kind#ref`` ``after``; and the next ``kind#ref``."""

    def assignment_counts(self, agent_id: str) -> dict[str, int]:
        """The kinds the agent has assignments of, and how many."""

    def load_for_delete(self, agent_id: str, target_id: str | None,
                        ) -> tuple[AgentRecord | None, dict[str, int], AgentRecord | None]:
        """The agent, its assignment counts and the reassignment target, at once."""

    def move_assignments(self, source_id: str, target_id: str,
                         audit: Callable[[dict[str, int]], AuditEvent]) -> dict[str, int]:
        """Hand every assignment over to ``target_id`` (which must stay an active agent:
        ``InvalidReassignTarget``); ``audit(moved)`` is recorded per batch."""

    def delete_agent(self, record: AgentRecord, audit: Sequence[AuditEvent]) -> None:
        """The agent and all of it, if still at ``record.version`` and not logged on
        (``ConcurrentChange``) and with no assignment left (``HasAssignments``)."""


agent_store = Port[AgentStore]("agents")

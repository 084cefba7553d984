"""The repository's domain surface: what the services may ask of the data layer.

``DynamoRepository`` is its one implementation (``tests/unit/test_repository_protocol.py``
checks that it conforms); services depend on these methods, never on keys or expressions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence
    from typing import Any, Protocol

    from roster.errors import (
        RosterError,
    )
    from roster.models.agent import AgentRecord, PendingEmail
    from roster.models.audit import AuditEvent
    from roster.models.credentials import (
        Challenge,
        PasswordCredential,
    )
    from roster.models.email_change import EmailChange
    from roster.models.outbox import OutboxMessage
    from roster.repository.agents import ListSource
    from roster.repository.cleanup import Expired
    from roster.repository.table import (
        Item,
        TxOp,
    )


class Repository(Protocol):
    def add_assignment(
        self, agent_id: str, kind: str, ref: str, audit: Sequence[AuditEvent], *,
        expected_version: int | None = None,
    ) -> bool: ...

    def agent_page(
        self,
        source: ListSource,
        *,
        limit: int,
        after: str | None,
        accept: Callable[[AgentRecord], bool],
    ) -> tuple[list[AgentRecord], str | None]: ...

    def assignment_counts(self, agent_id: str) -> dict[str, int]: ...

    def assignment_page(
        self, agent_id: str, *, limit: int, after: str | None
    ) -> tuple[list[Item], str | None]: ...

    def catalog_item_in_use(self: Repository, kind: str, item_id: str) -> bool: ...

    def catalog_items(self, wanted: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Item]: ...

    def claim_outbox(self, message_id: str, *, stale_after_seconds: int = 120) -> bool: ...

    def complete_email_change(
        self,
        record: AgentRecord,
        change: EmailChange,
        *,
        updated_at: str,
        audit: Sequence[AuditEvent],
        messages: Sequence[OutboxMessage],
    ) -> None: ...

    def create_agent(
        self,
        record: AgentRecord,
        *,
        password: PasswordCredential | None,
        audit: Sequence[AuditEvent] = (),
        messages: Sequence[OutboxMessage] = (),
    ) -> None: ...

    def create_catalog_item(
        self: Repository,
        kind: str,
        item: Item,
        *,
        references: tuple[str, Sequence[str]] | None,
        audit: AuditEvent,
    ) -> None: ...

    def delete_agent(self, record: AgentRecord, audit: Sequence[AuditEvent]) -> None: ...

    def delete_catalog_item(
        self: Repository,
        kind: str,
        item_id: str,
        *,
        revision: int,
        references: tuple[str, Sequence[str]] | None,
        audit: AuditEvent,
    ) -> None: ...

    def delete_expired(self, entries: Sequence[Expired]) -> tuple[int, int]: ...

    def end_email_change(
        self,
        agent_id: str,
        pending: PendingEmail,
        *,
        updated_at: str,
        audit: Sequence[AuditEvent],
        on_mismatch: RosterError | None = None,
        version: int | None = None,
    ) -> None: ...

    def expire_email_changes(
        self, entries: Sequence[Expired], *, updated_at: str, audit: Callable[[str], AuditEvent]
    ) -> tuple[int, int]: ...

    def expired_pages(self, now: str) -> Iterator[list[Expired]]: ...

    def find_agent_id(self, login: str) -> str | None: ...

    def get_catalog_item(self, kind: str, item_id: str) -> Item | None: ...

    def get_challenge(self, digest: str) -> Challenge | None: ...

    def list_audit(
        self: Repository, agent_id: str | None, *, limit: int, cursor_token: str | None
    ) -> tuple[list[Item], str | None]: ...

    def list_catalog(
        self: Repository, kind: str, *, limit: int, cursor_token: str | None
    ) -> tuple[list[Item], str | None]: ...

    def load_email_change(self, agent_id: str) -> tuple[AgentRecord | None, EmailChange | None]: ...

    def load_for_delete(
        self, agent_id: str, target_id: str | None
    ) -> tuple[AgentRecord | None, dict[str, int], AgentRecord | None]: ...

    def mark_outbox_failed(self, message_id: str, failed_at: str, reason: str) -> None: ...

    def mark_outbox_sent(self, message_id: str, sent_at: str) -> None: ...

    def move_assignments(
        self, source_id: str, target_id: str, audit: Callable[[dict[str, int]], AuditEvent]
    ) -> dict[str, int]: ...

    def numeric_ids(self) -> list[int]: ...

    def outbox_status(self, message_id: str) -> str | None: ...

    def read_catalog_item(self: Repository, kind: str, item_id: str) -> tuple[Item, int] | None: ...

    @staticmethod
    def reference_values(record: AgentRecord) -> set[tuple[str, str]]: ...

    def reissue_email_change(
        self,
        previous: PendingEmail,
        change: EmailChange,
        *,
        updated_at: str,
        audit: Sequence[AuditEvent],
        messages: Sequence[OutboxMessage],
        mail_limit: int,
    ) -> None: ...

    def release_outbox(self, message_id: str) -> None: ...

    def remove_assignment(
        self, agent_id: str, kind: str, ref: str, audit: Sequence[AuditEvent], *,
        expected_version: int | None = None,
    ) -> bool: ...

    def seed_catalog_items(self, kind: str, items: Sequence[Item]) -> None: ...

    def start_email_change(
        self,
        record: AgentRecord,
        change: EmailChange,
        *,
        updated_at: str,
        audit: Sequence[AuditEvent],
        messages: Sequence[OutboxMessage],
        on_stale: RosterError,
        mail_limit: int,
        address_in_use: bool = False,
    ) -> None: ...

    def update_agent(
        self,
        old: AgentRecord,
        changes: dict[str, Any],
        *,
        expected_version: int,
        conflict: RosterError | None = None,
        revoke_sessions: bool = False,
        audit: Sequence[AuditEvent] = (),
        messages: Sequence[OutboxMessage] = (),
        extra: Sequence[TxOp] = (),
    ) -> AgentRecord: ...

    def update_catalog_item(
        self: Repository,
        kind: str,
        item: Item,
        *,
        revision: int,
        added: tuple[str, Sequence[str]] | None,
        removed: tuple[str, Sequence[str]] | None,
        audit: AuditEvent,
    ) -> None: ...


if TYPE_CHECKING:
    from roster.repository.dynamodb import DynamoRepository

    def _conforms(repository: DynamoRepository) -> Repository:
        """mypy checks here that the implementation satisfies the protocol."""
        return repository

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
        LoginThrottle,
        PasswordCredential,
        SessionRecord,
        SignInState,
        SignInThrottles,
    )
    from roster.models.email_change import EmailChange
    from roster.models.outbox import OutboxMessage
    from roster.models.passwords import RecoveryCode
    from roster.models.two_factor import (
        BackupCode,
        BackupCodeSource,
        TotpCredential,
        TwoFactorSignIn,
    )
    from roster.repository.agents import ListSource
    from roster.repository.cleanup import Expired
    from roster.repository.credentials import PasswordChange
    from roster.repository.table import (
        Item,
        Key,
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

    def backup_code_keys(
        self, agent_id: str, source: BackupCodeSource | None = None
    ) -> list[Key]: ...

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

    def create_challenge(self, challenge: Challenge) -> None: ...

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

    def disable_totp(
        self,
        agent_id: str,
        *,
        was_enabled: bool,
        revoke: Sequence[Key],
        audit: Sequence[AuditEvent],
        messages: Sequence[OutboxMessage],
        enrolment_id: str | None = None,
        step: int | None = None,
        expected_version: int | None = None,
    ) -> None: ...

    def enable_totp(
        self,
        agent_id: str,
        enrolment_id: str,
        step: int,
        backup_codes: Sequence[tuple[str, BackupCode]],
        audit: Sequence[AuditEvent],
        messages: Sequence[OutboxMessage],
    ) -> None: ...

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

    def end_session(
        self, agent_id: str, session_id: str, audit: Sequence[AuditEvent] = ()
    ) -> None: ...

    def end_reused_session(
        self, session: SessionRecord, presented_digest: str, audit: Sequence[AuditEvent]
    ) -> bool: ...

    def expire_email_changes(
        self, entries: Sequence[Expired], *, updated_at: str, audit: Callable[[str], AuditEvent]
    ) -> tuple[int, int]: ...

    def expired_pages(self, now: str) -> Iterator[list[Expired]]: ...

    def find_agent_id(self, login: str) -> str | None: ...

    def find_agent_or_nobody(self, login: str) -> str: ...

    def finish_challenge_step(
        self, audit: Sequence[AuditEvent], consume_challenge: str | None, *,
        throttles: SignInThrottles | None,
    ) -> None: ...

    def get_agent(self, agent_id: str) -> AgentRecord | None: ...

    def get_catalog_item(self, kind: str, item_id: str) -> Item | None: ...

    def get_challenge(self, digest: str) -> Challenge | None: ...

    def issue_backup_codes(
        self,
        agent_id: str,
        enrolment_id: str,
        backup_codes: Sequence[tuple[str, BackupCode]],
        revoke: Sequence[Key],
        audit: Sequence[AuditEvent],
        messages: Sequence[OutboxMessage],
        *,
        expected_version: int,
    ) -> None: ...

    def issue_recovery_code(
        self,
        *,
        scope: str,
        limit: int,
        agent_id: str,
        code: RecoveryCode,
        previous: RecoveryCode | None,
        message: OutboxMessage,
        deliver: bool,
        audit: Sequence[AuditEvent],
    ) -> bool: ...

    def list_audit(
        self: Repository, agent_id: str | None, *, limit: int, cursor_token: str | None
    ) -> tuple[list[Item], str | None]: ...

    def list_catalog(
        self: Repository, kind: str, *, limit: int, cursor_token: str | None
    ) -> tuple[list[Item], str | None]: ...

    def load_credentials(
        self, agent_id: str
    ) -> tuple[AgentRecord | None, PasswordCredential | None]: ...

    def load_email_change(self, agent_id: str) -> tuple[AgentRecord | None, EmailChange | None]: ...

    def load_for_delete(
        self, agent_id: str, target_id: str | None
    ) -> tuple[AgentRecord | None, dict[str, int], AgentRecord | None]: ...

    def load_password_change(
        self, agent_id: str, session_id: str
    ) -> tuple[AgentRecord | None, SessionRecord | None, PasswordCredential | None]: ...

    def load_recovery_target(
        self, login: str
    ) -> tuple[AgentRecord | None, RecoveryCode | None]: ...

    def load_session(
        self, agent_id: str, session_id: str, extra: Sequence[Key] = ()
    ) -> tuple[AgentRecord | None, SessionRecord | None, list[Item]]: ...

    def load_sign_in(self, login: str) -> tuple[SignInState, AgentRecord | None]: ...

    def load_two_factor(
        self, agent_id: str
    ) -> tuple[AgentRecord | None, TotpCredential | None]: ...

    def load_two_factor_sign_in(
        self, agent_id: str, challenge_digest: str, backup_digests: Sequence[str] = ()
    ) -> TwoFactorSignIn: ...

    def mark_outbox_failed(self, message_id: str, failed_at: str, reason: str) -> None: ...

    def mark_outbox_sent(self, message_id: str, sent_at: str) -> None: ...

    def move_assignments(
        self, source_id: str, target_id: str, audit: Callable[[dict[str, int]], AuditEvent]
    ) -> dict[str, int]: ...

    def numeric_ids(self) -> list[int]: ...

    def outbox_status(self, message_id: str) -> str | None: ...

    def pass_second_factor(
        self,
        agent_id: str,
        *,
        challenge_digest: str | None,
        enrolment_id: str,
        step: int | None = None,
        backup_digest: str | None = None,
        audit: Sequence[AuditEvent] = (),
        messages: Sequence[OutboxMessage] = (),
    ) -> None: ...

    def read_catalog_item(self: Repository, kind: str, item_id: str) -> tuple[Item, int] | None: ...

    def record_events(
        self, audit: Sequence[AuditEvent] = (), messages: Sequence[OutboxMessage] = ()
    ) -> None: ...

    def record_two_factor_failure(
        self,
        agent_id: str,
        *,
        max_failures: int,
        audit: Sequence[AuditEvent],
        on_lock: Sequence[AuditEvent] = (),
        lock_messages: Sequence[OutboxMessage] = (),
    ) -> int: ...

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

    def replace_password(
        self,
        record: AgentRecord,
        credential: PasswordCredential,
        change: PasswordChange,
        *,
        audit: Sequence[AuditEvent],
        messages: Sequence[OutboxMessage] = (),
    ) -> None: ...

    def revoke_all_sessions(
        self,
        agent_id: str,
        audit: Sequence[AuditEvent] = (),
        messages: Sequence[OutboxMessage] = (),
        *,
        expected_version: int | None = None,
    ) -> None: ...

    def rotate_refresh(self, session: SessionRecord, new_digest: str) -> bool: ...

    def give_back_password_attempt(self, throttle_key: Key) -> None: ...

    def settle_password_failure(
        self,
        throttle_key: Key,
        spent: LoginThrottle,
        *,
        max_failures: int,
        lockout_seconds: int,
    ) -> None: ...

    def spend_password_attempt(
        self, throttle_key: Key, *, max_failures: int, lockout_seconds: int
    ) -> LoginThrottle: ...

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

    def start_session(
        self,
        record: AgentRecord,
        session: SessionRecord,
        *,
        throttles: SignInThrottles | None,
        audit: Sequence[AuditEvent],
        rehashed_password: PasswordCredential | None = None,
        consume_challenge: str | None = None,
    ) -> None: ...

    def start_totp_enrolment(
        self, agent_id: str, credential: TotpCredential, audit: Sequence[AuditEvent]
    ) -> None: ...

    def try_recovery_code(self, agent_id: str, *, max_attempts: int) -> RecoveryCode | None: ...

    def unlock_agent(self, record: AgentRecord, audit: Sequence[AuditEvent]) -> None: ...

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

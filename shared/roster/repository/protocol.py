"""The repository's domain surface: what the services may ask of the data layer.

``DynamoRepository`` is its one implementation (``tests/unit/test_repository_protocol.py``
checks that it conforms); services depend on these methods, never on keys or expressions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Protocol

    from roster.models.agent import AgentRecord
    from roster.models.audit import AuditEvent
    from roster.models.credentials import (
        Challenge,
        LoginThrottle,
        PasswordCredential,
        SessionRecord,
        SignInState,
        SignInThrottles,
    )
    from roster.models.outbox import OutboxMessage
    from roster.models.passwords import RecoveryCode
    from roster.models.two_factor import (
        BackupCode,
        BackupCodeSource,
        TotpCredential,
        TwoFactorSignIn,
    )
    from roster.repository.credentials import PasswordChange
    from roster.repository.table import (
        Item,
        Key,
    )


class Repository(Protocol):
    def backup_code_keys(
        self, agent_id: str, source: BackupCodeSource | None = None
    ) -> list[Key]: ...

    def create_challenge(self, challenge: Challenge) -> None: ...

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

    def end_session(
        self, agent_id: str, session_id: str, audit: Sequence[AuditEvent] = ()
    ) -> None: ...

    def end_reused_session(
        self, session: SessionRecord, presented_digest: str, audit: Sequence[AuditEvent]
    ) -> bool: ...

    def find_agent_or_nobody(self, login: str) -> str: ...

    def finish_challenge_step(
        self, audit: Sequence[AuditEvent], consume_challenge: str | None, *,
        throttles: SignInThrottles | None,
    ) -> None: ...

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

    def load_credentials(
        self, agent_id: str
    ) -> tuple[AgentRecord | None, PasswordCredential | None]: ...

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


if TYPE_CHECKING:
    from roster.repository.dynamodb import DynamoRepository

    def _conforms(repository: DynamoRepository) -> Repository:
        """mypy checks here that the implementation satisfies the protocol."""
        return repository

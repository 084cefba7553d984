"""Two-factor sign-in: the TOTP credential, backup codes, the failure count and lock,
and the sealing of seeds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from roster.models.agent import AgentRecord
from roster.models.audit import AuditEvent
from roster.models.outbox import OutboxMessage
from roster.ports import Port

if TYPE_CHECKING:
    from roster.models.two_factor import BackupCode, TotpCredential, TwoFactorSignIn


class TwoFactorStore(Protocol):
    def load_two_factor(self, agent_id: str) -> tuple[AgentRecord | None,
                                                      TotpCredential | None]: ...

    def load_two_factor_sign_in(self, agent_id: str, challenge_digest: str,
                                backup_digests: Sequence[str] = ()) -> TwoFactorSignIn:
        """Challenge, profile, password, TOTP credential and the presented backup code
        (found by any of ``backup_digests``) in one read."""
        ...

    def start_totp_enrolment(self, agent_id: str, credential: TotpCredential,
                             audit: Sequence[AuditEvent]) -> None:
        """A pending seed, replacing a pending one, never an enabled one."""
        ...

    def enable_totp(self, record: AgentRecord, enrolment_id: str, step: int,
                    backup_codes: Sequence[tuple[str, BackupCode]],
                    audit: Sequence[AuditEvent], messages: Sequence[OutboxMessage]) -> None:
        """2FA on for ``record`` (the agent as read: its ``twoFactorEnabled`` listing
        item moves with the flag)."""
        ...

    def pass_second_factor(self, agent_id: str, *, challenge_digest: str | None,
                           enrolment_id: str, step: int | None = None,
                           backup_digest: str | None = None,
                           audit: Sequence[AuditEvent] = (),
                           messages: Sequence[OutboxMessage] = (),
                           failures_seen: int = 0) -> None:
        """Accept a TOTP ``step`` later than the last, or use up a backup code; reset the
        counts if no other guess is in flight and the failures are still
        ``failures_seen`` (else give back this attempt only); ``InvalidSession``
        (challenge gone), ``AccountLocked``, ``InvalidTwoFactorCode`` (step or code
        already used) otherwise."""
        ...

    def spend_two_factor_attempt(self, agent_id: str, *, max_failures: int) -> None:
        """One attempt spent before a code is compared (``AccountLocked`` /
        ``TooManyAttempts`` when none is left)."""
        ...

    def give_back_two_factor_attempt(self, agent_id: str) -> None: ...

    def record_two_factor_failure(self, record: AgentRecord, *, max_failures: int,
                                  audit: Sequence[AuditEvent],
                                  on_lock: Sequence[AuditEvent] = (),
                                  lock_messages: Sequence[OutboxMessage] = ()) -> int:
        """Count a wrong code (the count after it); the one reaching the limit locks
        (``record``, the agent as read, says which ``locked`` listing item moves)."""
        ...

    def issue_backup_codes(self, agent_id: str, enrolment_id: str,
                           backup_codes: Sequence[tuple[str, BackupCode]],
                           audit: Sequence[AuditEvent], messages: Sequence[OutboxMessage],
                           *, expected_version: int) -> None:
        """New codes in and earlier admin-issued ones out, while 2FA is on with this
        enrolment and the agent is at ``expected_version``."""
        ...

    def disable_totp(self, record: AgentRecord, *, was_enabled: bool,
                     audit: Sequence[AuditEvent], messages: Sequence[OutboxMessage],
                     enrolment_id: str | None = None, step: int | None = None,
                     expected_version: int | None = None) -> None:
        """2FA off, the seed and every backup code gone (with ``step``: only if later
        than the last accepted one)."""
        ...

    def unlock_agent(self, record: AgentRecord, audit: Sequence[AuditEvent]) -> None:
        """The 2FA lock and counts cleared, and every password throttle of the agent."""
        ...


class SeedVault(Protocol):
    """TOTP seeds sealed to their agent (a sealed seed copied to another agent's item
    does not open)."""

    def seal(self, agent_id: str, secret: str) -> str: ...

    def open(self, agent_id: str, sealed: str) -> str: ...


two_factor: Port[TwoFactorStore] = Port("two_factor")
seed_vault: Port[SeedVault] = Port("seed_vault")

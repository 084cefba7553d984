"""Passwords and recovery codes: what sign-in, password changes and recovery read and
write."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from roster.errors import RosterError
from roster.models.agent import AgentRecord
from roster.models.audit import AuditEvent
from roster.models.credentials import PasswordCredential, SessionRecord, SignInState
from roster.models.outbox import OutboxMessage
from roster.ports import Port

if TYPE_CHECKING:
    from roster.models.passwords import RecoveryCode

# An id no agent can have (uuid4 always has version nibble 4): work done for unknown
# logins reads and writes under it, so that they cost what known logins cost.
NOBODY = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class PasswordChange:
    """What a password change consumes and guards, besides writing the new credential.

    ``expected_hash``: the credential must still be this one (no lost update);
    ``expected_epoch``: the profile's session epoch must still be this one;
    ``keep_session``: the caller's session is moved to the new epoch (it survives);
    ``consume_recovery``: the recovery code digest that must still be there (single use);
    ``consume_challenge``: the sign-in challenge digest that must still be there;
    ``expected_version``: the profile must still be at this version (an administrator's
    act, authorized against it);
    ``failure``: the error when any of those conditions fails.
    """

    expected_hash: str | None = None
    expected_epoch: int | None = None
    keep_session: str | None = None
    consume_recovery: str | None = None
    consume_challenge: str | None = None
    expected_version: int | None = None
    failure: RosterError | None = None


class CredentialStore(Protocol):
    def get_agent(self, agent_id: str) -> AgentRecord | None: ...

    def load_sign_in(self, login: str) -> tuple[SignInState, AgentRecord | None]:
        """The agent a login names and its password, known login or not at equal cost."""
        ...

    def load_credentials(self, agent_id: str) -> tuple[AgentRecord | None,
                                                       PasswordCredential | None]: ...

    def load_password_change(self, agent_id: str, session_id: str) -> tuple[
            AgentRecord | None, SessionRecord | None, PasswordCredential | None]: ...

    def load_recovery_target(self, login: str) -> tuple[AgentRecord | None,
                                                         RecoveryCode | None]: ...

    def find_agent_or_nobody(self, login: str) -> str: ...

    def issue_recovery_code(self, *, login: str, found_id: str | None, limit: int,
                            agent_id: str, code: RecoveryCode, previous: RecoveryCode | None,
                            message: OutboxMessage, deliver: bool,
                            audit: Sequence[AuditEvent]) -> bool:
        """Count the request (per agent ``found_id``, else per login) and, within the
        hourly ``limit``, store the code and its message; False when dropped."""
        ...

    def try_recovery_code(self, agent_id: str, *, max_attempts: int) -> RecoveryCode | None:
        """Spend one try of the live code before it is compared (``None``: none left)."""
        ...

    def replace_password(self, record: AgentRecord, credential: PasswordCredential,
                         change: PasswordChange, *, audit: Sequence[AuditEvent],
                         messages: Sequence[OutboxMessage] = ()) -> None:
        """The new credential with all ``change`` guards, the session epoch moved on."""
        ...


credentials: Port[CredentialStore] = Port("credentials")

"""``roster.ports.credentials.CredentialStore`` in memory (the adapter:
``roster.repository.credentials``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from roster import clock
from roster.errors import ConcurrentChange, NotFound
from roster.models.agent import AgentRecord, PasswordStatus
from roster.models.audit import AuditEvent
from roster.models.credentials import PasswordCredential, SessionRecord, SignInState
from roster.models.outbox import OutboxMessage
from roster.ports.credentials import NOBODY, PasswordChange
from roster.repository import keys

from support.fakes.world import World, now_iso

if TYPE_CHECKING:
    from roster.models.passwords import RecoveryCode


class FakeCredentialStore:
    def __init__(self, world: World) -> None:
        self.world = world

    def get_agent(self, agent_id: str) -> AgentRecord | None:
        return self.world.agents.get(agent_id)

    def _agent_id(self, login: str) -> str | None:
        return self.world.logins.get(keys.normal_login(login))

    def load_sign_in(self, login: str) -> tuple[SignInState, AgentRecord | None]:
        agent_id = self._agent_id(login)
        state = SignInState(agent_id=agent_id,
                            password=self.world.passwords.get(agent_id or NOBODY))
        return state, self.world.agents.get(agent_id) if agent_id else None

    def load_credentials(self, agent_id: str) -> tuple[AgentRecord | None,
                                                       PasswordCredential | None]:
        return self.world.agents.get(agent_id), self.world.passwords.get(agent_id)

    def load_password_change(self, agent_id: str, session_id: str) -> tuple[
            AgentRecord | None, SessionRecord | None, PasswordCredential | None]:
        return (self.world.agents.get(agent_id),
                self.world.sessions.get((agent_id, session_id)),
                self.world.passwords.get(agent_id))

    def load_recovery_target(self, login: str) -> tuple[AgentRecord | None,
                                                         RecoveryCode | None]:
        agent_id = self._agent_id(login) or NOBODY
        return self.world.agents.get(agent_id), self.world.recovery_codes.get(agent_id)

    def find_agent_or_nobody(self, login: str) -> str:
        return self._agent_id(login) or NOBODY

    def issue_recovery_code(self, *, login: str, found_id: str | None, limit: int,
                            agent_id: str, code: RecoveryCode, previous: RecoveryCode | None,
                            message: OutboxMessage, deliver: bool,
                            audit: Sequence[AuditEvent]) -> bool:
        moment = clock.now()
        scope = (f"AGENT#{found_id}" if found_id is not None
                 else f"LOGIN#{keys.normal_login(login)}")
        counter = (scope, moment.strftime("%Y%m%d%H"))
        with self.world.lock:
            if self.world.recovery_requests.get(counter, 0) >= limit:
                return False
            stored = self.world.recovery_codes.get(agent_id)
            live = deliver and previous is not None and previous.expiresAt > clock.iso(moment)
            if deliver and previous is None and stored is not None:
                return False  # another request stored one meanwhile
            if (deliver and not live and previous is not None
                    and (stored is None or stored.expiresAt != previous.expiresAt)):
                return False
            attempts = stored.attempts if live and stored is not None else 0
            self.world.recovery_requests[counter] = self.world.recovery_requests.get(
                counter, 0) + 1
            # Undelivered, the code is a decoy under ``NOBODY`` (the message is not sent).
            self.world.recovery_codes[agent_id] = code.model_copy(update={"attempts": attempts})
            self.world.record(audit, [message] if deliver else [])
            return True

    def try_recovery_code(self, agent_id: str, *, max_attempts: int) -> RecoveryCode | None:
        with self.world.lock:
            stored = self.world.recovery_codes.get(agent_id)
            if (stored is None or stored.expiresAt <= clock.iso(clock.now())
                    or stored.attempts >= max_attempts):
                return None
            spent = stored.model_copy(update={"attempts": stored.attempts + 1})
            self.world.recovery_codes[agent_id] = spent
            return spent

    def replace_password(self, record: AgentRecord, credential: PasswordCredential,
                         change: PasswordChange, *, audit: Sequence[AuditEvent],
                         messages: Sequence[OutboxMessage] = ()) -> None:
        world = self.world
        failure = change.failure or ConcurrentChange("The password changed meanwhile")
        guarded = change.expected_epoch is not None or change.expected_version is not None
        with world.lock:
            current = world.passwords.get(record.id)
            profile = world.agents.get(record.id)
            session = (world.sessions.get((record.id, change.keep_session))
                       if change.keep_session is not None else None)
            recovery = world.recovery_codes.get(record.id)
            if change.expected_hash is not None and (
                    current is None or current.hash != change.expected_hash):
                raise failure
            if profile is None:
                raise failure if guarded else NotFound("No such agent")
            if ((change.expected_epoch is not None
                 and profile.sessionEpoch != change.expected_epoch)
                    or (change.expected_version is not None
                        and profile.version != change.expected_version)):
                raise failure
            if change.keep_session is not None and (
                    session is None or session.epoch != change.expected_epoch):
                raise failure
            if change.consume_recovery is not None and (
                    recovery is None or recovery.codeDigest != change.consume_recovery):
                raise failure
            if (change.consume_challenge is not None
                    and change.consume_challenge not in world.challenges):
                raise failure
            status: PasswordStatus = "temporary" if credential.temporary else "set"
            world.passwords[record.id] = credential
            world.update_agent(
                record.id, passwordStatus=status, updatedAt=now_iso(),
                sessionEpoch=profile.sessionEpoch + 1,
                version=profile.version + (1 if status != record.passwordStatus else 0))
            if session is not None:
                world.sessions[(record.id, session.id)] = session.model_copy(
                    update={"epoch": session.epoch + 1})
            if change.consume_recovery is not None:
                del world.recovery_codes[record.id]
            if change.consume_challenge is not None:
                del world.challenges[change.consume_challenge]
            world.record(audit, messages)

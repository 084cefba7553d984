"""``roster.ports.two_factor`` in memory: the store (the adapter:
``roster.repository.two_factor``) and a seed vault that binds a seed to its agent as
KMS's encryption context does."""

from __future__ import annotations

import base64
from collections.abc import Sequence

from roster import clock
from roster.errors import (
    AccountLocked,
    ConcurrentChange,
    InvalidSession,
    InvalidTwoFactorCode,
    NotFound,
    TooManyAttempts,
    TwoFactorAlreadyEnabled,
    TwoFactorNotEnabled,
)
from roster.models.agent import AgentRecord
from roster.models.audit import AuditEvent
from roster.models.outbox import OutboxMessage
from roster.models.two_factor import BackupCode, TotpCredential, TwoFactorSignIn
from roster.repository import keys
from roster.repository.two_factor import IN_FLIGHT_RETRY_SECONDS, IN_FLIGHT_SECONDS

from support.fakes.world import TwoFactorCount, World, now_iso


class FakeTwoFactorStore:
    def __init__(self, world: World) -> None:
        self.world = world

    def _count(self, agent_id: str) -> TwoFactorCount:
        return self.world.two_factor_counts.setdefault(agent_id, TwoFactorCount())

    def _revoke_backup_codes(self, agent_id: str, source: str | None = None) -> None:
        for key, code in list(self.world.backup_codes.items()):
            if key[0] == agent_id and (source is None or code.source == source):
                del self.world.backup_codes[key]

    def load_two_factor(self, agent_id: str) -> tuple[AgentRecord | None,
                                                      TotpCredential | None]:
        return self.world.agents.get(agent_id), self.world.totp.get(agent_id)

    def load_two_factor_sign_in(self, agent_id: str, challenge_digest: str,
                                backup_digests: Sequence[str] = ()) -> TwoFactorSignIn:
        state = TwoFactorSignIn(challenge=self.world.challenges.get(challenge_digest),
                                record=self.world.agents.get(agent_id),
                                password=self.world.passwords.get(agent_id),
                                totp=self.world.totp.get(agent_id))
        for digest in backup_digests:
            found = self.world.backup_codes.get((agent_id, digest))
            if found is not None:
                state.backup, state.backupDigest = found, digest
        return state

    def start_totp_enrolment(self, agent_id: str, credential: TotpCredential,
                             audit: Sequence[AuditEvent]) -> None:
        with self.world.lock:
            if agent_id not in self.world.agents:
                raise NotFound("No such agent")
            current = self.world.totp.get(agent_id)
            if current is not None and not current.pending:
                raise TwoFactorAlreadyEnabled()
            self.world.totp[agent_id] = credential
            self.world.record(audit)

    def enable_totp(self, record: AgentRecord, enrolment_id: str, step: int,
                    backup_codes: Sequence[tuple[str, BackupCode]],
                    audit: Sequence[AuditEvent], messages: Sequence[OutboxMessage]) -> None:
        world, agent_id = self.world, record.id
        with world.lock:
            current = world.agents.get(agent_id)
            if (current is None or current.twoFactorEnabled
                    or (current.version, current.active) != (record.version, record.active)):
                raise ConcurrentChange("The agent changed meanwhile; try again")
            record = current
            current = world.totp.get(agent_id)
            if current is None or not current.pending or current.enrolmentId != enrolment_id:
                raise InvalidTwoFactorCode("The enrolment was replaced meanwhile; start again")
            world.update_agent(agent_id, twoFactorEnabled=True, twoFactorFailures=0,
                               updatedAt=now_iso(), version=record.version + 1)
            world.totp[agent_id] = current.model_copy(update={
                "pending": False, "lastStep": step, "enabledAt": now_iso(),
                "expiresAt": None})
            for digest, code in backup_codes:
                world.backup_codes[(agent_id, digest)] = code
            world.record(audit, messages)

    def pass_second_factor(self, agent_id: str, *, challenge_digest: str | None,
                           enrolment_id: str, step: int | None = None,
                           backup_digest: str | None = None,
                           audit: Sequence[AuditEvent] = (),
                           messages: Sequence[OutboxMessage] = (),
                           failures_seen: int = 0) -> None:
        world = self.world
        moment = now_iso()
        with world.lock:
            if challenge_digest is not None and challenge_digest not in world.challenges:
                raise InvalidSession()
            record = world.agents.get(agent_id)
            if record is None or record.locked:
                raise AccountLocked()
            credential = world.totp.get(agent_id)
            if step is not None and (credential is None or credential.pending
                                     or credential.enrolmentId != enrolment_id
                                     or credential.lastStep >= step):
                raise InvalidTwoFactorCode()
            backup = (world.backup_codes.get((agent_id, backup_digest))
                      if backup_digest is not None else None)
            if backup_digest is not None and (
                    backup is None or backup.enrolmentId != enrolment_id
                    or backup.usedAt is not None
                    or (backup.expiresAt is not None and backup.expiresAt <= moment)):
                raise InvalidTwoFactorCode()
            if challenge_digest is not None:
                del world.challenges[challenge_digest]
            count = self._count(agent_id)
            if record.twoFactorFailures == failures_seen and count.attempts <= failures_seen + 1:
                world.update_agent(agent_id, twoFactorFailures=0)
                count.attempts = 0
            elif count.attempts > 0:  # others in flight or decided: give back this one only
                count.attempts -= 1
            if step is not None and credential is not None:
                world.totp[agent_id] = credential.model_copy(update={"lastStep": step})
            if backup_digest is not None and backup is not None:
                world.backup_codes[(agent_id, backup_digest)] = backup.model_copy(
                    update={"usedAt": moment})
            world.record(audit, messages)

    def spend_two_factor_attempt(self, agent_id: str, *, max_failures: int) -> None:
        now = clock.epoch(clock.now())
        with self.world.lock:
            record = self.world.agents.get(agent_id)
            count = self._count(agent_id)
            unlocked = record is not None and not record.locked
            if unlocked and count.attempts < max_failures:
                count.attempts, count.at = count.attempts + 1, now
                return
            if (unlocked and record is not None and count.at < now - IN_FLIGHT_SECONDS
                    and record.twoFactorFailures < max_failures):
                # every attempt spent: those of requests that died in flight come back
                count.attempts, count.at = record.twoFactorFailures + 1, now
                return
            if record is not None and record.locked:
                raise AccountLocked()
        raise TooManyAttempts(
            "Other sign-in attempts are being checked; try again in a moment",
            retryAfter=IN_FLIGHT_RETRY_SECONDS)

    def give_back_two_factor_attempt(self, agent_id: str) -> None:
        with self.world.lock:
            count = self._count(agent_id)
            if count.attempts > 0:
                count.attempts -= 1

    def record_two_factor_failure(self, record: AgentRecord, *, max_failures: int,
                                  audit: Sequence[AuditEvent],
                                  on_lock: Sequence[AuditEvent] = (),
                                  lock_messages: Sequence[OutboxMessage] = ()) -> int:
        agent_id = record.id
        with self.world.lock:
            current = self.world.agents.get(agent_id)
            if current is None:
                raise InvalidSession()
            failures = current.twoFactorFailures + 1
            if failures < max_failures:
                self.world.update_agent(agent_id, twoFactorFailures=failures)
                self.world.record(audit)
                return failures
            self.world.update_agent(agent_id, twoFactorFailures=failures, locked=True,
                                    updatedAt=now_iso(), version=current.version + 1)
            if failures == max_failures:
                self.world.record([*audit, *on_lock], lock_messages)
            else:
                self.world.record(audit)
            return failures

    def issue_backup_codes(self, agent_id: str, enrolment_id: str,
                           backup_codes: Sequence[tuple[str, BackupCode]],
                           audit: Sequence[AuditEvent], messages: Sequence[OutboxMessage],
                           *, expected_version: int) -> None:
        with self.world.lock:
            self.world.at_version(agent_id, expected_version)
            credential = self.world.totp.get(agent_id)
            if (credential is None or credential.pending
                    or credential.enrolmentId != enrolment_id):
                raise TwoFactorNotEnabled()
            self._revoke_backup_codes(agent_id, source="admin")
            for digest, code in backup_codes:
                self.world.backup_codes[(agent_id, digest)] = code
            self.world.record(audit, messages)

    def disable_totp(self, record: AgentRecord, *, was_enabled: bool,
                     audit: Sequence[AuditEvent], messages: Sequence[OutboxMessage],
                     enrolment_id: str | None = None, step: int | None = None,
                     expected_version: int | None = None) -> None:
        world, agent_id = self.world, record.id
        with world.lock:
            read_active = record.active
            record = world.at_version(agent_id, expected_version)
            if was_enabled and expected_version is not None and record.active != read_active:
                raise ConcurrentChange("The agent changed meanwhile; try again")
            credential = world.totp.get(agent_id)
            if step is not None and (credential is None or credential.pending
                                     or credential.enrolmentId != enrolment_id
                                     or credential.lastStep >= step):
                raise InvalidTwoFactorCode()
            if was_enabled:
                world.update_agent(agent_id, twoFactorEnabled=False, twoFactorFailures=0,
                                   updatedAt=now_iso(), version=record.version + 1)
                self._count(agent_id).attempts = 0
            world.totp.pop(agent_id, None)
            self._revoke_backup_codes(agent_id)
            world.record(audit, messages)

    def unlock_agent(self, record: AgentRecord, audit: Sequence[AuditEvent]) -> None:
        world = self.world
        with world.lock:
            current = world.at_version(record.id, record.version)
            changes: dict[str, object] = {"locked": False, "twoFactorFailures": 0}
            if record.locked:
                changes.update(updatedAt=now_iso(), version=current.version + 1)
            world.update_agent(record.id, **changes)
            self._count(record.id).attempts = 0
            subject = keys.agent_subject(record.id)
            for key in [key for key in world.throttles if key[0] == subject]:
                del world.throttles[key]
            world.record(audit)


class FakeSeedVault:
    """A sealed seed names its agent: opened for another, it fails as KMS would."""

    def seal(self, agent_id: str, secret: str) -> str:
        return base64.b64encode(f"{agent_id}\n{secret}".encode()).decode()

    def open(self, agent_id: str, sealed: str) -> str:
        owner, _, secret = base64.b64decode(sealed).decode().partition("\n")
        if owner != agent_id:
            raise ValueError("sealed for another agent")
        return secret

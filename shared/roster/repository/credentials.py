"""Passwords and recovery codes in the table (a mixin of ``DynamoRepository``).

Every change of password is one transaction: the password item, the profile (status,
session epoch: the 'revoke every session' write), whatever it consumes (a recovery code
or a sign-in challenge, each with a condition so that it is used once), the throttles it
clears, and its audit events and outbox messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from roster import clock
from roster.errors import ConcurrentChange, NotFound, RosterError
from roster.models.agent import AgentRecord, PasswordStatus
from roster.models.audit import AuditEvent
from roster.models.credentials import PasswordCredential, SessionRecord
from roster.models.outbox import OutboxMessage
from roster.ports.credentials import NOBODY, PasswordChange
from roster.repository import keys
from roster.repository.agents import attribute_moves
from roster.repository.base import StoreBase, ttl_of
from roster.repository.table import (
    ConditionFailed,
    Item,
    Key,
    TxOp,
    delete,
    put,
    update,
)

# Read in place of the profile for an unknown login: an inactive agent's profile, in no
# index (no list or search shows it), so the read returns as much as a known login's.
DECOY_PROFILE: Key = {"pk": "DECOY", "sk": keys.PROFILE}
HOUR_SECONDS = 3600

if TYPE_CHECKING:
    # Loaded on first use: only password recovery builds it.
    from roster.models.passwords import RecoveryCode


class RecoveryRequestDropped(RosterError):
    """Internal: the hourly limit (or a concurrent request) dropped a recovery request."""

    code, title = "recovery_request_dropped", "Recovery request dropped"


class CredentialStore(StoreBase):
    """Passwords, recovery codes and their throttles (a mixin of ``DynamoRepository``)."""

    # ------------------------------------------------------------------ reads
    @staticmethod
    def profile_key(agent_id: str) -> Key:
        """Where an agent's profile is read from: for ``NOBODY``, ``DECOY_PROFILE``."""
        return DECOY_PROFILE if agent_id == NOBODY else keys.agent(agent_id)

    def write_decoy_profile(self) -> None:
        """Write ``DECOY_PROFILE`` (the installation does, before any sign-in)."""
        self.table.put(decoy_profile())

    def profile_read(self, agent_id: str, item: Item | None) -> AgentRecord | None:
        """The profile ``item`` read at ``profile_key(agent_id)`` (``None`` for nobody: the
        decoy is validated all the same, the same work; written the first time it is
        missing)."""
        if item is None:
            if agent_id == NOBODY:  # the installation writes it; heal a table without it
                self.write_decoy_profile()
            return None
        record = AgentRecord.model_validate(item)
        return None if agent_id == NOBODY else record


    def load_credentials(self, agent_id: str) -> tuple[AgentRecord | None,
                                                       PasswordCredential | None]:
        """Profile and password credential in one ``BatchGetItem``."""
        record: AgentRecord | None = None
        credential: PasswordCredential | None = None
        for item in self.table.batch_get([keys.agent(agent_id), keys.password(agent_id)]):
            if item["sk"] == keys.PROFILE:
                record = AgentRecord.model_validate(item)
            else:
                credential = PasswordCredential.model_validate(item)
        return record, credential

    def load_password_change(self, agent_id: str, session_id: str) -> tuple[
            AgentRecord | None, SessionRecord | None, PasswordCredential | None]:
        """Profile, the caller's session and the credential: one read."""
        wanted = {
            keys.PROFILE: "profile",
            keys.session(agent_id, session_id)["sk"]: "session",
            keys.password(agent_id)["sk"]: "password",
        }
        found: dict[str, Item] = {}
        for item in self.table.batch_get([
            keys.agent(agent_id), keys.session(agent_id, session_id), keys.password(agent_id),
        ]):
            found[wanted[str(item["sk"])]] = item
        return (
            AgentRecord.model_validate(found["profile"]) if "profile" in found else None,
            SessionRecord.model_validate(found["session"]) if "session" in found else None,
            PasswordCredential.model_validate(found["password"]) if "password" in found
            else None,
        )

    def load_recovery_target(self, login: str) -> tuple[AgentRecord | None,
                                                         RecoveryCode | None]:
        """The agent a login names and its live recovery code: two round trips, known
        login or not (an unknown one reads the same items of an agent that cannot exist)."""
        from roster.models.passwords import RecoveryCode

        guard = self.table.get(keys.login_guard(login))
        agent_id = str(guard["agentId"]) if guard else NOBODY
        profile: Item | None = None
        code: RecoveryCode | None = None
        for item in self.table.batch_get([self.profile_key(agent_id),
                                          keys.recovery_code(agent_id)]):
            if item["sk"] == keys.PROFILE:
                profile = item
            else:
                code = RecoveryCode.model_validate(item)
        return self.profile_read(agent_id, profile), code

    def find_agent_or_nobody(self, login: str) -> str:
        guard = self.table.get(keys.login_guard(login))
        return str(guard["agentId"]) if guard else NOBODY

    # ------------------------------------------------------------------ recovery codes
    def issue_recovery_code(
        self,
        *,
        login: str,
        found_id: str | None,
        limit: int,
        agent_id: str,
        code: RecoveryCode,
        previous: RecoveryCode | None,
        message: OutboxMessage,
        deliver: bool,
        audit: Sequence[AuditEvent],
    ) -> bool:
        """Count the request (per agent ``found_id``, else per ``login`` string) and,
        within the hourly limit, store the code and its message.

        One transaction of the same shape whatever the login: the atomic counter
        (conditional on the limit, so an extra request cancels everything and is
        dropped), the code, the message and the audit event. When the code is not to be
        delivered (unknown login, no such channel) the code and the message are written
        as decoys that nothing reads or sends (``agent_id`` is then ``NOBODY``'s), so the
        answer takes as long as for a known login. The try count is kept while the code
        being replaced is still live, and starts over once it has expired (the condition
        on the old expiry makes that decision race-free). False when the request was
        dropped.
        """
        moment = clock.now()
        hour = moment.strftime("%Y%m%d%H")
        scope = (f"AGENT#{found_id}" if found_id is not None
                 else f"LOGIN#{keys.normal_login(login)}")
        operations: list[TxOp] = [update(
            keys.recovery_requests(scope, hour),
            "ADD requests :one SET #ttl = :ttl",
            condition="attribute_not_exists(requests) OR requests < :limit",
            names={"#ttl": "ttl"},
            values={":one": 1, ":limit": limit, ":ttl": ttl_of(moment) + 2 * HOUR_SECONDS},
            on_condition_failure=RecoveryRequestDropped(),
        )]
        values: dict[str, object] = {
            ":digest": code.codeDigest, ":expires": code.expiresAt,
            ":channel": code.channel, ":zero": 0,
            ":ttl": ttl_of(code.expiresAt),
        }
        live = deliver and previous is not None and previous.expiresAt > clock.iso(moment)
        attempts = "if_not_exists(attempts, :zero)" if live else ":zero"
        condition = None
        if deliver and previous is None:
            condition = "attribute_not_exists(pk)"
        elif deliver and not live and previous is not None:
            condition = "expiresAt = :previous"
            values[":previous"] = previous.expiresAt
        operations.append(update(
            keys.recovery_code(agent_id),
            "SET codeDigest = :digest, expiresAt = :expires, channel = :channel, "
            f"#ttl = :ttl, attempts = {attempts}",
            condition=condition, names={"#ttl": "ttl"}, values=values,
            on_condition_failure=RecoveryRequestDropped(),
        ))
        if deliver:
            operations += self.side_effects(audit, [message])
        else:
            decoy = self.outbox_item(message)
            decoy.update(pk=f"DECOY#{message.id}", sk="DECOY", type="decoy",
                         ttl=ttl_of(moment) + HOUR_SECONDS)
            operations += [put(decoy), *self.side_effects(audit)]
        try:
            self.table.transact(operations)
        except (RecoveryRequestDropped, ConcurrentChange):
            return False
        return True

    def try_recovery_code(self, agent_id: str, *, max_attempts: int) -> RecoveryCode | None:
        """Spend one try of the agent's live code, atomically, before the code is compared.

        ``None`` when there is no code, it has expired or its tries are used up. Counting
        first means concurrent guesses cannot get more than ``max_attempts`` comparisons.
        """
        from roster.models.passwords import RecoveryCode

        try:
            item = self.table.update(
                keys.recovery_code(agent_id),
                "ADD attempts :one",
                condition="attribute_exists(pk) AND expiresAt > :now AND "
                          "(attribute_not_exists(attempts) OR attempts < :max)",
                values={":one": 1, ":now": clock.iso(clock.now()), ":max": max_attempts},
            )
        except ConditionFailed:
            return None
        return RecoveryCode.model_validate(item)

    # ------------------------------------------------------------------ password changes
    @staticmethod
    def password_profile_op(record: AgentRecord, status: PasswordStatus, *,
                            expected_epoch: int | None, failure: RosterError | None,
                            expected_version: int | None = None) -> TxOp:
        """Profile: the new ``passwordStatus`` and the session epoch moved on (every
        session issued before dies); ``version`` moves when the resource changes."""
        adds = "sessionEpoch :one" + (", version :one" if status != record.passwordStatus
                                      else "")
        condition = "attribute_exists(pk)"
        values: dict[str, object] = {":status": status, ":now": clock.iso(clock.now()),
                                     ":one": 1}
        if expected_epoch is not None:
            condition += " AND sessionEpoch = :epoch"
            values[":epoch"] = expected_epoch
        if expected_version is not None:
            condition += " AND version = :expectedVersion"
            values[":expectedVersion"] = expected_version
        return update(keys.agent(record.id),
                      f"SET passwordStatus = :status, updatedAt = :now ADD {adds}",
                      condition=condition, values=values,
                      on_condition_failure=failure or NotFound("No such agent"))

    def replace_password(self, record: AgentRecord, credential: PasswordCredential,
                         change: PasswordChange, *, audit: Sequence[AuditEvent],
                         messages: Sequence[OutboxMessage] = ()) -> None:
        """Write the new credential with everything the change guards, in one transaction."""
        failure = change.failure or ConcurrentChange("The password changed meanwhile")
        status: PasswordStatus = "temporary" if credential.temporary else "set"
        item = self.password_item(record.id, credential)
        operations: list[TxOp] = [
            put(item, condition="#hash = :old", names={"#hash": "hash"},
                values={":old": change.expected_hash}, on_condition_failure=failure)
            if change.expected_hash is not None else put(item),
            self.password_profile_op(record, status, expected_epoch=change.expected_epoch,
                                     expected_version=change.expected_version,
                                     failure=failure if change.expected_epoch is not None
                                     or change.expected_version is not None else None),
        ]
        if status != record.passwordStatus:  # its listing partition follows
            operations += attribute_moves(record, passwordStatus=status)
        if change.keep_session is not None:
            assert change.expected_epoch is not None
            operations.append(update(
                keys.session(record.id, change.keep_session), "SET epoch = :new",
                condition="attribute_exists(pk) AND epoch = :old",
                values={":new": change.expected_epoch + 1, ":old": change.expected_epoch},
                on_condition_failure=failure,
            ))
        if change.consume_recovery is not None:
            operations.append(delete(keys.recovery_code(record.id),
                                     condition="codeDigest = :digest",
                                     values={":digest": change.consume_recovery},
                                     on_condition_failure=failure))
        if change.consume_challenge is not None:
            operations.append(delete(keys.challenge(change.consume_challenge),
                                     condition="attribute_exists(pk)",
                                     on_condition_failure=failure))
        operations += self.side_effects(audit, messages)
        self.table.transact(operations)


def decoy_profile() -> Item:
    """``DECOY_PROFILE``'s item: an inactive agent of the usual size, no index keys."""
    stamp = clock.iso(clock.now())
    record = AgentRecord(
        id=NOBODY, account="decoy.profile", email="decoy.profile@invalid.example",
        firstName="Decoy", lastName="Profile", alias="Decoy Profile", active=False,
        phone="+4712345678", mobilePhone="+4798765432", roles=["agent"], queues=["decoy"],
        skills=[{"skillId": "decoy", "level": 3}], groupId="decoy", title="Decoy",
        passwordStatus="set", createdAt=stamp, updatedAt=stamp)
    return {**DECOY_PROFILE, "type": "decoy", **record.model_dump(mode="json")}

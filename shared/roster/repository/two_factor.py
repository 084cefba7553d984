"""Two-factor items: the encrypted TOTP seed, backup codes, the 2FA failure counter.

Every "exactly once" here is a condition: a time step is accepted only if it is later
than the last accepted one, a backup code is used by the delete that still finds it,
and the failure counter is an atomic ``ADD`` whose limit-reaching increment also locks.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from typing import TYPE_CHECKING

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
from roster.models.credentials import Challenge, PasswordCredential
from roster.models.outbox import OutboxMessage
from roster.repository import keys
from roster.repository.agents import attribute_moves
from roster.repository.base import StoreBase, ttl_of
from roster.repository.table import (
    TRANSACT_LIMIT,
    ConditionFailed,
    Expression,
    Item,
    Key,
    TxOp,
    check,
    delete,
    put,
    put_new,
    update,
)

# A guess is compared within a request; a spent attempt older than this whose request
# never decided it (the function died) is taken back.
IN_FLIGHT_SECONDS = 30
IN_FLIGHT_RETRY_SECONDS = 1
# A used backup code is kept (marked used) this long: presented again meanwhile, it is
# known as one another request used first (a lost race, not a wrong guess).
USED_BACKUP_CODE_RETENTION_SECONDS = 30 * 86400

if TYPE_CHECKING:
    # Loaded on first use (below): only the two-factor paths build these models.
    from roster.models.two_factor import (
        BackupCode,
        BackupCodeSource,
        TotpCredential,
        TwoFactorSignIn,
    )


class _GuessesInFlight(ConcurrentChange):
    """A right code answered while other guesses are in flight or decided since it was
    read: the counts are not reset (the caller retries giving back its attempt only)."""


class _NothingToGiveBack(ConcurrentChange):
    """The counts were reset (an unlock) since this attempt was spent."""


class _NotTheLock(ConcurrentChange):
    """The locking write found the agent other than it was read (already locked, another
    count): the failure is counted again from what is there now."""


LOCK_ROUNDS = 5  # locking writes re-read and tried again at most this often


class TwoFactorStore(StoreBase):
    """Mixin of ``DynamoRepository``: two-factor operations on the single table."""

    # ------------------------------------------------------------------ items
    @staticmethod
    def totp_item(agent_id: str, credential: TotpCredential) -> Item:
        item: Item = {**keys.totp(agent_id), "type": "totp",
                      **credential.model_dump(mode="json", exclude_none=True)}
        if credential.expiresAt:
            item["ttl"] = ttl_of(credential.expiresAt)
        return item

    @staticmethod
    def backup_code_item(agent_id: str, code_digest: str, code: BackupCode) -> Item:
        item: Item = {**keys.backup_code(agent_id, code_digest), "type": "backup",
                      **code.model_dump(mode="json", exclude_none=True)}
        if code.expiresAt:
            item["ttl"] = ttl_of(code.expiresAt)
        return item

    # ------------------------------------------------------------------ reads
    def load_two_factor(self, agent_id: str) -> tuple[AgentRecord | None, TotpCredential | None]:
        """The profile and the TOTP credential (one ``BatchGetItem``)."""
        from roster.models.two_factor import TotpCredential

        record: AgentRecord | None = None
        credential: TotpCredential | None = None
        for item in self.table.batch_get([keys.agent(agent_id), keys.totp(agent_id)]):
            if item["sk"] == keys.PROFILE:
                record = AgentRecord.model_validate(item)
            else:
                credential = TotpCredential.model_validate(item)
        return record, credential

    def load_two_factor_sign_in(self, agent_id: str, challenge_digest: str,
                                backup_digests: Sequence[str] = ()) -> TwoFactorSignIn:
        """Challenge, profile, password, TOTP credential and the presented backup code's
        item (looked up by each of ``backup_digests``: the digest key's current and
        previous versions) in one ``BatchGetItem``."""
        wanted: list[Key] = [keys.challenge(challenge_digest), keys.agent(agent_id),
                             keys.password(agent_id), keys.totp(agent_id)]
        backups = {keys.backup_code(agent_id, digest)["sk"]: digest
                   for digest in backup_digests}
        wanted += [keys.backup_code(agent_id, digest) for digest in backup_digests]
        from roster.models.two_factor import BackupCode, TotpCredential, TwoFactorSignIn

        state = TwoFactorSignIn()
        for item in self.table.batch_get(wanted):
            sk = str(item["sk"])
            if item["pk"] == wanted[0]["pk"]:
                state.challenge = Challenge.model_validate(item)
            elif sk == keys.PROFILE:
                state.record = AgentRecord.model_validate(item)
            elif sk == wanted[2]["sk"]:
                state.password = PasswordCredential.model_validate(item)
            elif sk == wanted[3]["sk"]:
                state.totp = TotpCredential.model_validate(item)
            elif sk in backups:
                state.backup = BackupCode.model_validate(item)
                state.backupDigest = backups[sk]
        return state

    def backup_code_keys(self, agent_id: str,
                         source: BackupCodeSource | None = None) -> list[Key]:
        """Keys of the agent's backup codes (of one ``source`` when given)."""
        condition = Expression(
            "pk = :pk AND begins_with(sk, :prefix)",
            values={":pk": keys.agent_partition(agent_id), ":prefix": keys.BACKUP_PREFIX},
        )
        filter_expression = None
        if source is not None:
            condition.names["#source"] = "source"
            condition.values[":source"] = source
            filter_expression = "#source = :source"
        found: list[Key] = []
        start: Key | None = None
        while True:
            items, start = self.table.query(condition, start_key=start, consistent=True,
                                            filter_expression=filter_expression)
            found += [{"pk": str(item["pk"]), "sk": str(item["sk"])} for item in items]
            if start is None:
                return found

    # ------------------------------------------------------------------ enrolment
    def start_totp_enrolment(self, agent_id: str, credential: TotpCredential,
                             audit: Sequence[AuditEvent]) -> None:
        """Store a pending seed, replacing a pending one, never an enabled one."""
        self.table.transact([
            check(keys.agent(agent_id), "attribute_exists(pk)",
                  on_condition_failure=NotFound("No such agent")),
            put(self.totp_item(agent_id, credential),
                condition="attribute_not_exists(pk) OR pending = :true",
                values={":true": True}, on_condition_failure=TwoFactorAlreadyEnabled()),
            *self.side_effects(audit),
        ])

    def enable_totp(self, record: AgentRecord, enrolment_id: str, step: int,
                    backup_codes: Sequence[tuple[str, BackupCode]],
                    audit: Sequence[AuditEvent], messages: Sequence[OutboxMessage]) -> None:
        """Turn the pending enrolment on, with its backup codes and the agent's
        ``twoFactorEnabled`` listing item moved, in one transaction, while the agent is
        still as read (``version``, ``active``: the item carries ``active``; else
        ``ConcurrentChange``, and the caller reads it again)."""
        agent_id = record.id
        moment = clock.iso(clock.now())
        self.table.transact([
            update(keys.agent(agent_id),
                   "SET twoFactorEnabled = :true, twoFactorFailures = :zero, "
                   "updatedAt = :at ADD version :one",
                   condition="attribute_exists(pk) AND version = :version AND "
                             "active = :active AND (attribute_not_exists(twoFactorEnabled)"
                             " OR twoFactorEnabled = :false)",
                   values={":true": True, ":false": False, ":zero": 0, ":at": moment,
                           ":one": 1, ":version": record.version, ":active": record.active},
                   on_condition_failure=ConcurrentChange(
                       "The agent changed meanwhile; try again")),
            update(keys.totp(agent_id),
                   "SET pending = :false, lastStep = :step, enabledAt = :at "
                   "REMOVE expiresAt, #ttl",
                   condition="pending = :true AND enrolmentId = :enrolment",
                   names={"#ttl": "ttl"},
                   values={":false": False, ":step": step, ":at": moment, ":true": True,
                           ":enrolment": enrolment_id},
                   on_condition_failure=InvalidTwoFactorCode(
                       "The enrolment was replaced meanwhile; start again")),
            *[put_new(self.backup_code_item(agent_id, code_digest, code))
              for code_digest, code in backup_codes],
            *attribute_moves(record, twoFactorEnabled=True),
            *self.side_effects(audit, messages),
        ])

    # ------------------------------------------------------------------ codes
    def pass_second_factor(self, agent_id: str, *, challenge_digest: str | None,
                           enrolment_id: str, step: int | None = None,
                           backup_digest: str | None = None,
                           audit: Sequence[AuditEvent] = (),
                           messages: Sequence[OutboxMessage] = (),
                           failures_seen: int = 0) -> None:
        """Accept a TOTP ``step`` or use up a backup code (marked used).

        One transaction: the challenge is used up (``401 invalid_session`` if another
        answer took it), the account must not be locked (``423``), and the step must be
        later than the last accepted one / the backup code must still be there, unexpired
        and of this enrolment (``InvalidTwoFactorCode``, which the caller counts).

        The counts are reset only while no other guess is in flight (the failures are
        still ``failures_seen``, as read before this attempt was spent, and this attempt
        is the only one spent beyond them); otherwise this attempt alone is given back, so
        a right code cannot free the attempts that concurrent wrong guesses hold.
        """
        key = keys.agent(agent_id)
        unlocked = "attribute_exists(pk) AND (attribute_not_exists(locked) OR locked = :false)"
        failures = ("(attribute_not_exists(twoFactorFailures) OR twoFactorFailures = :seen)"
                    if failures_seen == 0 else "twoFactorFailures = :seen")
        forgive = update(
            key, "SET twoFactorFailures = :zero, twoFactorAttempts = :zero",
            condition=f"{unlocked} AND {failures} AND (attribute_not_exists("
                      "twoFactorAttempts) OR twoFactorAttempts <= :spent)",
            values={":zero": 0, ":false": False, ":seen": failures_seen,
                    ":spent": failures_seen + 1},
            on_condition_failure=_GuessesInFlight())
        give_back = update(
            key, "SET twoFactorAttempts = twoFactorAttempts - :one",
            condition=f"{unlocked} AND twoFactorAttempts > :zero",
            values={":zero": 0, ":one": 1, ":false": False},
            on_condition_failure=_NothingToGiveBack())
        # An unlock between the spend and now reset the counts: nothing to give back.
        unlocked_only = check(key, unlocked, values={":false": False},
                              on_condition_failure=AccountLocked())
        answer = (agent_id, challenge_digest, enrolment_id, step, backup_digest, audit,
                  messages)
        try:
            self._pass_second_factor(*answer, forgive)
            return
        except _GuessesInFlight:
            pass
        try:
            self._pass_second_factor(*answer, give_back)
        except _NothingToGiveBack:
            self._pass_second_factor(*answer, unlocked_only)

    def _pass_second_factor(self, agent_id: str, challenge_digest: str | None,
                            enrolment_id: str, step: int | None, backup_digest: str | None,
                            audit: Sequence[AuditEvent], messages: Sequence[OutboxMessage],
                            profile: TxOp) -> None:
        """One try of ``pass_second_factor`` with ``profile`` as the counts' operation."""
        operations: list[TxOp] = []
        if challenge_digest is not None:
            operations.append(delete(keys.challenge(challenge_digest),
                                     condition="attribute_exists(pk)",
                                     on_condition_failure=InvalidSession()))
        operations.append(profile)
        if step is not None:
            operations.append(update(
                keys.totp(agent_id), "SET lastStep = :step",
                condition="enrolmentId = :enrolment AND pending = :false AND lastStep < :step",
                values={":step": step, ":enrolment": enrolment_id, ":false": False},
                on_condition_failure=InvalidTwoFactorCode()))
        if backup_digest is not None:
            moment = clock.now()
            operations.append(update(
                keys.backup_code(agent_id, backup_digest),
                "SET usedAt = :now, #ttl = :ttl",
                condition="enrolmentId = :enrolment AND attribute_not_exists(usedAt) AND "
                          "(attribute_not_exists(expiresAt) OR expiresAt > :now)",
                names={"#ttl": "ttl"},
                values={":enrolment": enrolment_id, ":now": clock.iso(moment),
                        ":ttl": ttl_of(moment) + USED_BACKUP_CODE_RETENTION_SECONDS},
                on_condition_failure=InvalidTwoFactorCode()))
        self.table.transact([*operations, *self.side_effects(audit, messages)])

    def spend_two_factor_attempt(self, agent_id: str, *, max_failures: int) -> None:
        """Spend one 2FA attempt, atomically, before the code is compared.

        ``twoFactorAttempts`` counts the guesses since the last success: those decided
        wrong (``twoFactorFailures``) and those still being compared. Spending is a
        conditional ``ADD`` (not locked, fewer than ``max_failures`` spent), so N
        concurrent guesses never get more comparisons than the limit leaves. A refused
        spend is ``423 account_locked`` once the lock is decided, else ``429
        too_many_attempts`` (the remaining attempts are held by guesses in flight).
        Attempts left in flight by a request that died are taken back once no guess has
        been spent for ``IN_FLIGHT_SECONDS`` (nothing stays blocked for good).
        """
        key = keys.agent(agent_id)
        now = clock.epoch(clock.now())
        unlocked = "attribute_exists(pk) AND (attribute_not_exists(locked) OR locked = :false)"
        values: dict[str, object] = {":one": 1, ":false": False, ":now": now,
                                     ":limit": max_failures}
        try:
            self.table.update(
                key, "ADD twoFactorAttempts :one SET twoFactorAttemptAt = :now",
                condition=f"{unlocked} AND (attribute_not_exists(twoFactorAttempts) "
                          "OR twoFactorAttempts < :limit)",
                values=values)
            return
        except ConditionFailed:
            pass
        try:  # every attempt is spent: recover those of requests that died in flight
            self.table.update(
                key, "SET twoFactorAttempts = if_not_exists(twoFactorFailures, :zero) + :one, "
                     "twoFactorAttemptAt = :now",
                condition=f"{unlocked} AND twoFactorAttemptAt < :stale AND "
                          "(attribute_not_exists(twoFactorFailures) OR "
                          "twoFactorFailures < :limit)",
                values={**values, ":zero": 0, ":stale": now - IN_FLIGHT_SECONDS},
                return_old_on_failure=True)
            return
        except ConditionFailed as error:
            current = error.item or self.table.get(key) or {}
        if current.get("locked"):
            raise AccountLocked()
        raise TooManyAttempts(
            "Other sign-in attempts are being checked; try again in a moment",
            retryAfter=IN_FLIGHT_RETRY_SECONDS)

    def give_back_two_factor_attempt(self, agent_id: str) -> None:
        """Return an attempt spent on a guess that lost a race for a single-use code."""
        with suppress(ConditionFailed):
            self.table.update(keys.agent(agent_id), "ADD twoFactorAttempts :minus",
                                 condition="twoFactorAttempts > :zero",
                                 values={":minus": -1, ":zero": 0})

    def record_two_factor_failure(self, record: AgentRecord, *, max_failures: int,
                                  audit: Sequence[AuditEvent],
                                  on_lock: Sequence[AuditEvent] = (),
                                  lock_messages: Sequence[OutboxMessage] = ()) -> int:
        """Count one wrong code atomically and return the new count.

        Below the limit it is a plain conditional ``ADD`` (one write, as ever). The
        increment that reaches the limit (and any after it) fails that condition and is
        made by ``_count_locked``, which sets ``locked`` in the same write, so the count
        and the lock never disagree and concurrent wrong codes are each counted exactly
        once.
        """
        try:
            item = self.table.update(
                keys.agent(record.id), "ADD twoFactorFailures :one",
                condition="attribute_exists(pk) AND (attribute_not_exists(twoFactorFailures) "
                          "OR twoFactorFailures < :last)",
                values={":one": 1, ":last": max_failures - 1},
            )
            failures = int(item["twoFactorFailures"])
        except ConditionFailed:
            failures = self._count_locked(record, seen=max_failures - 1)
        locked_now = failures == max_failures
        events = [*audit, *on_lock] if locked_now else list(audit)
        self.record_events(events, lock_messages if locked_now else ())
        return failures

    def _count_locked(self, record: AgentRecord, *, seen: int) -> int:
        """Count a failure at or past the limit, locking (the count after it).

        The agent still unlocked with ``seen`` failures: one transaction sets ``locked``,
        counts, and moves its ``REF#locked#`` listing item. Already locked: a plain
        ``ADD`` (nothing moves). Neither (an unlock, a lowered limit, a rename raced it):
        the profile is read again and the transaction retried on what is there.
        """
        key = keys.agent(record.id)
        for _ in range(LOCK_ROUNDS):
            if not record.locked:
                counted = ("twoFactorFailures = :seen" if seen else
                           "(attribute_not_exists(twoFactorFailures) OR twoFactorFailures = :seen)")
                # _NotTheLock, or another transaction on the profile meanwhile: read again
                with suppress(ConcurrentChange):
                    self.table.transact([
                        update(key, "SET locked = :true, updatedAt = :at "
                                    "ADD twoFactorFailures :one, version :one",
                               condition="attribute_exists(pk) AND (attribute_not_exists(locked) "
                                         f"OR locked = :false) AND {counted} AND "
                                         "#account = :account AND active = :active",
                               names={"#account": "account"},
                               values={":true": True, ":false": False, ":one": 1,
                                       ":seen": seen, ":account": record.account,
                                       ":active": record.active,
                                       ":at": clock.iso(clock.now())},
                               on_condition_failure=_NotTheLock()),
                        *attribute_moves(record, locked=True),
                    ])
                    return seen + 1
            else:
                with suppress(ConditionFailed):
                    item = self.table.update(
                        key, "SET updatedAt = :at ADD twoFactorFailures :one, version :one",
                        condition="attribute_exists(pk) AND locked = :true",
                        values={":true": True, ":one": 1, ":at": clock.iso(clock.now())})
                    return int(item["twoFactorFailures"])
            current = self.table.get(key)
            if current is None:
                raise InvalidSession()
            record = AgentRecord.model_validate(current)
            seen = record.twoFactorFailures
        raise ConcurrentChange("The agent changed meanwhile; try again")

    # ------------------------------------------------------------------ admin
    def issue_backup_codes(self, agent_id: str, enrolment_id: str,
                           backup_codes: Sequence[tuple[str, BackupCode]],
                           audit: Sequence[AuditEvent],
                           messages: Sequence[OutboxMessage], *,
                           expected_version: int) -> None:
        """New codes in, the earlier admin-issued ones out (the agent's own stay), while
        2FA is on with this enrolment and the agent is at ``expected_version``."""
        revoke = self.backup_code_keys(agent_id, source="admin")
        self.table.transact([
            self.at_version_op(agent_id, expected_version),
            check(keys.totp(agent_id), "enrolmentId = :enrolment AND pending = :false",
                  values={":enrolment": enrolment_id, ":false": False},
                  on_condition_failure=TwoFactorNotEnabled()),
            *[delete(key) for key in revoke],
            *[put_new(self.backup_code_item(agent_id, code_digest, code))
              for code_digest, code in backup_codes],
            *self.side_effects(audit, messages),
        ])

    def disable_totp(self, record: AgentRecord, *, was_enabled: bool,
                     audit: Sequence[AuditEvent], messages: Sequence[OutboxMessage],
                     enrolment_id: str | None = None, step: int | None = None,
                     expected_version: int | None = None) -> None:
        """2FA off: the seed and every backup code gone, the profile flag and count reset.

        With ``step`` (the agent's own request) the seed is deleted only if that code's
        step is later than the last accepted one, so a replayed code cannot do it; with
        ``expected_version`` (an administrator's reset, the agent's own request) only while
        the agent is at it, as active as read. The agent's ``twoFactorEnabled`` listing
        item, derived from ``record``, moves in the same transaction.
        """
        agent_id = record.id
        revoke = self.backup_code_keys(agent_id)
        operations: list[TxOp] = []
        if was_enabled:
            condition, values = self.version_condition(expected_version)
            if expected_version is not None:  # the moved item carries ``active``
                condition += " AND active = :active"
                values[":active"] = record.active
            operations.append(update(
                keys.agent(agent_id),
                "SET twoFactorEnabled = :false, twoFactorFailures = :zero, "
                "twoFactorAttempts = :zero, updatedAt = :at ADD version :one",
                condition=condition,
                values={":false": False, ":zero": 0, ":at": clock.iso(clock.now()), ":one": 1,
                        **values},
                on_condition_failure=self.version_failure(expected_version)))
            operations += attribute_moves(record, twoFactorEnabled=False)
        else:
            operations.append(self.at_version_op(agent_id, expected_version))
        if step is not None:
            operations.append(delete(
                keys.totp(agent_id),
                condition="enrolmentId = :enrolment AND pending = :false AND lastStep < :step",
                values={":enrolment": enrolment_id, ":false": False, ":step": step},
                on_condition_failure=InvalidTwoFactorCode()))
        else:
            operations.append(delete(keys.totp(agent_id)))
        operations += [delete(key) for key in revoke]
        self.table.transact([*operations, *self.side_effects(audit, messages)])

    def unlock_agent(self, record: AgentRecord, audit: Sequence[AuditEvent]) -> None:
        """Clear the 2FA lock and counts (moving the ``REF#locked#`` listing item), and
        every password throttle of the agent's sign-in (from every source)."""
        expression = "SET locked = :false, twoFactorFailures = :zero, twoFactorAttempts = :zero"
        values: dict[str, object] = {":false": False, ":zero": 0}
        if record.locked:
            expression += ", updatedAt = :at ADD version :one"
            values.update({":at": clock.iso(clock.now()), ":one": 1})
        condition, expected = self.version_condition(record.version)
        throttles = self.sign_in_throttle_keys(record.id)
        moves = attribute_moves(record, locked=False)  # its ``REF#locked#`` item
        room = TRANSACT_LIMIT - 1 - len(moves) - len(audit)
        self.table.transact([
            update(keys.agent(record.id), expression, condition=condition,
                   values={**values, **expected},
                   on_condition_failure=self.version_failure(record.version)),
            *moves,
            *[delete(key) for key in throttles[:room]],
            *self.side_effects(audit),
        ])
        if throttles[room:]:  # a great many sources: the rest right after
            self.table.batch_write(deletes=throttles[room:])

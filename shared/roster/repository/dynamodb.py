"""The DynamoDB implementation of the repository: the only code that knows the table.

Each public method is one domain operation and makes the fewest round trips its job
allows; uniqueness claims, single-use secrets and counters are conditional writes.
"""

from __future__ import annotations

from collections.abc import Sequence

from roster import clock
from roster.errors import (
    AccountTaken,
    ConcurrentChange,
    EmailTaken,
    ExternalIdTaken,
    NumericIdTaken,
    ValidationFailed,
)
from roster.models.agent import AgentRecord, reference_values
from roster.models.audit import AuditEvent
from roster.models.credentials import (
    Challenge,
    PasswordCredential,
    SessionRecord,
    SignInState,
    SignInThrottles,
)
from roster.models.outbox import OutboxMessage
from roster.ports.credentials import NOBODY
from roster.ports.imports import RowMark
from roster.repository import keys
from roster.repository.agents import AgentStore
from roster.repository.base import ttl_of
from roster.repository.catalog import CatalogStore, public
from roster.repository.cleanup import ExpiryStore
from roster.repository.credentials import CredentialStore
from roster.repository.email_change import EmailChangeStore
from roster.repository.imports import ImportStore
from roster.repository.password_attempts import PasswordAttemptStore
from roster.repository.provisioning import ProvisioningTokenStore
from roster.repository.table import (
    TRANSACT_LIMIT,
    ConditionFailed,
    Item,
    Table,
    TxOp,
    delete,
    put,
    put_new,
    update,
)
from roster.repository.two_factor import TwoFactorStore

SESSION_PREVIOUS_DIGESTS = 20


class DynamoRepository(ExpiryStore, EmailChangeStore, AgentStore, CatalogStore, CredentialStore,
                       TwoFactorStore, PasswordAttemptStore, ImportStore,
                       ProvisioningTokenStore):
    """Every area's store on one table (``StoreBase`` gives them the table and the
    audit/outbox side effects; a store that builds on another's items inherits it)."""

    def __init__(self, table: Table) -> None:
        self.table = table

    # ------------------------------------------------------------------ outbox
    def claim_outbox(self, message_id: str, *, stale_after_seconds: int = 120) -> int | None:
        """Take a message for sending and count the attempt, in one conditional write; a
        claim older than ``stale_after_seconds`` is considered abandoned (the sender died:
        that attempt stays counted) and may be taken again."""
        moment = clock.now()
        try:
            item = self.table.update(
                keys.outbox(message_id),
                "SET #status = :sending, claimedAt = :now ADD attempts :one",
                condition="attribute_exists(pk) AND (#status = :pending OR "
                          "(#status = :sending AND claimedAt < :stale))",
                names={"#status": "status"},
                values={":sending": "sending", ":pending": "pending", ":one": 1,
                        ":now": clock.epoch(moment),
                        ":stale": clock.epoch(moment) - stale_after_seconds},
            )
        except ConditionFailed:
            return None
        return int(item["attempts"])

    def release_outbox(self, message_id: str, *, attempt_counts: bool = True) -> None:
        values: dict[str, object] = {":pending": "pending"}
        if not attempt_counts:
            values[":minus_one"] = -1
        self.table.update(keys.outbox(message_id),
                          "SET #status = :pending" + ("" if attempt_counts
                                                      else " ADD attempts :minus_one"),
                          names={"#status": "status"}, values=values)

    def mark_outbox_sent(self, message_id: str, sent_at: str) -> None:
        """Sent: the sealed secrets are dropped, the item stays (until TTL) as a record."""
        self.table.update(keys.outbox(message_id),
                          "SET #status = :sent, sentAt = :at REMOVE sealed",
                          names={"#status": "status"}, values={":sent": "sent", ":at": sent_at})

    def mark_outbox_failed(self, message_id: str, failed_at: str, reason: str) -> None:
        """Given up (dead-lettered): the sealed secrets are dropped, the reason kept."""
        self.table.update(keys.outbox(message_id),
                          "SET #status = :failed, failedAt = :at, failure = :reason "
                          "REMOVE sealed",
                          names={"#status": "status"},
                          values={":failed": "failed", ":at": failed_at, ":reason": reason})

    def outbox_status(self, message_id: str) -> str | None:
        item = self.table.get(keys.outbox(message_id))
        return str(item["status"]) if item else None

    # ------------------------------------------------------------------ agents
    def create_agent(
        self,
        record: AgentRecord,
        *,
        password: PasswordCredential | None,
        audit: Sequence[AuditEvent] = (),
        messages: Sequence[OutboxMessage] = (),
        row: RowMark | None = None,
    ) -> None:
        """Agent, uniqueness guards, credential, references and events (and an import
        row's marker and counter) in one transaction."""
        guard = {"type": "guard", "agentId": record.id}
        operations: list[TxOp] = [
            put_new({**keys.account_guard(record.account), **guard}, AccountTaken()),
            put_new({**keys.email_guard(record.email), **guard}, EmailTaken()),
        ]
        if record.numericId is not None:
            operations.append(put_new(self.numeric_id_guard_item(record), NumericIdTaken()))
        if record.externalId is not None:
            operations.append(put_new({**keys.external_id_guard(record.externalId), **guard},
                                      ExternalIdTaken()))
        operations.append(put_new(self.agent_item(record)))
        if password is not None:
            operations.append(put(self.password_item(record.id, password)))
        operations += [put(item) for item in self.reference_items(record)]
        operations += self.reference_use_ops(reference_values(record))
        operations += [put(item) for item in self.search_items(record)]
        operations += self.side_effects(audit, messages)
        if row is not None:  # first: a row done before is that, not a taken account
            operations = self.row_ops(row) + operations
        if len(operations) > TRANSACT_LIMIT:
            raise ValidationFailed(
                "This agent has too many memberships to create at once; create it with "
                "fewer and assign the rest", errors=[{"field": "body", "message":
                                                      "too many memberships at once"}])
        self.table.transact(operations)

    def get_agent(self, agent_id: str) -> AgentRecord | None:
        item = self.table.get(keys.agent(agent_id))
        return AgentRecord.model_validate(item) if item else None

    def find_agent_id(self, login: str) -> str | None:
        guard = self.table.get(keys.login_guard(login))
        return str(guard["agentId"]) if guard else None

    def email_holder(self, agent_id: str, email: str) -> AgentRecord | None:
        """The other agent whose verified address ``email`` is, if any. A free address
        reads the profile of an agent that cannot exist: the same round trips either way,
        so the response time does not tell them apart."""
        owner = self.find_agent_id(email)
        other = owner is not None and owner != agent_id
        holder = self.get_agent(owner if other and owner is not None else NOBODY)
        return holder if other else None

    def seed_catalog_items(self, kind: str, items: Sequence[Item]) -> None:
        """Create catalogue items that are not there yet (built-in roles); keeps edits."""
        for item in items:
            try:
                self.table.put({**keys.catalog(kind, str(item["id"])), "type": "catalog",
                                "kind": kind, **item}, condition="attribute_not_exists(pk)")
            except ConditionFailed:
                continue

    def get_catalog_item(self, kind: str, item_id: str) -> Item | None:
        item = self.table.get(keys.catalog(kind, item_id))
        return public(item) if item else None

    # ------------------------------------------------------------------ sign-in
    def load_sign_in(self, login: str) -> tuple[SignInState, AgentRecord | None]:
        """The agent a login names and its password: two round trips, known login or not
        (an unknown one reads a decoy profile and the password an agent that cannot exist
        would have: the same work, so the response time does not tell them apart)."""
        guard = self.table.get(keys.login_guard(login))
        state = SignInState(agent_id=str(guard["agentId"]) if guard else None)
        agent_id = state.agent_id or NOBODY
        profile_key, password_key = self.profile_key(agent_id), keys.password(agent_id)
        found = {(item["pk"], item["sk"]): item
                 for item in self.table.batch_get([profile_key, password_key])}
        password = found.get((password_key["pk"], password_key["sk"]))
        if password:
            state.password = PasswordCredential.model_validate(password)
        return state, self.profile_read(
            agent_id, found.get((profile_key["pk"], profile_key["sk"])))

    def sign_in_reset_ops(self, throttles: SignInThrottles | None, *,
                          signed_in: bool) -> list[TxOp]:
        """A verified password: both counts become the guesses still in flight (what
        this request spent, per ``throttles``, given back); a finished sign-in also marks
        the source as one the agent signs in from."""
        if throttles is None:
            return []
        trusted_at = clock.iso(clock.now()) if signed_in else None
        subject = keys.agent_subject(throttles.agentId)
        return [
            update(keys.sign_in_throttle(subject),
                   **self.success_update(spent=throttles.spentEverywhere)),
            update(keys.sign_in_source_throttle(subject, throttles.sourceIp),
                   **self.success_update(spent=throttles.spentSource, trusted_at=trusted_at)),
        ]

    # ------------------------------------------------------------------ sessions
    def start_session(self, record: AgentRecord, session: SessionRecord, *,
                      throttles: SignInThrottles | None, audit: Sequence[AuditEvent],
                      rehashed_password: PasswordCredential | None = None,
                      consume_challenge: str | None = None) -> None:
        """A new session, ``lastLoginAt``, the throttles reset and the audit in one write.

        The profile update is conditional on the session epoch the session was created
        for, so a 'revoke every session' that lands meanwhile cannot be outrun.
        """
        session_item: Item = {
            **keys.session(record.id, session.id), "type": "session",
            **session.model_dump(mode="json"),
            "ttl": ttl_of(session.expiresAt),
        }
        operations: list[TxOp] = [
            put_new(session_item),
            update(keys.agent(record.id), "SET lastLoginAt = :at",
                   condition="sessionEpoch = :epoch AND active = :true",
                   values={":at": session.createdAt, ":epoch": session.epoch, ":true": True},
                   on_condition_failure=ConcurrentChange("The account changed during sign-in")),
        ]
        operations += self.sign_in_reset_ops(throttles, signed_in=True)
        if rehashed_password is not None:
            operations.append(put(self.password_item(record.id, rehashed_password)))
        if consume_challenge is not None:
            operations.append(delete(keys.challenge(consume_challenge),
                                     condition="attribute_exists(pk)",
                                     on_condition_failure=ConcurrentChange("challenge used")))
        operations += self.side_effects(audit)
        self.table.transact(operations)

    def load_session(self, agent_id: str, session_id: str, roles: Sequence[str] = (),
                     ) -> tuple[AgentRecord | None, SessionRecord | None,
                                dict[str, list[str]]]:
        """Profile, session and the permissions of the custom ``roles`` found, in one
        ``BatchGetItem``."""
        record: AgentRecord | None = None
        session: SessionRecord | None = None
        found: dict[str, list[str]] = {}
        session_key = keys.session(agent_id, session_id)
        wanted = [keys.catalog("roles", role) for role in roles]
        for item in self.table.batch_get([keys.agent(agent_id), session_key, *wanted]):
            if item["pk"] == session_key["pk"] and item["sk"] == keys.PROFILE:
                record = AgentRecord.model_validate(item)
            elif item["pk"] == session_key["pk"] and item["sk"] == session_key["sk"]:
                session = SessionRecord.model_validate(item)
            else:
                found[str(item.get("id"))] = list(item.get("permissions", []))
        return record, session, found

    def role_permissions(self, role: str) -> list[str] | None:
        item = self.table.get(keys.catalog("roles", role))
        return list(item.get("permissions", [])) if item else None

    def rotate_refresh(self, session: SessionRecord, new_digest: str) -> bool:
        """Replace the refresh digest if it is still the one presented (single use)."""
        previous = [session.refreshDigest, *session.previousDigests][:SESSION_PREVIOUS_DIGESTS]
        try:
            self.table.update(
                keys.session(session.agentId, session.id),
                "SET refreshDigest = :new, previousDigests = :previous",
                condition="refreshDigest = :old",
                values={":new": new_digest, ":previous": previous,
                        ":old": session.refreshDigest},
            )
        except ConditionFailed:
            return False
        return True

    def end_session(self, agent_id: str, session_id: str,
                    audit: Sequence[AuditEvent] = ()) -> None:
        self.table.transact([delete(keys.session(agent_id, session_id)),
                             *self.side_effects(audit)])

    def end_reused_session(self, session: SessionRecord, presented_digest: str,
                           audit: Sequence[AuditEvent]) -> bool:
        """End the session a rotated-away refresh token names (refresh-token reuse).

        Conditional on the session still existing and no longer holding the presented
        digest (someone else rotated it: this is a second presentation), so of many
        losers exactly one ends it and writes the audit event. False when it had already
        ended (or the digest is current again, which cannot happen: digests are random).
        """
        try:
            self.table.transact([
                delete(keys.session(session.agentId, session.id),
                       condition="attribute_exists(pk) AND refreshDigest <> :presented",
                       values={":presented": presented_digest},
                       on_condition_failure=ConcurrentChange("The session already ended")),
                *self.side_effects(audit),
            ])
        except ConcurrentChange:
            return False
        return True

    def revoke_all_sessions(self, agent_id: str, audit: Sequence[AuditEvent] = (),
                            messages: Sequence[OutboxMessage] = (), *,
                            expected_version: int | None = None) -> None:
        """Every session of the agent dies at once: its epoch moves on (one write)."""
        condition, values = self.version_condition(expected_version)
        self.table.transact([
            update(keys.agent(agent_id), "ADD sessionEpoch :one",
                   condition=condition, values={":one": 1, **values},
                   on_condition_failure=self.version_failure(expected_version)),
            *self.side_effects(audit, messages),
        ])

    # ------------------------------------------------------------------ challenges
    def create_challenge(self, challenge: Challenge) -> None:
        self.table.put({**keys.challenge(challenge.digest), "type": "challenge",
                        **challenge.model_dump(mode="json"),
                        "ttl": ttl_of(challenge.expiresAt)})

    def finish_challenge_step(self, audit: Sequence[AuditEvent],
                              consume_challenge: str | None, *,
                              throttles: SignInThrottles | None) -> None:
        """Record a passed step, reset the sign-in throttles, use up the answered challenge."""
        operations = self.side_effects(audit)
        operations += self.sign_in_reset_ops(throttles, signed_in=False)
        if consume_challenge is not None:
            operations.append(self.consume_challenge_op(consume_challenge))
        self.table.transact(operations)

    @staticmethod
    def consume_challenge_op(digest: str) -> TxOp:
        return delete(keys.challenge(digest), condition="attribute_exists(pk)",
                      on_condition_failure=ConcurrentChange("The sign-in session was used"))


_repository: DynamoRepository | None = None


def get_repository() -> DynamoRepository:
    """The repository of this cold start (its table client is created once)."""
    global _repository
    if _repository is None:
        from roster import aws
        from roster.config import get_settings

        _repository = DynamoRepository(Table(get_settings().table_name, aws.dynamodb()))
    return _repository


def reset_repository() -> None:
    """A new repository (and client) on next use, also for the ports it serves."""
    from roster.ports import forget_all

    global _repository
    _repository = None
    forget_all()

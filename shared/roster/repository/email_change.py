"""Email changes in the table: the pending change, its token item, the guard swap.

The token item (``keys.email_change``) lives in the agent's partition, one per agent,
and carries the sparse-index attributes so the scheduled cleanup finds it once expired.
Its ``expiresAt`` equals the profile's ``pendingEmail.expiresAt``; every write that ends
a change is conditional on that value, so an old request can never end a newer change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from roster import clock
from roster.errors import (
    ConcurrentChange,
    EmailTaken,
    InvalidVerificationToken,
    RosterError,
    TooManyAttempts,
)
from roster.models.agent import AgentRecord, PendingEmail
from roster.models.audit import AuditEvent
from roster.models.outbox import OutboxMessage
from roster.repository import keys
from roster.repository.agents import AgentStore
from roster.repository.base import ttl_of
from roster.repository.table import Item, TxOp, check, delete, put, put_new, update

PROFILE_VERSION_BUMP = "version = version + :one, updatedAt = :now"

if TYPE_CHECKING:
    # Loaded on first use: only email changes build it.
    from roster.models.email_change import EmailChange


def expiring(expires_at: str) -> Item:
    """The attributes that put an item in the sparse ``expiring`` index and under TTL.

    Any item carrying them is deleted by the scheduled cleanup once ``expires_at`` has
    passed (TTL deletes late, sometimes days late).
    """
    return {
        "expiryBucket": keys.EXPIRY_BUCKET,
        "expiresAt": expires_at,
        "ttl": ttl_of(expires_at),
    }


class EmailChangeStore(AgentStore):
    """Repository methods of the email-change flow (a mixin of ``DynamoRepository``)."""

    @staticmethod
    def email_change_item(change: EmailChange) -> Item:
        return {**keys.email_change(change.agentId), "type": "email_change",
                **change.model_dump(mode="json"), **expiring(change.expiresAt)}

    def load_email_change(self, agent_id: str) -> tuple[AgentRecord | None, EmailChange | None]:
        """The profile and its pending change's token item in one ``BatchGetItem``."""
        from roster.models.email_change import EmailChange

        record: AgentRecord | None = None
        change: EmailChange | None = None
        for item in self.table.batch_get([keys.agent(agent_id), keys.email_change(agent_id)]):
            if item["sk"] == keys.PROFILE:
                record = AgentRecord.model_validate(item)
            else:
                change = EmailChange.model_validate(item)
        return record, change

    @staticmethod
    def email_change_mail_op(agent_id: str, limit: int) -> TxOp:
        """Count one email-change mail of the agent in this clock hour, conditional on the
        limit (``429 too_many_attempts`` with ``Retry-After`` to the next hour): in the
        transaction of the change, so a refused request changes and sends nothing."""
        moment = clock.now()
        next_hour = 3600 - (moment.minute * 60 + moment.second)
        return update(
            keys.email_change_mails(agent_id, moment.strftime("%Y%m%d%H")),
            "ADD mails :one SET #ttl = :ttl",
            condition="attribute_not_exists(mails) OR mails < :limit",
            names={"#ttl": "ttl"},
            values={":one": 1, ":limit": limit, ":ttl": ttl_of(moment) + 2 * 3600},
            on_condition_failure=TooManyAttempts(
                "Too many email-change mails for this agent this hour", retryAfter=next_hour),
        )

    def start_email_change(self, record: AgentRecord, change: EmailChange, *, updated_at: str,
                           audit: Sequence[AuditEvent], messages: Sequence[OutboxMessage],
                           on_stale: RosterError, mail_limit: int,
                           address_in_use: bool = False) -> None:
        """Set ``pendingEmail`` (if ``record.version`` is still current), store the token
        item (replacing any earlier one: its link dies), count the mail and queue the
        messages.

        The new address must not be another agent's (``409 email_taken``); a *pending*
        address blocks nobody, since only verified addresses have guards. With
        ``address_in_use`` (a self-service request for another agent's address, answered
        as if it were free) the guard must exist instead: ``change`` then carries no token.
        """
        # With ``address_in_use`` the guard is still checked (it holds another agent's id),
        # so the transaction is the one a free address makes: same size, same time.
        guard = [check(keys.email_guard(change.email), "attribute_exists(pk)")
                 if address_in_use else
                 check(keys.email_guard(change.email),
                       "attribute_not_exists(pk) OR agentId = :agent",
                       values={":agent": record.id}, on_condition_failure=EmailTaken())]
        self.table.transact([
            update(keys.agent(record.id),
                   "SET pendingEmail = :pending, version = :next, updatedAt = :now",
                   condition="attribute_exists(pk) AND version = :version",
                   values={":pending": change.pending.model_dump(), ":next": record.version + 1,
                           ":now": updated_at, ":version": record.version},
                   on_condition_failure=on_stale),
            *guard,
            put(self.email_change_item(change)),
            self.email_change_mail_op(record.id, mail_limit),
            *self.side_effects(audit, messages),
        ])

    def reissue_email_change(self, previous: PendingEmail, change: EmailChange, *,
                             updated_at: str, audit: Sequence[AuditEvent],
                             messages: Sequence[OutboxMessage], mail_limit: int) -> None:
        """A new token (and expiry) for the same pending address; the old link dies."""
        self.table.transact([
            self.email_change_mail_op(change.agentId, mail_limit),
            update(keys.agent(change.agentId),
                   f"SET pendingEmail = :pending, {PROFILE_VERSION_BUMP}",
                   condition="pendingEmail.expiresAt = :expires AND pendingEmail.email = :email",
                   values={":pending": change.pending.model_dump(), ":one": 1,
                           ":now": updated_at, ":expires": previous.expiresAt,
                           ":email": previous.email},
                   on_condition_failure=ConcurrentChange("The pending email change changed")),
            put(self.email_change_item(change)),
            *self.side_effects(audit, messages),
        ])

    @staticmethod
    def end_email_change_ops(agent_id: str, expires_at: str, *, updated_at: str,
                             on_mismatch: RosterError | None = None,
                             version: int | None = None) -> list[TxOp]:
        """Remove the pending change named by ``expires_at`` and its token item (and,
        with ``version``, only if the profile is still at that version)."""
        condition = "pendingEmail.expiresAt = :expires"
        values: dict[str, object] = {":expires": expires_at, ":one": 1, ":now": updated_at}
        if version is not None:
            condition += " AND version = :version"
            values[":version"] = version
        return [
            update(keys.agent(agent_id), f"REMOVE pendingEmail SET {PROFILE_VERSION_BUMP}",
                   condition=condition, values=values, on_condition_failure=on_mismatch),
            delete(keys.email_change(agent_id),
                   condition="attribute_not_exists(pk) OR expiresAt = :expires",
                   values={":expires": expires_at}, on_condition_failure=on_mismatch),
        ]

    def end_email_change(self, agent_id: str, pending: PendingEmail, *, updated_at: str,
                         audit: Sequence[AuditEvent], on_mismatch: RosterError | None = None,
                         version: int | None = None) -> None:
        """Cancel (or drop) the pending change if it is still ``pending``."""
        self.table.transact([
            *self.end_email_change_ops(agent_id, pending.expiresAt, updated_at=updated_at,
                                       on_mismatch=on_mismatch or ConcurrentChange(),
                                       version=version),
            *self.side_effects(audit),
        ])

    def complete_email_change(self, record: AgentRecord, change: EmailChange, *,
                              updated_at: str, audit: Sequence[AuditEvent],
                              messages: Sequence[OutboxMessage]) -> None:
        """Use the token and make the pending address the agent's email, in one transaction.

        The token item is deleted on the condition that it still holds this digest (two
        concurrent uses cannot both succeed); the guards move from the old address to the
        new one, the new guard claimed with ``attribute_not_exists`` (``409 email_taken``
        if someone got there first). Sign-in by address resolves through the guards, so
        the old address stops working and the new one starts in the same instant.
        """
        invalid = InvalidVerificationToken()
        operations: list[TxOp] = [
            delete(keys.email_change(record.id), condition="digest = :digest",
                   values={":digest": change.digest}, on_condition_failure=invalid),
            update(keys.agent(record.id),
                   f"SET email = :new, {PROFILE_VERSION_BUMP} REMOVE pendingEmail",
                   condition="email = :old AND pendingEmail.email = :new "
                             "AND pendingEmail.expiresAt = :expires",
                   values={":new": change.email, ":old": record.email, ":one": 1,
                           ":now": updated_at, ":expires": change.expiresAt},
                   on_condition_failure=invalid),
        ]
        old_guard, new_guard = keys.email_guard(record.email), keys.email_guard(change.email)
        if old_guard != new_guard:  # a change of letter case keeps its guard
            operations += [
                delete(old_guard, condition="agentId = :agent", values={":agent": record.id},
                       on_condition_failure=ConcurrentChange("The email guard changed")),
                put_new({**new_guard, "type": "guard", "agentId": record.id}, EmailTaken()),
            ]
        # The agent search's email prefix items follow the address (AgentStore).
        moved = record.model_copy(update={"email": change.email})
        operations += self.derived_item_ops(record, moved)
        self.table.transact([*operations, *self.side_effects(audit, messages)])

"""What every repository mixin builds on: the table, TTL values, and the items and
side effects (audit events, outbox messages) that any change may write.

Each area's mixin (``AgentStore``, ``CredentialStore``, ...) inherits ``StoreBase``, so
these are defined once and type-checked where they are used.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from roster import clock, sealing
from roster.errors import ConcurrentChange, NotFound, RosterError
from roster.models.audit import AuditEvent
from roster.models.credentials import PasswordCredential
from roster.models.outbox import OutboxMessage
from roster.repository import keys
from roster.repository.table import Expression, Item, Key, Table, TxOp, check, put

OUTBOX_RETENTION_SECONDS = 7 * 86400


def ttl_of(moment: datetime | str) -> int:
    """The ``ttl`` attribute (epoch seconds) for a moment or an ISO 8601 time."""
    return clock.epoch(clock.parse(moment) if isinstance(moment, str) else moment)


class StoreBase:
    table: Table  # set by ``DynamoRepository``

    @staticmethod
    def audit_item(event: AuditEvent) -> Item:
        sort = f"{event.at}#{event.id}"
        return {
            **keys.audit(event.targetId, sort),
            "type": "audit",
            "gsi1pk": keys.AUDIT_FEED_PARTITION,
            "gsi1sk": sort,
            **event.model_dump(mode="json", exclude={"id"}),
        }

    @staticmethod
    def outbox_item(message: OutboxMessage) -> Item:
        created = clock.now()
        item: Item = {
            **keys.outbox(message.id),
            "type": "outbox",
            **message.model_dump(mode="json"),
            "createdAt": clock.iso(created),
            "status": "pending",
            "ttl": ttl_of(created) + OUTBOX_RETENTION_SECONDS,
        }
        if message.secret_params:
            item["sealed"] = sealing.seal(message.secret_params, bound_to=message.id)
        return item

    @staticmethod
    def password_item(agent_id: str, credential: PasswordCredential) -> Item:
        # No NULL attributes: ``expiresAt`` is the ``expiring`` index's (string) range key.
        item: Item = {**keys.password(agent_id), "type": "password",
                      **credential.model_dump(mode="json", exclude_none=True)}
        return item

    @staticmethod
    def version_condition(expected_version: int | None) -> tuple[str, dict[str, object]]:
        """The condition (and its values) holding a profile write to the version an act
        on that agent was authorized against: a concurrent role change fails the write."""
        if expected_version is None:
            return "attribute_exists(pk)", {}
        return "attribute_exists(pk) AND version = :expectedVersion", {
            ":expectedVersion": expected_version}

    @staticmethod
    def version_failure(expected_version: int | None) -> RosterError:
        """What a failed ``version_condition`` means."""
        if expected_version is None:
            return NotFound("No such agent")
        return ConcurrentChange("The agent changed meanwhile; try again")

    @classmethod
    def at_version_op(cls, agent_id: str, expected_version: int | None) -> TxOp:
        """A condition check: the agent exists (and is still at ``expected_version``)."""
        condition, values = cls.version_condition(expected_version)
        return check(keys.agent(agent_id), condition, values=values,
                     on_condition_failure=cls.version_failure(expected_version))

    def sign_in_throttle_keys(self, agent_id: str) -> list[Key]:
        """Every throttle item of the agent's sign-in (from every source and per source):
        unlocking clears them, deleting the agent removes them."""
        condition = Expression("pk = :pk", values={
            ":pk": keys.sign_in_throttle(keys.agent_subject(agent_id))["pk"]})
        found: list[Key] = []
        start: Key | None = None
        while True:
            items, start = self.table.query(condition, start_key=start, consistent=True)
            found += [{"pk": str(item["pk"]), "sk": str(item["sk"])} for item in items]
            if start is None:
                return found

    def newest_first(self, partition: str, *, limit: int, after: str | None,
                     ) -> tuple[list[Item], str | None]:
        """A page of ``gsi1`` partition ``partition``, newest first, after sort key
        ``after``; the sort key the next page starts after (``None``: no more)."""
        condition = "gsi1pk = :p" + (" AND gsi1sk < :after" if after else "")
        values: dict[str, Any] = {":p": partition}
        if after:
            values[":after"] = after
        items, more = self.table.query(Expression(condition, values=values), index="gsi1",
                                       forward=False, limit=limit)
        return items, (str(items[-1]["gsi1sk"]) if more and items else None)

    def side_effects(self, audit: Iterable[AuditEvent] = (),
                     messages: Iterable[OutboxMessage] = ()) -> list[TxOp]:
        """Audit events and outbox messages as operations of the caller's transaction."""
        return [put(self.audit_item(event)) for event in audit] + [
            put(self.outbox_item(message)) for message in messages
        ]

    def record_events(self, audit: Sequence[AuditEvent] = (),
                      messages: Sequence[OutboxMessage] = ()) -> None:
        """Write events that go with no other change (one round trip)."""
        operations = self.side_effects(audit, messages)
        if len(operations) == 1 and operations[0].item is not None:
            self.table.put(operations[0].item)
        else:
            self.table.transact(operations)

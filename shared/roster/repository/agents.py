"""Agent records beyond sign-in: listings, updates, assignments and deletion.

Listings are ``Query``s on a partition that holds exactly what is asked for, sorted by
lower-case account, so their cost follows the page and not the table:

- everyone: ``gsi1`` partition ``AGENTS``; by activity: ``gsi2`` ``AGENTS#ACTIVE#<bool>``;
- by role, queue, skill or group: the reference items ``REF#<kind>#<id>`` (sk
  ``account#id``, carrying ``active``), then one ``BatchGetItem`` for the page's profiles;
  by language, business unit or queue status the same, ``REF#<attribute>#<value>``;
- by exact account or email: the uniqueness guard, then the profile;
- by ``q``: word items ``WORD#<first character>`` (sk ``word#account#id``, one per folded
  word of the agent, ``roster.models.search``), read with ``begins_with(sk, term)`` for
  the longest term; the other terms and filters are checked on the profiles.

A page continues after a position: for account-ordered sources the last account read
(the next ``Query`` starts with ``sk > account#~``: every key of that account sorts
below), for ``q`` the last word item's sort key (``ExclusiveStartKey``). A request reads
at most ``READ_BUDGET`` items: a page whose filters discard most of what it reads may be
short, or empty, and still continue (API.md v2), so its cost stays flat.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from roster import clock
from roster.errors import (
    ConcurrentChange,
    HasAssignments,
    InvalidReassignTarget,
    NumericIdTaken,
    RosterError,
    UnknownReference,
    ValidationFailed,
    VersionConflict,
)
from roster.models import search
from roster.models.agent import (
    ASSIGNMENT_KINDS,
    REFERENCE_FIELDS,
    AgentRecord,
    reference_values,
)
from roster.models.audit import AuditEvent
from roster.models.outbox import OutboxMessage
from roster.permissions import BUILT_IN_ROLES
from roster.ports.agents import AgentFilter
from roster.repository import keys
from roster.repository.base import StoreBase
from roster.repository.catalog import public
from roster.repository.table import (
    TRANSACT_LIMIT,
    Expression,
    Item,
    Key,
    TxOp,
    check,
    delete,
    deserialize,
    put,
    put_new,
    serialize,
    update,
)

AGENT_REFERENCES_END = "~"  # catalogue references sort from here in a REF# partition
READ_BUDGET = 500  # items one listing request reads at most
# Two operations per moved assignment, plus both counters and the batch's audit event.
MOVE_BATCH = (TRANSACT_LIMIT - 3) // 2
MOVE_RETRIES = 5

if TYPE_CHECKING:
    from roster.models.agents_api import Assignment


class _NothingToDo(RosterError):
    """Internal: an idempotent write found the state it wanted already there."""


@dataclass(frozen=True)
class ListSource:
    """Where a listing reads from: a partition of the table or of an index."""

    partition: str
    index: str | None = None  # None: the table itself
    profiles: bool = False  # items are profiles (index projections), not pointers
    fan_out: int = 1  # items per agent in the partition (word items: one per word)
    by_word: str | None = None  # the term whose word items are read (ordered by word)
    below: str | None = None  # sort keys from here on are not agents' (catalogue references)
    filter: str | None = None
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def attributes(self) -> tuple[str, str]:
        if self.index:
            return f"{self.index}pk", f"{self.index}sk"
        return "pk", "sk"

    def position(self, item: Item) -> str:
        """Where a page that ends with ``item`` continues from."""
        if self.by_word is not None:
            return str(item["sk"])
        return str(item["account"]).lower()


def list_source(wanted: AgentFilter) -> ListSource:
    """The most selective partition for ``wanted`` (``q``, then group, skill, queue,
    business unit, role, language, queue status, password status, two-factor, locked,
    deprovisioned, then ``active``); the other conditions filter what it reads."""
    if wanted.terms:
        term = search.driving_term(wanted.terms)
        return ListSource(keys.word_partition(term), fan_out=2, by_word=term)
    for kind, value in (("groups", wanted.group_id), ("skills", wanted.skill),
                        ("queues", wanted.queue), ("businessUnit", wanted.business_unit),
                        ("roles", wanted.role), ("language", wanted.language),
                        ("queueStatus", wanted.queue_status),
                        ("passwordStatus", wanted.password_status),
                        ("twoFactorEnabled", wanted.two_factor_enabled),
                        ("locked", wanted.locked),
                        # sparse: only ``true`` has a partition (``false`` filters profiles)
                        ("deprovisioned", True if wanted.deprovisioned else None)):
        if value is not None:
            partition = keys.reference_partition(kind, attribute_value(value))
            if wanted.active is None:
                return ListSource(partition, below=AGENT_REFERENCES_END)
            return ListSource(partition, below=AGENT_REFERENCES_END,
                              filter="active = :active", values={":active": wanted.active})
    if wanted.active is not None:
        return ListSource(keys.active_partition(wanted.active), index="gsi2", profiles=True)
    return ListSource(keys.AGENT_LIST_PARTITION, index="gsi1", profiles=True)


# Agent attributes listings filter on exactly, each value a partition like a catalogue
# item's references (``REF#language#en``); none of them is a catalogue kind.
ATTRIBUTE_FILTERS = ("language", "businessUnit", "queueStatus", "passwordStatus", "locked",
                     "twoFactorEnabled", "deprovisioned")


def attribute_value(value: object) -> str:
    """An attribute's value as its partition spells it (``true``/``false`` for flags)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def attribute_values(record: AgentRecord) -> set[tuple[str, str]]:
    """The (attribute, value) pairs of ``ATTRIBUTE_FILTERS`` the agent has (unset ones
    have no partition)."""
    return {(name, attribute_value(getattr(record, name))) for name in ATTRIBUTE_FILTERS
            if getattr(record, name) is not None}


def attribute_moves(old: AgentRecord, **changes: Any) -> list[TxOp]:
    """The reference items a write other than ``update_agent`` moves when it changes
    filtered attributes (``passwordStatus`` in a password change, ``locked`` and
    ``twoFactorEnabled`` in the 2FA writes): in its transaction."""
    before = {(item["pk"], item["sk"]) for item in AgentStore.reference_items(old)}
    after = {(item["pk"], item["sk"]): item
             for item in AgentStore.reference_items(old.model_copy(update=changes))}
    return ([delete({"pk": pk, "sk": sk}) for pk, sk in sorted(before - after.keys())]
            + [put(item) for key, item in sorted(after.items()) if key not in before])


class AgentStore(StoreBase):
    """Agent profiles and the items derived from them (a mixin of ``DynamoRepository``)."""

    # ------------------------------------------------------------------ derived items
    @staticmethod
    def agent_item(record: AgentRecord) -> Item:
        account = record.account.lower()
        item: Item = {
            **keys.agent(record.id),
            "type": "agent",
            **record.model_dump(mode="json"),
            "gsi1pk": keys.AGENT_LIST_PARTITION,
            "gsi1sk": account,
            "gsi2pk": f"{keys.AGENT_LIST_PARTITION}#ACTIVE#{str(record.active).lower()}",
            "gsi2sk": account,
        }
        return item

    @staticmethod
    def reference_items(record: AgentRecord) -> list[Item]:
        """The agent's items in the ``REF#`` partitions its listings filter on: one per
        catalogue item it refers to, and one per value of each attribute filter."""
        return [
            {
                **keys.reference(kind, value, record.account, record.id),
                "type": "reference",
                "agentId": record.id,
                "account": record.account,
                "active": record.active,
            }
            for kind, value in sorted(reference_values(record) | attribute_values(record))
        ]

    @staticmethod
    def search_items(record: AgentRecord) -> list[Item]:
        """Word items for ``q``: one per folded word of the agent's searched fields."""
        return [{**keys.word(word, record.account, record.id), "type": "search",
                 "agentId": record.id}
                for word in sorted(search.words(record))]

    @staticmethod
    def numeric_id_guard_item(record: AgentRecord) -> Item:
        assert record.numericId is not None
        return {**keys.numeric_id_guard(record.numericId), "type": "guard",
                "agentId": record.id, "numericId": record.numericId,
                "gsi1pk": keys.NUMERIC_ID_LIST_PARTITION,
                "gsi1sk": keys.numeric_id_sort(record.numericId)}

    @staticmethod
    def reference_use_ops(pairs: Iterable[tuple[str, str]]) -> list[TxOp]:
        """Starting to use catalogue items: each must exist and its ``revision`` moves, so
        a catalogue delete that checked 'not in use' before this lands fails instead of
        leaving a reference to nothing. Built-in roles are exempt: they cannot be deleted,
        and bumping them would make every agent write contend on the same few items."""
        return [
            update(keys.catalog(kind, value),
                   "SET revision = if_not_exists(revision, :zero) + :one",
                   condition="attribute_exists(pk)", values={":zero": 0, ":one": 1},
                   on_condition_failure=UnknownReference(
                       f"There is no item '{value}' in {kind}",
                       errors=[{"field": REFERENCE_FIELDS[kind],
                                "message": f"'{value}' does not exist"}]))
            for kind, value in sorted(pairs)
            if not (kind == "roles" and value in BUILT_IN_ROLES)
        ]

    def derived_item_ops(self, old: AgentRecord, new: AgentRecord) -> list[TxOp]:
        """Reference, prefix and numeric-id items that follow a profile change.

        Only differences are written; reference items carry ``active``, so they are all
        rewritten when it changes. Email prefix items follow ``email`` wherever it
        changes (the email-change verification uses this too).
        """
        operations = self.reference_use_ops(reference_values(new) - reference_values(old))
        for before, after, rewrite_all in (
            (self.reference_items(old), self.reference_items(new), old.active != new.active),
            (self.search_items(old), self.search_items(new), False),
        ):
            old_by_key = {(i["pk"], i["sk"]): i for i in before}
            new_by_key = {(i["pk"], i["sk"]): i for i in after}
            operations += [delete({"pk": pk, "sk": sk})
                           for pk, sk in old_by_key.keys() - new_by_key.keys()]
            operations += [put(item) for key, item in new_by_key.items()
                           if rewrite_all or old_by_key.get(key) != item]
        if old.numericId != new.numericId:
            if old.numericId is not None:
                operations.append(delete(keys.numeric_id_guard(old.numericId),
                                         condition="agentId = :me", values={":me": old.id}))
            if new.numericId is not None:
                operations.append(put_new(self.numeric_id_guard_item(new), NumericIdTaken()))
        return operations

    # ------------------------------------------------------------------ reads
    def get_agents(self, agent_ids: Sequence[str]) -> dict[str, AgentRecord]:
        """Profiles by id (one ``BatchGetItem`` per 100); missing ones are left out."""
        if not agent_ids:
            return {}
        items = self.table.batch_get([keys.agent(agent_id) for agent_id in agent_ids])
        records = (AgentRecord.model_validate(item) for item in items)
        return {record.id: record for record in records}

    def catalog_items(self, wanted: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Item]:
        """The existing catalogue items among ``(kind, id)`` pairs, in one round trip."""
        if not wanted:
            return {}
        found: dict[tuple[str, str], Item] = {}
        for item in self.table.batch_get([keys.catalog(kind, item_id)
                                          for kind, item_id in wanted]):
            kind = str(item["pk"]).removeprefix(keys.catalog_partition(""))
            found[(kind, str(item["sk"]))] = public(item)
        return found

    def agent_page(self, wanted: AgentFilter, *, limit: int,
                   after: str | None) -> tuple[list[AgentRecord], str | None]:
        """Up to ``limit`` agents ``wanted`` accepts after position ``after``, and the
        position to continue after (``None``: nothing more)."""
        if wanted.account is not None or wanted.email is not None:
            return self._exact_page(wanted, after), None
        source = list_source(wanted)
        condition = self._page_condition(source, after)
        page: list[AgentRecord] = []
        seen: set[str] = set()
        start: Key | None = None
        if source.by_word is not None and after is not None:
            start = {"pk": source.partition, "sk": after}
        read = 0
        while True:
            needed = (limit - len(page)) * source.fan_out + 1
            items, start = self.table.query(condition, index=source.index,
                                            limit=min(needed, READ_BUDGET - read),
                                            start_key=start,
                                            filter_expression=source.filter,
                                            consistent=source.index is None)
            read += len(items)
            candidates = self._candidates(source, items, seen)
            for index, (item, record) in enumerate(candidates):
                if not wanted.accepts(record):
                    continue
                page.append(record)
                if len(page) == limit:
                    more = index < len(candidates) - 1 or start is not None
                    return page, (source.position(item) if more else None)
            if start is None:
                return page, None
            if read >= READ_BUDGET:  # bounded: a short page that continues
                return page, source.position(items[-1])

    @staticmethod
    def _page_condition(source: ListSource, after: str | None) -> Expression:
        pk_name, sk_name = source.attributes
        text = "#lp = :lp"
        names = {"#lp": pk_name, **source.names}
        values: dict[str, Any] = {":lp": source.partition, **source.values}
        if source.by_word is not None:  # continues through ExclusiveStartKey
            text += " AND begins_with(#ls, :term)"
            values[":term"] = source.by_word
        elif after is not None and source.below is not None:
            text += " AND #ls BETWEEN :after AND :below"
            values[":after"] = keys.after_account(after)
            values[":below"] = source.below
        elif after is not None:
            text += " AND #ls > :after"
            values[":after"] = keys.after_account(after)
        elif source.below is not None:
            text += " AND #ls < :below"
            values[":below"] = source.below
        if "#ls" in text:
            names["#ls"] = sk_name
        return Expression(text, names, values)

    def _exact_page(self, wanted: AgentFilter, after: str | None) -> list[AgentRecord]:
        """At most one agent: the one whose account (else verified email) is asked for,
        read through its uniqueness guard (two round trips, whatever the table's size)."""
        guard = self.table.get(keys.account_guard(wanted.account) if wanted.account is not None
                               else keys.email_guard(str(wanted.email)))
        if guard is None:
            return []
        found = self.get_agents([str(guard["agentId"])]).values()
        return [record for record in found if wanted.accepts(record)
                and (after is None or record.account.lower() > after)]

    def _candidates(self, source: ListSource, items: list[Item],
                    seen: set[str]) -> list[tuple[Item, AgentRecord]]:
        """The agents ``items`` point at (or are), each with its first item, in order;
        an agent already on the page (``seen``: several of its words match) once."""
        if source.profiles:
            return [(item, AgentRecord.model_validate(item)) for item in items]
        first: dict[str, Item] = {}
        for item in items:
            agent_id = str(item["agentId"])
            if agent_id not in seen:
                seen.add(agent_id)
                first[agent_id] = item
        records = self.get_agents(list(first))
        return [(item, records[agent_id]) for agent_id, item in first.items()
                if agent_id in records]

    def numeric_ids(self) -> list[int]:
        """Every numeric id in use, ascending (the guards' list partition in ``gsi1``)."""
        condition = Expression("gsi1pk = :p", values={":p": keys.NUMERIC_ID_LIST_PARTITION})
        found: list[int] = []
        start: Key | None = None
        while True:
            items, start = self.table.query(condition, index="gsi1", start_key=start)
            found += [int(item["numericId"]) for item in items]
            if start is None:
                return found

    # ------------------------------------------------------------------ updates
    def update_agent(self, old: AgentRecord, changes: dict[str, Any], *, expected_version: int,
                     conflict: RosterError | None = None, revoke_sessions: bool = False,
                     audit: Sequence[AuditEvent] = (),
                     messages: Sequence[OutboxMessage] = (),
                     extra: Sequence[TxOp] = ()) -> AgentRecord:
        """Apply ``changes`` if the agent is still at ``expected_version``; bump it.

        Only the changed attributes are written (``SET``), never the whole item, so
        counters and sign-in state other writers keep on the profile are not undone.
        Deactivating moves ``sessionEpoch`` in the same write: every session dies.
        """
        stamp = clock.iso(clock.now())
        if "mobilePhone" in changes and changes["mobilePhone"] != old.mobilePhone:
            changes = {**changes, "mobilePhoneChangedAt": stamp}  # the SMS recovery hold
        merged = {**old.model_dump(), **changes, "version": old.version + 1, "updatedAt": stamp}
        new = AgentRecord.model_validate(merged)
        stored = new.model_dump(mode="json")
        names: dict[str, str] = {}
        values: dict[str, Any] = {":expected": expected_version}
        assignments: list[str] = []
        for index, name in enumerate(sorted({*changes, "version", "updatedAt"})):
            names[f"#f{index}"] = name
            values[f":v{index}"] = stored[name]
            assignments.append(f"#f{index} = :v{index}")
        if old.active != new.active:
            assignments.append("gsi2pk = :active")
            values[":active"] = keys.active_partition(new.active)
        expression = "SET " + ", ".join(assignments)
        if revoke_sessions:
            expression += " ADD sessionEpoch :one"
            values[":one"] = 1
        profile = update(keys.agent(old.id), expression,
                         condition="attribute_exists(pk) AND version = :expected",
                         names=names, values=values,
                         on_condition_failure=conflict or VersionConflict())
        operations = [profile, *self.derived_item_ops(old, new), *extra,
                      *self.side_effects(audit, messages)]
        if len(operations) > TRANSACT_LIMIT:
            raise ValidationFailed(
                "This change touches too many memberships at once; split it in two",
                errors=[{"field": "body", "message": "too many membership changes at once"}])
        self.table.transact(operations)
        if revoke_sessions:
            new = new.model_copy(update={"sessionEpoch": old.sessionEpoch + 1})
        return new

    # ------------------------------------------------------------------ assignments
    def add_assignment(self, agent_id: str, kind: str, ref: str,
                       audit: Sequence[AuditEvent], *,
                       expected_version: int | None = None) -> bool:
        """Assign while the agent is still at ``expected_version``; ``False`` when it
        already was (nothing written)."""
        stamp = clock.iso(clock.now())
        item = {**keys.assignment(agent_id, kind, ref), "type": "assignment",
                "kind": kind, "ref": ref, "assignedAt": stamp}
        try:
            self.table.transact([
                self.at_version_op(agent_id, expected_version),
                put(item, condition="attribute_not_exists(pk)",
                    on_condition_failure=_NothingToDo()),
                self._count_op(agent_id, {kind: 1}),
                *self.side_effects(audit),
            ])
        except _NothingToDo:
            return False
        return True

    def remove_assignment(self, agent_id: str, kind: str, ref: str,
                          audit: Sequence[AuditEvent], *,
                       expected_version: int | None = None) -> bool:
        """Unassign while the agent is still at ``expected_version``; ``False`` when it
        was not assigned (nothing written)."""
        try:
            self.table.transact([
                self.at_version_op(agent_id, expected_version),
                delete(keys.assignment(agent_id, kind, ref),
                       condition="attribute_exists(pk)", on_condition_failure=_NothingToDo()),
                self._count_op(agent_id, {kind: -1}),
                *self.side_effects(audit),
            ])
        except _NothingToDo:
            return False
        return True

    def assignment_page(self, agent_id: str, *, limit: int,
                        after: str | None) -> tuple[list[Assignment], str | None]:
        """Assignments by kind then ref; ``after`` is the last ``kind#ref`` returned."""
        from roster.models.agents_api import Assignment

        items, cursor = self.assignment_items(agent_id, limit=limit, after=after)
        return [Assignment(kind=item["kind"], ref=str(item["ref"]),
                           assignedAt=str(item["assignedAt"])) for item in items], cursor

    def assignment_items(self, agent_id: str, *, limit: int,
                         after: str | None) -> tuple[list[Item], str | None]:
        """The assignment items themselves (what ``move_assignments`` moves)."""
        start: Key | None = None
        if after is not None:
            start = {"pk": keys.agent_partition(agent_id),
                     "sk": f"{keys.ASSIGNMENT_PREFIX}{after}"}
        items, last = self.table.query(
            Expression("pk = :pk AND begins_with(sk, :prefix)",
                       values={":pk": keys.agent_partition(agent_id),
                               ":prefix": keys.ASSIGNMENT_PREFIX}),
            limit=limit, start_key=start, consistent=True)
        cursor = f"{items[-1]['kind']}#{items[-1]['ref']}" if items and last else None
        return items, cursor

    def assignment_counts(self, agent_id: str) -> dict[str, int]:
        item = self.table.get(keys.assignment_counts(agent_id)) or {}
        return {kind: int(item.get(kind, 0)) for kind in ASSIGNMENT_KINDS
                if int(item.get(kind, 0))}

    @staticmethod
    def _count_op(agent_id: str, deltas: dict[str, int]) -> TxOp:
        names = {f"#k{i}": kind for i, kind in enumerate(deltas)}
        values = {f":d{i}": delta for i, delta in enumerate(deltas.values())}
        adds = ", ".join(f"#k{i} :d{i}" for i in range(len(deltas)))
        return update(keys.assignment_counts(agent_id), f"SET #type = :type ADD {adds}",
                      names={**names, "#type": "type"},
                      values={**values, ":type": "assignment_counts"})

    def load_for_delete(self, agent_id: str, target_id: str | None,
                        ) -> tuple[AgentRecord | None, dict[str, int], AgentRecord | None]:
        """The agent, its assignment counts and the reassignment target: one round trip."""
        wanted = [keys.agent(agent_id), keys.assignment_counts(agent_id)]
        if target_id:
            wanted.append(keys.agent(target_id))
        record = target = None
        counts: dict[str, int] = {}
        for item in self.table.batch_get(wanted):
            if item["sk"] == keys.PROFILE and item["pk"] == keys.agent_partition(agent_id):
                record = AgentRecord.model_validate(item)
            elif item["sk"] == keys.PROFILE:
                target = AgentRecord.model_validate(item)
            else:
                counts = {kind: int(item.get(kind, 0)) for kind in ASSIGNMENT_KINDS
                          if int(item.get(kind, 0))}
        return record, counts, target

    def move_assignments(self, source_id: str, target_id: str,
                         audit: Callable[[dict[str, int]], AuditEvent]) -> dict[str, int]:
        """Move every assignment of ``source_id`` to ``target_id``, a batch per transaction.

        Each batch deletes from the source, adds to the target (an assignment it already
        has is just dropped from the source), adjusts both counters and records an audit
        event. A batch that meets a concurrent change is read again and retried; a crash
        between batches leaves a consistent state, and running again moves the rest.
        """
        moved: dict[str, int] = {}
        retries = 0
        while True:
            items, _ = self.table.query(
                Expression("pk = :pk AND begins_with(sk, :prefix)",
                           values={":pk": keys.agent_partition(source_id),
                                   ":prefix": keys.ASSIGNMENT_PREFIX}),
                limit=MOVE_BATCH, consistent=True)
            if not items:
                return moved
            try:
                batch = self._move_batch(source_id, target_id, items, audit)
            except ConcurrentChange:
                retries += 1
                if retries > MOVE_RETRIES:
                    raise
                continue
            for kind, count in batch.items():
                moved[kind] = moved.get(kind, 0) + count

    def _move_batch(self, source_id: str, target_id: str, items: list[Item],
                    audit: Callable[[dict[str, int]], AuditEvent]) -> dict[str, int]:
        target_keys = [keys.assignment(target_id, str(i["kind"]), str(i["ref"])) for i in items]
        present = {item["sk"] for item in self.table.batch_get(target_keys)}
        taken: dict[str, int] = {}
        added: dict[str, int] = {}
        operations: list[TxOp] = [
            check(keys.agent(target_id), "attribute_exists(pk) AND active = :true",
                  values={":true": True}, on_condition_failure=InvalidReassignTarget()),
        ]
        for item, target_key in zip(items, target_keys, strict=True):
            kind = str(item["kind"])
            taken[kind] = taken.get(kind, 0) + 1
            operations.append(delete({"pk": item["pk"], "sk": item["sk"]},
                                     condition="attribute_exists(pk)"))
            if target_key["sk"] not in present:
                added[kind] = added.get(kind, 0) + 1
                operations.append(put_new({**item, **target_key}))
        operations.append(self._count_op(source_id, {k: -v for k, v in taken.items()}))
        if added:
            operations.append(self._count_op(target_id, added))
        operations += self.side_effects([audit(taken)])
        self.table.transact(operations)
        return taken

    # ------------------------------------------------------------------ deletion
    def _partition_keys(self, agent_id: str) -> list[Key]:
        """Keys of every item in the agent's partition (keys only: no secret is read)."""
        found: list[Key] = []
        params: dict[str, Any] = {
            "TableName": self.table.name,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": serialize({":pk": keys.agent_partition(agent_id)}),
            "ProjectionExpression": "pk, sk",
            "ConsistentRead": True,
        }
        while True:
            response = self.table.call(self.table.client.query, **params)
            found += [{"pk": str(k["pk"]), "sk": str(k["sk"])}
                      for k in (deserialize(raw) for raw in response.get("Items", []))]
            last = response.get("LastEvaluatedKey")
            if not last:
                return found
            params["ExclusiveStartKey"] = last

    def delete_agent(self, record: AgentRecord, audit: Sequence[AuditEvent]) -> None:
        """The agent and everything of it, in one transaction as far as it fits.

        Conditions: not logged on, no assignment left (a concurrent assignment fails the
        delete with ``409 has_assignments``). Partition items that do not fit (a very
        large number of sessions) are deleted right after; without the profile they are
        unusable anyway, and they carry TTLs.
        """
        zero_counts = " AND ".join(f"(attribute_not_exists(#{k}) OR #{k} = :zero)"
                                   for k in ASSIGNMENT_KINDS)
        operations: list[TxOp] = [
            delete(keys.agent(record.id),
                   condition="attribute_exists(pk) AND queueStatus <> :on AND version = :v",
                   values={":on": "logged_on", ":v": record.version},
                   on_condition_failure=ConcurrentChange(
                       "The agent changed meanwhile (logged on, or its roles changed); "
                       "try again")),
            delete(keys.assignment_counts(record.id), condition=zero_counts,
                   names={f"#{k}": k for k in ASSIGNMENT_KINDS}, values={":zero": 0},
                   on_condition_failure=HasAssignments()),
            delete(keys.account_guard(record.account)),
            delete(keys.email_guard(record.email)),
        ]
        if record.numericId is not None:
            operations.append(delete(keys.numeric_id_guard(record.numericId)))
        if record.pendingEmail is not None:
            operations.append(delete(keys.email_guard(record.pendingEmail.email),
                                     condition="attribute_not_exists(pk) OR agentId = :me",
                                     values={":me": record.id}))
        operations += [delete({"pk": i["pk"], "sk": i["sk"]})
                       for i in [*self.reference_items(record), *self.search_items(record)]]
        operations += self.side_effects(audit)
        handled = {keys.PROFILE, keys.assignment_counts(record.id)["sk"]}
        rest = [key for key in self._partition_keys(record.id) if key["sk"] not in handled]
        rest += self.sign_in_throttle_keys(record.id)
        room = TRANSACT_LIMIT - len(operations)
        operations += [delete(key) for key in rest[:room]]
        self.table.transact(operations)
        if rest[room:]:
            self.table.batch_write(deletes=rest[room:])

"""The search-items backfill's table access (``roster.ports.backfill``).

- Progress: one item, ``MIGRATION#search-items`` / ``MIGRATION``, held by one run at a
  time (``owner``, ``leaseUntil`` in epoch seconds; claimed and saved conditionally).
- Profiles: ``gsi1`` partition ``AGENTS`` (every profile, by account); a position is the
  last profile's index key, as JSON.
- What an agent should have is what its own writes write: ``AgentStore.reference_items``
  and ``AgentStore.search_items`` (the one definition); the missing ones are put in a
  transaction with a check that the profile is still at the version they came from.
- Sweep: a consistent, paginated ``Scan`` (a migration, not a request path) keeping the
  previous release's prefix items (``PREFIX#<1..4 characters>``, sk
  ``account#id#field``: nothing writes or reads them now, so they go unconditionally) and
  agents' word and reference items, each compared with its profile.
- Queues: the catalogue partition ``CATALOG#queues`` by id (a position is the last key,
  as JSON); a queue's name item is ``catalog.name_item``, put with a check that the
  queue is still at the revision read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from roster.errors import ConcurrentChange
from roster.models.agent import AgentRecord
from roster.models.backfill import BackfillProgress
from roster.ports.agents import CatalogData
from roster.ports.backfill import Indexed, Swept
from roster.repository import keys
from roster.repository.agents import AgentStore
from roster.repository.catalog import at_revision, name_item, public
from roster.repository.table import (
    TRANSACT_LIMIT,
    ConditionFailed,
    Expression,
    Item,
    Key,
    Table,
    TxOp,
    check,
    delete,
    deserialize,
    put,
    serialize,
)

PROGRESS: Key = {"pk": "MIGRATION#search-items", "sk": "MIGRATION"}
QUEUES = "queues"
LEGACY_PREFIX_PARTITION = "PREFIX#"  # the previous release's q items (keys.search_partition)
_WORD_PARTITION = keys.word_partition("")
_REFERENCE_PARTITION = "REF#"  # every keys.reference_partition
_INDEX_KEY = ("pk", "sk", "gsi1pk", "gsi1sk")


def _key(item: Item) -> tuple[str, str]:
    return str(item["pk"]), str(item["sk"])


def derived_items(record: AgentRecord) -> list[Item]:
    """Every word and reference item the agent's own writes keep for it."""
    return [*AgentStore.reference_items(record), *AgentStore.search_items(record)]


def _guarded(guard: TxOp, operations: Sequence[TxOp]) -> list[list[TxOp]]:
    """``operations`` in transactions that fit, each with ``guard`` first."""
    room = TRANSACT_LIMIT - 1
    return [[guard, *operations[start:start + room]]
            for start in range(0, len(operations), room)]


class TableBackfill:
    """``SearchItemsBackfill`` on the table."""

    def __init__(self, table: Table) -> None:
        self.table = table

    # ------------------------------------------------------------------ progress
    def backfill_progress(self) -> BackfillProgress | None:
        item = self.table.get(PROGRESS)
        return BackfillProgress.model_validate(item) if item else None

    def claim_backfill(self, run_id: str, *, now: int, until: int) -> BackfillProgress | None:
        try:
            item = self.table.update(
                PROGRESS, "SET #owner = :me, #lease = :until, #type = :type, "
                          "#phase = if_not_exists(#phase, :start)",
                condition="attribute_not_exists(pk) OR #lease < :now OR #owner = :me",
                names={"#owner": "owner", "#lease": "leaseUntil", "#type": "type",
                       "#phase": "phase"},
                values={":me": run_id, ":until": until, ":now": now, ":type": "migration",
                        ":start": "agents"})
        except ConditionFailed:
            return None
        return BackfillProgress.model_validate(item)

    def save_backfill(self, run_id: str, progress: BackfillProgress, *, until: int) -> None:
        fields = {**progress.model_dump(mode="json"), "leaseUntil": until}
        names = {f"#f{index}": name for index, name in enumerate(fields)}
        values: dict[str, Any] = {f":v{index}": value
                                  for index, value in enumerate(fields.values())}
        try:
            self.table.update(PROGRESS, "SET " + ", ".join(f"#f{i} = :v{i}"
                                                           for i in range(len(fields))),
                              condition="#owner = :me", names={**names, "#owner": "owner"},
                              values={**values, ":me": run_id})
        except ConditionFailed:
            raise ConcurrentChange("Another run holds the backfill") from None

    # ------------------------------------------------------------------ agents
    def profile_page(self, after: str | None, *,
                     limit: int) -> tuple[list[tuple[AgentRecord, str]], bool]:
        items, last = self.table.query(
            Expression("gsi1pk = :agents", values={":agents": keys.AGENT_LIST_PARTITION}),
            index="gsi1", limit=limit, start_key=json.loads(after) if after else None)
        return [(AgentRecord.model_validate(item),
                 json.dumps({name: item[name] for name in _INDEX_KEY}, sort_keys=True))
                for item in items], last is not None

    def current_agents(self, agent_ids: Sequence[str]) -> list[AgentRecord]:
        if not agent_ids:
            return []
        return [AgentRecord.model_validate(item)
                for item in self.table.batch_get([keys.agent(i) for i in agent_ids])]

    def index_agents(self, records: Sequence[AgentRecord]) -> Indexed:
        wanted = {record.id: derived_items(record) for record in records}
        present = {_key(item): item for item in self.table.batch_get(
            [{"pk": item["pk"], "sk": item["sk"]} for items in wanted.values()
             for item in items])}
        outcome = Indexed()
        for record in records:
            missing = [put(item) for item in wanted[record.id]
                       if present.get(_key(item)) != item]
            if not missing:
                continue
            at_version = check(keys.agent(record.id), "version = :version",
                               values={":version": record.version})
            try:
                for operations in _guarded(at_version, missing):
                    self.table.transact(operations)
            except ConcurrentChange:
                outcome.moved.append(record.id)
            else:
                outcome.written.append(record.id)
        return outcome

    # ------------------------------------------------------------------ sweep
    def sweep_page(self, after: str | None, *, limit: int) -> Swept:
        params: dict[str, Any] = {
            "TableName": self.table.name, "Limit": limit, "ConsistentRead": True,
            "FilterExpression": "begins_with(pk, :prefix) OR begins_with(pk, :word) OR "
                                "(begins_with(pk, :ref) AND NOT begins_with(sk, :owned))",
            "ExpressionAttributeValues": serialize({
                ":prefix": LEGACY_PREFIX_PARTITION, ":word": _WORD_PARTITION,
                ":ref": _REFERENCE_PARTITION, ":owned": "~"}),
        }
        if after:
            params["ExclusiveStartKey"] = serialize(json.loads(after))
        response = self.table.call(self.table.client.scan, **params)
        items = [deserialize(raw) for raw in response.get("Items", [])]
        last = response.get("LastEvaluatedKey")
        legacy = [{"pk": pk, "sk": sk} for pk, sk in map(_key, items)
                  if pk.startswith(LEGACY_PREFIX_PARTITION)]
        self.table.batch_write(deletes=legacy)
        deleted, skipped = self._drop_unaccounted(
            [item for item in items if "agentId" in item
             and not str(item["pk"]).startswith(LEGACY_PREFIX_PARTITION)])
        position = json.dumps(deserialize(last), sort_keys=True) if last else None
        return Swept(deleted=len(legacy) + deleted, skipped=skipped, next=position)

    def _drop_unaccounted(self, items: Sequence[Item]) -> tuple[int, int]:
        """Delete the word and reference items their agent's profile does not make (all
        of them when it is gone), while that profile stays as read: ``(deleted, skipped)``."""
        by_agent: dict[str, list[Item]] = {}
        for item in items:
            by_agent.setdefault(str(item["agentId"]), []).append(item)
        profiles = {record.id: record for record in self.current_agents(list(by_agent))}
        deleted = skipped = 0
        for agent_id, found in by_agent.items():
            record = profiles.get(agent_id)
            accounted = {_key(item) for item in derived_items(record)} if record else set()
            stale = [delete({"pk": pk, "sk": sk}) for pk, sk in map(_key, found)
                     if (pk, sk) not in accounted]
            if not stale:
                continue
            unchanged = (check(keys.agent(agent_id), "version = :version",
                               values={":version": record.version}) if record else
                         check(keys.agent(agent_id), "attribute_not_exists(pk)"))
            try:
                for operations in _guarded(unchanged, stale):
                    self.table.transact(operations)
                deleted += len(stale)
            except ConcurrentChange:
                skipped += len(stale)
        return deleted, skipped

    # ------------------------------------------------------------------ queues
    def queue_page(self, after: str | None, *,
                   limit: int) -> tuple[list[tuple[CatalogData, int]], str | None]:
        items, last = self.table.query(
            Expression("pk = :p", values={":p": keys.catalog_partition(QUEUES)}),
            limit=limit, start_key=json.loads(after) if after else None, consistent=True)
        return ([(public(item), int(item.get("revision", 0))) for item in items],
                json.dumps(last, sort_keys=True) if last else None)

    def current_queues(self, queue_ids: Sequence[str]) -> list[tuple[CatalogData, int]]:
        if not queue_ids:
            return []
        return [(public(item), int(item.get("revision", 0))) for item in
                self.table.batch_get([keys.catalog(QUEUES, i) for i in queue_ids])]

    def name_queues(self, queues: Sequence[tuple[CatalogData, int]]) -> Indexed:
        wanted = [(name_item(QUEUES, item), revision) for item, revision in queues]
        present = {_key(item): item for item in self.table.batch_get(
            [{"pk": item["pk"], "sk": item["sk"]} for item, _ in wanted])}
        outcome = Indexed()
        for item, revision in wanted:
            if present.get(_key(item)) == item:
                continue
            condition, values = at_revision(revision)
            queue_id = str(item["id"])
            try:
                self.table.transact([check(keys.catalog(QUEUES, queue_id), condition,
                                           values=values), put(item)])
            except ConcurrentChange:
                outcome.moved.append(queue_id)
            else:
                outcome.written.append(queue_id)
        return outcome

"""``SearchItemsBackfill`` in memory: the agents in ``World.unindexed`` lack their items
until indexed at their current version; ``World.legacy_items`` go in the sweep; the
progress is held by one run at a time, as the adapter's conditional writes hold it;
the queues in ``World.unnamed`` lack their name item until named at their revision."""

from __future__ import annotations

from collections.abc import Sequence

from roster.errors import ConcurrentChange
from roster.models.agent import AgentRecord
from roster.models.backfill import BackfillProgress
from roster.ports.agents import CatalogData
from roster.ports.backfill import Indexed, Swept

from support.fakes.world import World


def position(record: AgentRecord) -> str:
    """A profile's place in the account order (the adapter's is its index key)."""
    return f"{record.account.lower()}#{record.id}"


class MemoryBackfill:
    def __init__(self, world: World) -> None:
        self.world = world

    def backfill_progress(self) -> BackfillProgress | None:
        return self.world.backfill

    def claim_backfill(self, run_id: str, *, now: int, until: int) -> BackfillProgress | None:
        lease = self.world.backfill_lease
        if lease is not None and lease[0] != run_id and lease[1] >= now:
            return None
        self.world.backfill_lease = (run_id, until)
        if self.world.backfill is None:
            self.world.backfill = BackfillProgress()
        return self.world.backfill

    def save_backfill(self, run_id: str, progress: BackfillProgress, *, until: int) -> None:
        lease = self.world.backfill_lease
        if lease is None or lease[0] != run_id:
            raise ConcurrentChange("Another run holds the backfill")
        self.world.backfill = progress
        self.world.backfill_lease = (run_id, until)

    def profile_page(self, after: str | None, *,
                     limit: int) -> tuple[list[tuple[AgentRecord, str]], bool]:
        ordered = sorted((position(record), record) for record in self.world.agents.values())
        rest = [(record, at) for at, record in ordered if after is None or at > after]
        return rest[:limit], len(rest) > limit

    def current_agents(self, agent_ids: Sequence[str]) -> list[AgentRecord]:
        return [self.world.agents[i] for i in agent_ids if i in self.world.agents]

    def index_agents(self, records: Sequence[AgentRecord]) -> Indexed:
        outcome = Indexed()
        for record in records:
            if record.id not in self.world.unindexed:
                continue  # nothing missing: nothing written, whatever its version
            current = self.world.agents.get(record.id)
            if current is None or current.version != record.version:
                outcome.moved.append(record.id)
                continue
            self.world.unindexed.discard(record.id)
            outcome.written.append(record.id)
        return outcome

    def sweep_page(self, after: str | None, *, limit: int) -> Swept:
        handles = sorted(self.world.legacy_items)
        page = [handle for handle in handles if after is None or "#".join(handle) > after]
        examined = page[:limit]
        self.world.legacy_items -= set(examined)
        more = len(page) > limit
        return Swept(deleted=len(examined),
                     next="#".join(examined[-1]) if more and examined else None)

    def queue_page(self, after: str | None, *,
                   limit: int) -> tuple[list[tuple[CatalogData, int]], str | None]:
        rest = [(dict(data), revision) for (kind, item_id), (data, revision)
                in sorted(self.world.catalog.items())
                if kind == "queues" and (after is None or item_id > after)]
        page = rest[:limit]
        return page, (str(page[-1][0]["id"]) if len(rest) > limit else None)

    def current_queues(self, queue_ids: Sequence[str]) -> list[tuple[CatalogData, int]]:
        return [(dict(data), revision) for data, revision in
                (self.world.catalog[("queues", i)] for i in queue_ids
                 if ("queues", i) in self.world.catalog)]

    def name_queues(self, queues: Sequence[tuple[CatalogData, int]]) -> Indexed:
        outcome = Indexed()
        for data, revision in queues:
            handle = ("queues", str(data["id"]))
            if handle not in self.world.unnamed:
                continue  # named already: nothing written
            current = self.world.catalog.get(handle)
            if current is None or current[1] != revision:
                outcome.moved.append(handle[1])
                continue
            self.world.unnamed.discard(handle)
            outcome.written.append(handle[1])
        return outcome

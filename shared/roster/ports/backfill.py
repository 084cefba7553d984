"""What the search-items backfill needs from storage (``roster.services.backfill``):
its progress, held by one run at a time, and the profiles and items it repairs.

Every repair is conditional: the items an agent lacks are written only while its profile
is still at the version they were derived from (else ``moved``), a stale item is removed
only while the profile that makes it stale is unchanged (else ``skipped``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from roster.ports import Port

if TYPE_CHECKING:
    from roster.models.agent import AgentRecord
    from roster.models.backfill import BackfillProgress
    from roster.ports.agents import CatalogData


@dataclass(frozen=True)
class Indexed:
    """``index_agents``' (``name_queues``') outcome: the agents (queues) whose missing
    items were written, and the ones that moved on since they were read (nothing written
    for those)."""

    written: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Swept:
    """One page of the sweep: items deleted, items left because their agent changed
    meanwhile, and where the next page starts (``None``: the table is done)."""

    deleted: int = 0
    skipped: int = 0
    next: str | None = None


class SearchItemsBackfill(Protocol):
    def backfill_progress(self) -> BackfillProgress | None:
        """The migration's progress (``None``: it never ran)."""

    def claim_backfill(self, run_id: str, *, now: int, until: int) -> BackfillProgress | None:
        """Hold the migration for ``run_id`` until epoch second ``until``, unless another
        run holds it past ``now`` (then ``None``); its progress."""

    def save_backfill(self, run_id: str, progress: BackfillProgress, *, until: int) -> None:
        """Record ``progress`` (and hold on until ``until``) while ``run_id`` still holds
        the migration; ``ConcurrentChange`` when it does not."""

    def profile_page(self, after: str | None, *,
                     limit: int) -> tuple[list[tuple[AgentRecord, str]], bool]:
        """Up to ``limit`` profiles after position ``after``, each with its own position,
        and whether more may follow."""

    def current_agents(self, agent_ids: Sequence[str]) -> list[AgentRecord]:
        """The agents as stored now (deleted ones left out)."""

    def index_agents(self, records: Sequence[AgentRecord]) -> Indexed:
        """Write the word and reference items each agent lacks (or holds out of date),
        exactly as its own writes would, each agent's only while it is at its version."""

    def sweep_page(self, after: str | None, *, limit: int) -> Swept:
        """Examine up to ``limit`` items of the table after ``after``: delete the search
        items of the previous release, and word or reference items no profile accounts
        for (each only while that profile is unchanged)."""


    def queue_page(self, after: str | None, *,
                   limit: int) -> tuple[list[tuple[CatalogData, int]], str | None]:
        """Up to ``limit`` queues (public fields, revision) after position ``after``, by
        id, and the position of the next page (``None``: none follows)."""

    def current_queues(self, queue_ids: Sequence[str]) -> list[tuple[CatalogData, int]]:
        """The queues as stored now (deleted ones left out)."""

    def name_queues(self, queues: Sequence[tuple[CatalogData, int]]) -> Indexed:
        """Write the name item each queue lacks (or holds out of date), as the queue's
        own writes would, each only while the queue is at the revision read."""


backfill_store = Port[SearchItemsBackfill]("backfill")

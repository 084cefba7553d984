"""The search-items backfill: a one-off migration after upgrading to issue 13's listings
(and to issue 14's queue names).

A table written by an earlier release has agents without word items (``?q=``) and
without the attribute reference items (``?language=``, ``?locked=``...), still holds
the prefix items of the release before issue 13, which nothing reads any more, and has
queues without the name item SCIM's ``displayName eq`` reads. Three phases, each
resumable:

1. ``agents``: every profile, page by page in account order; the items an agent lacks
   are written as its own writes write them, while it is still at the version read (a
   profile that moved meanwhile is read again and tried again).
2. ``sweep``: one pass over the table: the prefix items are deleted, and so are word and
   reference items that no profile accounts for any more.
3. ``queues``: every queue, page by page by id; the name item a queue lacks is written
   while the queue is still at the revision read (one that moved is read again).

A migration that finished before phase 3 existed (``generation`` 1) continues with it.

The progress is stored after each page, held by one run at a time (a lease as long as
the run's time); a run stops ``SAFETY_MARGIN_MS`` before its time is up and answers
``done: false``: run it again and it continues. A finished migration answers
``done: true`` and writes nothing. Every write is idempotent, so a page done twice
(a run that died before saving it) changes nothing the second time.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import TypeVar

from aws_lambda_powertools.metrics import MetricUnit

from roster import clock
from roster.errors import ConcurrentChange
from roster.models.backfill import GENERATION, BackfillProgress, BackfillReport
from roster.observability import logger, metrics
from roster.ports.backfill import Indexed, SearchItemsBackfill, backfill_store

SAFETY_MARGIN_MS = 30_000  # stop paging with this much of the invocation left
UNTIMED_LEASE_MS = 900_000  # a run with no time limit (local mode) holds it this long
PROFILE_PAGE = 25
SWEEP_PAGE = 500
QUEUE_PAGE = 25
INDEX_ROUNDS = 5  # reads of an item that keeps changing before the run gives up on it

Read = TypeVar("Read")


def _finished(progress: BackfillProgress) -> bool:
    return progress.phase == "done" and progress.generation >= GENERATION


def run(time_left_ms: Callable[[], int] | None = None) -> BackfillReport:
    """One run: claim the migration, advance it page by page until it is done or the
    time runs short, and say which (``BackfillReport``)."""
    store = backfill_store()
    stored = store.backfill_progress()
    if stored is not None and _finished(stored):
        return BackfillReport(done=True, phase="done")
    run_id = uuid.uuid4().hex
    now = clock.epoch(clock.now())
    until = now + (time_left_ms() if time_left_ms is not None else UNTIMED_LEASE_MS) // 1000
    saved = store.claim_backfill(run_id, now=now, until=until)  # as stored under this hold
    if saved is None:
        return BackfillReport(done=False, busy=True,
                              phase=stored.phase if stored is not None else "agents",
                              next=stored.position if stored is not None else None)
    if saved.phase == "done" and not _finished(saved):  # finished before "queues" existed
        saved = saved.model_copy(update={"phase": "queues", "position": None,
                                         "finishedAt": None})
    report = BackfillReport(done=False, phase=saved.phase)
    held = True
    try:
        while held and saved.phase != "done":
            if time_left_ms is not None and time_left_ms() < SAFETY_MARGIN_MS:
                break
            advanced = _advance(store, saved, report)
            if advanced is None:
                break
            held = _save(store, run_id, advanced, until=until)
            saved = advanced if held else saved
        if held:
            _save(store, run_id, saved, until=0)  # released: the next run may start at once
    except Exception:
        _save(store, run_id, saved, until=0)
        raise
    report.done = saved.phase == "done"
    report.phase = saved.phase
    report.next = saved.position
    for name, value in (("BackfillAgentsRead", report.agentsRead),
                        ("BackfillAgentsIndexed", report.agentsIndexed),
                        ("BackfillItemsDeleted", report.itemsDeleted),
                        ("BackfillItemsSkipped", report.skipped),
                        ("BackfillQueuesNamed", report.queuesNamed)):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    logger.info("backfill run finished", extra=report.model_dump())
    return report


def _save(store: SearchItemsBackfill, run_id: str, progress: BackfillProgress, *,
          until: int) -> bool:
    """Store ``progress`` under this run's hold; ``False`` when the hold was lost (the
    run outlived its lease and another took over: that one carries on)."""
    try:
        store.save_backfill(run_id, progress, until=until)
    except ConcurrentChange:
        logger.warning("backfill: another run holds the migration; stopping")
        return False
    return True


def _advance(store: SearchItemsBackfill, progress: BackfillProgress,
             report: BackfillReport) -> BackfillProgress | None:
    """One page of the current phase; the progress after it (``None``: stop this run
    where it is)."""
    if progress.phase == "agents":
        return _index_page(store, progress, report)
    if progress.phase == "queues":
        return _name_page(store, progress, report)
    swept = store.sweep_page(progress.position, limit=SWEEP_PAGE)
    report.itemsDeleted += swept.deleted
    report.skipped += swept.skipped
    changes = {"position": swept.next, "itemsDeleted": progress.itemsDeleted + swept.deleted,
               "skipped": progress.skipped + swept.skipped}
    if swept.next is None:
        changes.update(phase="queues")
    return progress.model_copy(update=changes)


def _rounds(index: Callable[[Sequence[Read]], Indexed],
            read_again: Callable[[list[str]], list[Read]], items: list[Read],
            what: str) -> int | None:
    """Write what ``items`` lack, reading again and retrying those that moved meanwhile;
    how many were written (``None``: some kept changing, the page is not passed and the
    next run tries them again; their own writes keep the items they have meanwhile)."""
    written = 0
    for _ in range(INDEX_ROUNDS):
        outcome = index(items)
        written += len(outcome.written)
        if not outcome.moved:
            return written
        items = read_again(outcome.moved)
    logger.warning(f"backfill: {what} kept changing; stopping", extra={what: outcome.moved})
    return None


def _index_page(store: SearchItemsBackfill, progress: BackfillProgress,
                report: BackfillReport) -> BackfillProgress | None:
    page, more = store.profile_page(progress.position, limit=PROFILE_PAGE)
    written = _rounds(store.index_agents, store.current_agents,
                      [record for record, _ in page], "agents")
    if written is None:
        return None
    report.agentsRead += len(page)
    report.agentsIndexed += written
    changes: dict[str, object] = {
        "agentsRead": progress.agentsRead + len(page),
        "agentsIndexed": progress.agentsIndexed + written,
        "position": page[-1][1] if page else progress.position,
    }
    if not more:
        changes.update(phase="sweep", position=None)
    return progress.model_copy(update=changes)


def _name_page(store: SearchItemsBackfill, progress: BackfillProgress,
               report: BackfillReport) -> BackfillProgress | None:
    page, after = store.queue_page(progress.position, limit=QUEUE_PAGE)
    written = _rounds(store.name_queues, store.current_queues, page, "queues")
    if written is None:
        return None
    report.queuesRead += len(page)
    report.queuesNamed += written
    changes: dict[str, object] = {"queuesRead": progress.queuesRead + len(page),
                                  "queuesNamed": progress.queuesNamed + written,
                                  "position": after}
    if after is None:
        changes.update(phase="done", generation=GENERATION, finishedAt=clock.iso(clock.now()))
    return progress.model_copy(update=changes)

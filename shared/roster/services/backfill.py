"""The search-items backfill: a one-off migration after upgrading to issue 13's listings.

A table written by the previous release has agents without word items (``?q=``) and
without the attribute reference items (``?language=``, ``?locked=``...), and still holds
that release's prefix items, which nothing reads any more. Two phases, each resumable:

1. ``agents``: every profile, page by page in account order; the items an agent lacks
   are written as its own writes write them, while it is still at the version read (a
   profile that moved meanwhile is read again and tried again).
2. ``sweep``: one pass over the table: the prefix items are deleted, and so are word and
   reference items that no profile accounts for any more.

The progress is stored after each page, held by one run at a time (a lease as long as
the run's time); a run stops ``SAFETY_MARGIN_MS`` before its time is up and answers
``done: false``: run it again and it continues. A finished migration answers
``done: true`` and writes nothing. Every write is idempotent, so a page done twice
(a run that died before saving it) changes nothing the second time.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from aws_lambda_powertools.metrics import MetricUnit

from roster import clock
from roster.errors import ConcurrentChange
from roster.models.backfill import BackfillProgress, BackfillReport
from roster.observability import logger, metrics
from roster.ports.backfill import SearchItemsBackfill, backfill_store

SAFETY_MARGIN_MS = 30_000  # stop paging with this much of the invocation left
UNTIMED_LEASE_MS = 900_000  # a run with no time limit (local mode) holds it this long
PROFILE_PAGE = 25
SWEEP_PAGE = 500
INDEX_ROUNDS = 5  # reads of an agent that keeps changing before the run gives up on it


def run(time_left_ms: Callable[[], int] | None = None) -> BackfillReport:
    """One run: claim the migration, advance it page by page until it is done or the
    time runs short, and say which (``BackfillReport``)."""
    store = backfill_store()
    stored = store.backfill_progress()
    if stored is not None and stored.phase == "done":
        return BackfillReport(done=True, phase="done")
    run_id = uuid.uuid4().hex
    now = clock.epoch(clock.now())
    until = now + (time_left_ms() if time_left_ms is not None else UNTIMED_LEASE_MS) // 1000
    saved = store.claim_backfill(run_id, now=now, until=until)  # as stored under this hold
    if saved is None:
        return BackfillReport(done=False, busy=True,
                              phase=stored.phase if stored is not None else "agents",
                              next=stored.position if stored is not None else None)
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
                        ("BackfillItemsSkipped", report.skipped)):
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
    swept = store.sweep_page(progress.position, limit=SWEEP_PAGE)
    report.itemsDeleted += swept.deleted
    report.skipped += swept.skipped
    changes = {"position": swept.next, "itemsDeleted": progress.itemsDeleted + swept.deleted,
               "skipped": progress.skipped + swept.skipped}
    if swept.next is None:
        changes.update(phase="done", finishedAt=clock.iso(clock.now()))
    return progress.model_copy(update=changes)


def _index_page(store: SearchItemsBackfill, progress: BackfillProgress,
                report: BackfillReport) -> BackfillProgress | None:
    page, more = store.profile_page(progress.position, limit=PROFILE_PAGE)
    records = [record for record, _ in page]
    written = 0
    for _ in range(INDEX_ROUNDS):
        outcome = store.index_agents(records)
        written += len(outcome.written)
        if not outcome.moved:
            break
        records = store.current_agents(outcome.moved)  # read again, tried again
    else:
        # Agents that changed at every read: the page is not passed, the next run tries
        # them again (their own writes keep the items they have meanwhile).
        logger.warning("backfill: agents kept changing; stopping",
                       extra={"agents": [record.id for record in records]})
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

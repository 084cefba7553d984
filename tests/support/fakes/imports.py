"""Fakes of the bulk-import ports: jobs, row markers, errors and sharded counters on the
``World``, with the adapter's conditions (a row's outcome once, ``RowAlreadyDone``
after), and a queue that keeps what was sent (or refuses it)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from roster.errors import RowAlreadyDone
from roster.models.agent import fold_account, fold_email
from roster.models.audit import AuditEvent
from roster.models.imports import FIRST_ERRORS, ImportBatch, ImportJob, ImportSummary, RowError
from roster.ports.imports import Identities, RowMark

from support.fakes.world import World

_COUNTERS = ("processed", "created", "failed")


def apply_row(world: World, mark: RowMark, errors: Sequence[RowError] = ()) -> None:
    """The row's marker, errors and counter (``RowAlreadyDone`` if marked already);
    the caller holds ``world.lock`` and has checked its other conditions."""
    if (mark.import_id, mark.row) in world.import_rows:
        raise RowAlreadyDone()
    world.import_rows[(mark.import_id, mark.row)] = mark.outcome
    world.import_errors.setdefault(mark.import_id, []).extend(errors)
    counter = world.import_counters.setdefault((mark.import_id, mark.shard),
                                               dict.fromkeys(_COUNTERS, 0))
    counter["processed"] += 1
    counter[mark.outcome] += 1


class MemoryImportStore:
    def __init__(self, world: World) -> None:
        self.world = world

    def _sum(self, import_id: str) -> dict[str, int]:
        totals = dict.fromkeys(_COUNTERS, 0)
        for (owner, _), counter in self.world.import_counters.items():
            if owner == import_id:
                for name in _COUNTERS:
                    totals[name] += counter[name]
        return totals

    def _errors(self, import_id: str) -> list[RowError]:
        return sorted(self.world.import_errors.get(import_id, []), key=lambda e: e.row)

    def create_job(self, job: ImportSummary, audit: AuditEvent) -> None:
        with self.world.lock:
            self.world.imports[job.id] = job
            self.world.record([audit])

    def load_job(self, import_id: str) -> ImportSummary | None:
        return self.world.imports.get(import_id)

    def get_job(self, import_id: str) -> ImportJob | None:
        job = self.world.imports.get(import_id)
        if job is None:
            return None
        return ImportJob(**{**job.model_dump(), **self._sum(import_id)},
                         errors=self._errors(import_id)[:FIRST_ERRORS])

    def job_page(self, *, limit: int, after: str | None,
                 ) -> tuple[list[ImportSummary], str | None]:
        jobs = list(self.world.imports.values())[::-1]  # newest first: insertion order
        start = 0 if after is None else [job.id for job in jobs].index(after) + 1
        page = jobs[start:start + limit]
        return page, (page[-1].id if page and start + limit < len(jobs) else None)

    def error_page(self, import_id: str, *, limit: int, after: str | None,
                   ) -> tuple[list[RowError], str | None]:
        errors = self._errors(import_id)
        start = 0 if after is None else int(after)
        page = errors[start:start + limit]
        return page, (str(start + limit) if start + limit < len(errors) else None)

    def mark_running(self, import_id: str) -> None:
        with self.world.lock:
            job = self.world.imports[import_id]
            if job.status == "queued":
                self.world.imports[import_id] = job.model_copy(update={"status": "running"})

    def record_row(self, mark: RowMark, errors: Sequence[RowError] = ()) -> None:
        with self.world.lock:
            apply_row(self.world, mark, errors)

    def settle(self, job: ImportSummary,
               finished: Callable[[ImportSummary], AuditEvent]) -> ImportSummary:
        with self.world.lock:
            counters = self._sum(job.id)
            stored = self.world.imports[job.id]
            settled = stored.model_copy(update=counters)
            if counters["processed"] >= job.total and stored.status in ("queued", "running"):
                settled = settled.model_copy(update={"status": "done",
                                                     "finishedAt": "2026-01-01T00:00:00Z"})
                self.world.record([finished(settled)])
            if stored.status != "done":
                self.world.imports[job.id] = settled
            return self.world.imports[job.id]

    def taken_identities(self, accounts: Sequence[str], emails: Sequence[str],
                         numeric_ids: Sequence[int]) -> Identities:
        return Identities(
            accounts=frozenset(fold_account(a) for a in accounts
                               if self.world.owner_of(a) is not None),
            emails=frozenset(fold_email(e) for e in emails
                             if self.world.owner_of(e) is not None),
            numeric_ids=frozenset(n for n in numeric_ids if n in self.world.numeric_ids))


@dataclass
class MemoryImportQueue:
    """The batches sent, in order (``refuse``: ``send`` fails), and the batches asked to
    come back sooner."""

    sent: list[ImportBatch] = field(default_factory=list)
    refuse: bool = False
    delayed: list[tuple[str, int]] = field(default_factory=list)  # (receipt, seconds)

    def send(self, batches: Sequence[ImportBatch]) -> None:
        if self.refuse:
            raise ConnectionError("the queue is unavailable")
        self.sent.extend(batches)

    def retry_later(self, receipt: str, seconds: int) -> None:
        self.delayed.append((receipt, seconds))

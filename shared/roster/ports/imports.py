"""What bulk import needs: its jobs, their rows' outcomes and counters, and the queue
that carries rows to the workers.

A row is done exactly once: every outcome (an agent created, errors recorded, a dry-run
row checked) is written with the row's marker, conditionally, in one transaction with
its counter increment; a second delivery of the row finds the marker
(``RowAlreadyDone``) and changes nothing. Counters are sharded by batch so that workers
running side by side rarely touch the same item.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Protocol

from roster.ports import Port

if TYPE_CHECKING:
    from roster.models.audit import AuditEvent
    from roster.models.imports import ImportBatch, ImportJob, ImportSummary, RowError

COUNTER_SHARDS = 16
Outcome = Literal["created", "failed"]


@dataclass(frozen=True)
class RowMark:
    """The marker a row's outcome is written with, and the counter it adds to."""

    import_id: str
    row: int
    shard: int
    outcome: Outcome
    agent_id: str | None = None


@dataclass(frozen=True)
class Identities:
    """What a dry run finds already taken in the table (folded as uniqueness folds)."""

    accounts: frozenset[str]
    emails: frozenset[str]
    numeric_ids: frozenset[int]


class ImportStore(Protocol):
    def create_job(self, job: ImportSummary, audit: AuditEvent) -> None: ...

    def load_job(self, import_id: str) -> ImportSummary | None:
        """The job as last settled (one read; what a worker needs)."""

    def get_job(self, import_id: str) -> ImportJob | None:
        """The job with its counters summed and its first errors (one round trip)."""

    def job_page(self, *, limit: int, after: str | None,
                 ) -> tuple[list[ImportSummary], str | None]:
        """Newest first, after position ``after``; and the position to continue from."""

    def error_page(self, import_id: str, *, limit: int, after: str | None,
                   ) -> tuple[list[RowError], str | None]:
        """A job's row errors by row, after position ``after``."""

    def mark_running(self, import_id: str) -> None:
        """``queued`` becomes ``running`` (nothing when it is past that)."""

    def record_row(self, mark: RowMark, errors: Sequence[RowError] = ()) -> None:
        """A row's outcome without an agent write (errors; a dry run's checked row);
        ``RowAlreadyDone`` when the row has one already."""

    def settle(self, job: ImportSummary,
               finished: Callable[[ImportSummary], AuditEvent]) -> ImportSummary:
        """Sum the counters onto the job (never backwards); once every row is done the
        job becomes ``done``, with ``finished(job)`` recorded once."""

    def taken_identities(self, accounts: Sequence[str], emails: Sequence[str],
                         numeric_ids: Sequence[int]) -> Identities:
        """Which of these accounts, emails and numeric ids agents already hold."""


class ImportQueue(Protocol):
    def send(self, batches: Sequence[ImportBatch]) -> None:
        """Queue every batch, or raise (some may be queued: their job is not written)."""

    def retry_later(self, receipt: str, seconds: int) -> None:
        """The batch received with ``receipt`` comes again in ``seconds``."""


import_store = Port[ImportStore]("imports")
import_queue = Port[ImportQueue]("import_queue")

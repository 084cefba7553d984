"""Bulk import: a CSV file becomes a job, its rows go through a queue to the workers,
each row is done exactly once (API.md "Bulk import", docs/imports.md).

``POST /imports`` reads the whole file (``roster.models.import_file``), refuses a file
it cannot read as a whole (422/413), marks rows that repeat an earlier row's account,
email or numeric id (``duplicate_in_file``), writes the job and queues its rows in
batches of ``ROWS_PER_BATCH``. A worker takes a batch (``process_batch``): it reads the
job, the importer's current permissions and the catalogue items the batch refers to
once, then gives every row the outcome ``POST /agents`` would (a created agent, or its
errors), written with the row's marker in one transaction. A batch delivered again
(a worker crashed, SQS redelivered) finds the markers of the rows already done and
does the rest: nobody is created twice, no row is lost or counted twice.
"""

from __future__ import annotations

import hashlib
import random
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any, TypeVar

from pydantic import ValidationError

from roster import clock, cursor
from roster.authorization import Actor, held_by
from roster.config import get_settings
from roster.errors import (
    ConcurrentChange,
    InvalidCsv,
    NotFound,
    PayloadTooLarge,
    RosterError,
    RowAlreadyDone,
    ServiceUnavailable,
    ValidationFailed,
)
from roster.models.agent import fold_account, fold_email, reference_values
from roster.models.agents_api import CreateAgentRequest
from roster.models.audit import AuditEvent
from roster.models.import_file import (
    MAX_CELL_LENGTH,
    MAX_IMPORT_BYTES,
    CsvRow,
    ImportPasswordMode,
    read_csv,
    request_fields,
    unformula,
)
from roster.models.imports import (
    ImportBatch,
    ImportJob,
    ImportPage,
    ImportSummary,
    QueuedRow,
    RowError,
    RowErrorPage,
)
from roster.models.validation import validation_errors
from roster.observability import logger
from roster.permissions import AGENTS_WRITE
from roster.ports.agents import CatalogData, CatalogRef, agent_store
from roster.ports.imports import COUNTER_SHARDS, Identities, RowMark, import_queue, import_store

T = TypeVar("T")
ROWS_PER_BATCH = 25  # one queue message; a worker takes a few messages at a time
# A message's rows (a row is at most 18 cells of MAX_CELL_LENGTH): ten messages fit one
# SendMessageBatch (256 KiB for the whole call).
MAX_BATCH_BYTES = 24_000
CSV_TYPES = frozenset({"text/csv", "application/csv"})
ROW_RETRIES = 6  # a row that meets a concurrent write (a shared counter, a catalogue item)
RETRY_BUSY_SECONDS = 30  # a batch whose row stayed busy comes back after this
RETRY_EARLY_SECONDS = 5  # a batch that came before its job was written, likewise
LIST_SCOPE = "IMPORTS"
# The field an error without one is about, by code.
_FIELD_OF_CODE = {"account_taken": "account", "email_taken": "email",
                  "numeric_id_taken": "numericId", "forbidden": "roles"}


# ---------------------------------------------------------------------- start
def start_import(actor: Actor, body: bytes, *, content_type: str | None, dry_run: bool,
                 send_welcome: bool, password_mode: ImportPasswordMode,
                 idempotency_key: str | None = None) -> tuple[ImportJob, bool]:
    """The queued job (and whether it is a replay of an ``Idempotency-Key``'s first)."""
    _require_csv(content_type)
    if len(body) > MAX_IMPORT_BYTES:
        raise PayloadTooLarge(f"A file takes at most {MAX_IMPORT_BYTES // (1024 * 1024)} MB "
                              "inline; split it")
    if password_mode == "generate" and not send_welcome:
        raise ValidationFailed(
            "Generated passwords travel only in the welcome mail: with sendWelcome=false "
            "nobody would learn them", errors=[{"field": "passwordMode", "message":
                                               "generate needs sendWelcome=true"}])
    settings = {"dryRun": dry_run, "sendWelcome": send_welcome, "passwordMode": password_mode}

    def start() -> dict[str, Any]:
        return _start(actor, body, dry_run=dry_run, send_welcome=send_welcome,
                      password_mode=password_mode).model_dump(mode="json")

    if idempotency_key is None:
        return ImportJob.model_validate(start()), False
    from roster.services import idempotency

    payload = {**settings, "sha256": hashlib.sha256(body).hexdigest()}
    result, replayed = idempotency.run_once("imports", f"{actor.id}:{idempotency_key}",
                                            payload, start)
    return ImportJob.model_validate(result), replayed


def _require_csv(content_type: str | None) -> None:
    media, _, parameters = (content_type or "").partition(";")
    charset = next((value.strip().strip('"').lower() for name, _, value in
                    (part.strip().partition("=") for part in parameters.split(";"))
                    if name.strip().lower() == "charset"), "utf-8")
    if media.strip().lower() not in CSV_TYPES or charset not in {"utf-8", "utf8"}:
        raise InvalidCsv("Send the file itself as the body, with Content-Type: text/csv "
                         "(UTF-8)", errors=[{"field": "Content-Type",
                                             "message": "Must be text/csv"}])


def _start(actor: Actor, body: bytes, *, dry_run: bool, send_welcome: bool,
           password_mode: ImportPasswordMode) -> ImportJob:
    read = read_csv(body)
    rows = read.rows
    duplicates = in_file_duplicates(rows)
    job = ImportJob(id=str(uuid.uuid4()), status="queued", dryRun=dry_run,
                    sendWelcome=send_welcome, passwordMode=password_mode, total=len(rows),
                    processed=0, created=0, failed=0, createdAt=clock.iso(clock.now()),
                    finishedAt=None, createdBy=actor.id, errors=[])
    summary = ImportSummary.model_validate(job.model_dump(exclude={"errors"}))
    queued = [QueuedRow(row=row.number, cells=row.cells,
                        errors=duplicates.get(row.number) or _shape_errors(row,
                                                                           len(read.columns)))
              for row in rows]
    # The rows first, then the job: a worker does nothing for a job not written yet (the
    # batch comes back shortly), so a POST that fails half-way creates nobody.
    try:
        import_queue().send(batches(job.id, queued))
    except Exception as error:
        logger.exception("import rows could not be queued", extra={"import_id": job.id})
        raise ServiceUnavailable("The import queue did not take the rows; nothing was "
                                 "created. Try again.", retryAfter=30) from error
    import_store().create_job(summary, _event(actor.id, "import.started", summary))
    return job


def _event(actor_id: str, action: str, job: ImportSummary) -> AuditEvent:
    return AuditEvent(actorId=actor_id, action=action, targetId=job.id,
                      details={"total": job.total, "dryRun": job.dryRun,
                               "created": job.created, "failed": job.failed,
                               "sendWelcome": job.sendWelcome,
                               "passwordMode": job.passwordMode})


def _shape_errors(row: CsvRow, columns: int) -> list[RowError]:
    if row.cells is not None:
        return []
    message = (f"The row has {row.cell_count} cells; the header has {columns}"
               if row.cell_count != columns else
               f"A cell is longer than {MAX_CELL_LENGTH} characters (no agent field is)")
    return [RowError(row=row.number, field=None, code="invalid_csv", message=message)]


def _folded_numeric_id(value: str) -> str:
    """A numeric id as uniqueness compares it (``007`` is ``7``)."""
    return str(int(value)) if value.isascii() and value.isdigit() else value


def in_file_duplicates(rows: Iterable[CsvRow]) -> dict[int, list[RowError]]:
    """Rows whose account, email or numeric id an earlier row has (as uniqueness folds
    them): each gets ``duplicate_in_file`` naming the first row."""
    folds: dict[str, Callable[[str], str]] = {
        "account": fold_account, "email": fold_email, "numericId": _folded_numeric_id}
    first: dict[tuple[str, str], int] = {}
    found: dict[int, list[RowError]] = {}
    for row in rows:
        for name, fold in folds.items():
            value = unformula((row.cells or {}).get(name, "").strip())
            if not value:
                continue
            earlier = first.setdefault((name, fold(value)), row.number)
            if earlier != row.number:
                found.setdefault(row.number, []).append(RowError(
                    row=row.number, field=name, code="duplicate_in_file",
                    message=f"Row {earlier} has the same {name}"))
    return found


def batches(import_id: str, rows: Sequence[QueuedRow]) -> list[ImportBatch]:
    """Rows in file order, ``ROWS_PER_BATCH`` to a message (fewer when they are large:
    ``MAX_BATCH_BYTES`` of UTF-8)."""
    out: list[ImportBatch] = []
    current: list[QueuedRow] = []
    size = 0
    for row in rows:
        row_size = len(row.model_dump_json().encode())
        if current and (len(current) == ROWS_PER_BATCH or size + row_size > MAX_BATCH_BYTES):
            out.append(ImportBatch(importId=import_id, batch=len(out), rows=current))
            current, size = [], 0
        current.append(row)
        size += row_size
    if current:
        out.append(ImportBatch(importId=import_id, batch=len(out), rows=current))
    return out


# ---------------------------------------------------------------------- read
def get_import(import_id: str) -> ImportJob:
    job = import_store().get_job(import_id)
    if job is None:
        raise NotFound("No such import")
    return job


def list_imports(*, limit: int, page_cursor: str | None) -> ImportPage:
    after = cursor.after(page_cursor, LIST_SCOPE)
    jobs, last = import_store().job_page(limit=limit, after=after)
    return ImportPage(items=jobs, nextCursor=cursor.next_after(last, LIST_SCOPE))


def list_errors(import_id: str, *, limit: int, page_cursor: str | None) -> RowErrorPage:
    scope = f"IMPORT_ERRORS#{import_id}"
    after = cursor.after(page_cursor, scope)
    store = import_store()
    if store.load_job(import_id) is None:
        raise NotFound("No such import")
    errors, last = store.error_page(import_id, limit=limit, after=after)
    return RowErrorPage(items=errors, nextCursor=cursor.next_after(last, scope))


# ---------------------------------------------------------------------- work
@dataclass
class WelcomePacer:
    """Spaces the rows that send a welcome mail ``1 / per_second`` apart, so a big
    import keeps under SES's sending rate (the notifier backs off if it is hit anyway)
    and leaves room for sign-in mail (recovery codes) meanwhile."""

    per_second: float
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    _next_at: float | None = field(default=None, init=False)

    def wait(self) -> None:
        now = self.monotonic()
        if self._next_at is not None and self._next_at > now:
            self.sleep(self._next_at - now)
            now = self._next_at
        self._next_at = now + 1 / self.per_second


class RetryLater(Exception):
    """The batch goes back on the queue and comes again in ``seconds`` (not after the
    queue's whole visibility timeout)."""

    seconds = RETRY_BUSY_SECONDS


class RowNotDone(RetryLater):
    """A row (or the batch's reads) met only passing failures (DynamoDB busy, concurrent
    writes) through its retries: tried again later."""


class JobNotReady(RetryLater):
    """The batch came before its job was written (the POST is still queuing rows)."""

    seconds = RETRY_EARLY_SECONDS


def retry_later(receipt: str, error: RetryLater) -> None:
    """Bring a batch back sooner than the queue's visibility timeout would."""
    import_queue().retry_later(receipt, error.seconds)


@dataclass(frozen=True)
class _Row:
    queued: QueuedRow
    request: CreateAgentRequest | None
    errors: list[RowError]


def process_batch(batch: ImportBatch, *, final: bool, pacer: WelcomePacer,
                  sleep: Callable[[float], None] = time.sleep) -> None:
    """Give each row of ``batch`` its outcome, once (see the module docstring).

    ``final``: the queue's last delivery of the batch (it would be dead-lettered next):
    a row that still cannot be done is recorded as failed rather than left undone.
    Otherwise the first such row raises ``RowNotDone`` and the batch is retried.
    """
    store = import_store()
    job = _attempts(partial(store.load_job, batch.importId), sleep)
    if job is None:
        if not final:
            raise JobNotReady(batch.importId)
        logger.warning("import batch dropped: its job was never written (the POST failed)",
                       extra={"import_id": batch.importId, "batch": batch.batch})
        return
    if job.status in ("failed", "done"):
        logger.info("import batch skipped", extra={"import_id": job.id, "status": job.status})
        return
    if job.status == "queued":
        _attempts(partial(store.mark_running, job.id), sleep)
    shard = batch.batch % COUNTER_SHARDS
    actor = _attempts(partial(_importer, job.createdBy), sleep)
    rows = [_parse(queued, job) for queued in batch.rows]
    catalog = _attempts(partial(_catalog, rows), sleep)
    taken = _attempts(partial(_taken, rows), sleep) if job.dryRun else None
    for row in rows:
        mark = RowMark(job.id, row.queued.row, shard, "created")
        try:
            _attempts(partial(_do_row, job, row, mark, actor, catalog, taken, pacer), sleep)
        except RowNotDone:
            if not final:
                raise
            _attempts(partial(_record, replace(mark, outcome="failed"), [RowError(
                row=mark.row, field=None, code="service_unavailable",
                message="The row could not be written (the service stayed busy); "
                        "import it again")]), sleep)
    _attempts(partial(store.settle, job,
                      lambda done: _event(job.createdBy, "import.finished", done)), sleep)


def _importer(agent_id: str) -> Actor | None:
    """Who started the import, with the permissions held now (a demoted or deactivated
    importer creates nobody more); ``None`` when that no longer allows creating."""
    record = agent_store().get_agent(agent_id)
    if record is None or not record.active:
        return None
    permissions = held_by(record)
    return Actor(id=agent_id, permissions=permissions) if AGENTS_WRITE in permissions else None


def _parse(queued: QueuedRow, job: ImportSummary) -> _Row:
    if queued.errors or queued.cells is None:
        return _Row(queued, None, list(queued.errors))
    fields = {**request_fields(queued.cells), "passwordMode": job.passwordMode,
              "sendWelcome": job.sendWelcome}
    try:
        return _Row(queued, CreateAgentRequest.model_validate(fields), [])
    except ValidationError as error:
        return _Row(queued, None, [
            RowError(row=queued.row, field=None if entry["field"] == "body" else entry["field"],
                     code="validation_failed", message=entry["message"])
            for entry in validation_errors([dict(e) for e in error.errors()])])


def _catalog(rows: Sequence[_Row]) -> dict[CatalogRef, CatalogData]:
    """Every catalogue item the batch's rows refer to, in one read."""
    from roster.services.agents import new_record

    wanted = sorted({pair for row in rows if row.request is not None
                     for pair in reference_values(new_record(row.request))})
    return agent_store().catalog_items(wanted) if wanted else {}


def _taken(rows: Sequence[_Row]) -> Identities:
    requests = [row.request for row in rows if row.request is not None]
    return import_store().taken_identities(
        [r.account for r in requests], [r.email for r in requests],
        [r.numericId for r in requests if r.numericId is not None])


def _attempts(action: Callable[[], T], sleep: Callable[[float], None]) -> T:
    """``action()``, again after a growing random wait (at most ~3 s in all) when it met a
    concurrent write or a busy table; then ``RowNotDone``."""
    for attempt in range(ROW_RETRIES):
        try:
            return action()
        except (ConcurrentChange, ServiceUnavailable):
            if attempt == ROW_RETRIES - 1:
                break
            sleep(random.uniform(0, 0.05 * 2 ** attempt))
    raise RowNotDone()


def _do_row(job: ImportSummary, row: _Row, mark: RowMark, actor: Actor | None,
            catalog: dict[CatalogRef, CatalogData], taken: Identities | None,
            pacer: WelcomePacer) -> None:
    from roster.services import agents

    errors = list(row.errors)
    if not errors and actor is None:
        errors = [RowError(row=mark.row, field=None, code="forbidden",
                           message="The importer may no longer create agents")]
    if errors or row.request is None:
        _record(replace(mark, outcome="failed"), errors)
        return
    try:
        if job.dryRun:
            assert actor is not None and taken is not None
            agents.check_creatable(actor, agents.new_record(row.request), catalog=catalog)
            errors = _taken_errors(mark.row, row.request, taken)
            _record(replace(mark, outcome="failed") if errors else mark, errors)
            return
        assert actor is not None
        if job.sendWelcome:
            pacer.wait()
        agents.create_imported(actor, row.request, mark, catalog)
    except RowAlreadyDone:
        return  # an earlier delivery of this row committed its outcome
    except (ConcurrentChange, ServiceUnavailable):
        raise
    except RosterError as error:
        _record(replace(mark, outcome="failed"), _row_errors(mark.row, error))


def _record(mark: RowMark, errors: Sequence[RowError]) -> None:
    try:
        import_store().record_row(mark, errors)
    except RowAlreadyDone:
        return


def _taken_errors(row: int, request: CreateAgentRequest, taken: Identities) -> list[RowError]:
    checks = (
        ("account", "account_taken", fold_account(request.account) in taken.accounts),
        ("email", "email_taken", fold_email(request.email) in taken.emails),
        ("numericId", "numeric_id_taken", request.numericId in taken.numeric_ids),
    )
    return [RowError(row=row, field=name, code=code, message=f"Another agent has this {name}")
            for name, code, hit in checks if hit]


def _row_errors(row: int, error: RosterError) -> list[RowError]:
    """A ``POST /agents`` refusal as row errors (one per field it names)."""
    if error.errors:
        return [RowError(row=row, field=None if entry["field"] == "body" else entry["field"],
                         code=error.code, message=entry["message"])
                for entry in error.errors]
    return [RowError(row=row, field=_FIELD_OF_CODE.get(error.code), code=error.code,
                     message=error.detail)]


def welcome_pacer() -> WelcomePacer:
    return WelcomePacer(get_settings().import_welcomes_per_second)


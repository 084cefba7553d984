"""Bulk-import jobs on the one table (``roster.ports.imports``).

A job's items share its partition ``IMPORT#<id>``, sorted so that one ``Query`` reads
the counters, the job and its first errors together (``GET /imports/{id}``):

- ``#COUNT#<shard>``: counters (``processed``, ``created``, ``failed``) that a batch's
  rows add to; a batch uses shard ``batch % COUNTER_SHARDS``;
- ``#JOB``: the job (in ``gsi1`` partition ``IMPORTS`` by creation time, for the list),
  with the counters' sum as of the last batch settled;
- ``ERROR#<row>#<n>``: the row errors, by row;
- ``ROW#<row>``: the row's marker, written once with the row's outcome.

Every item expires ``IMPORT_RETENTION_SECONDS`` after the job was created.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from typing import Any

from roster import clock
from roster.errors import RosterError, RowAlreadyDone
from roster.models.agent import fold_account, fold_email
from roster.models.audit import AuditEvent
from roster.models.imports import FIRST_ERRORS, ImportJob, ImportSummary, RowError
from roster.ports.imports import COUNTER_SHARDS, Identities, RowMark
from roster.repository import keys
from roster.repository.base import StoreBase, ttl_of
from roster.repository.table import (
    ConditionFailed,
    Expression,
    Item,
    TxOp,
    put,
    put_new,
    update,
)

IMPORT_RETENTION_SECONDS = 90 * 86400
_COUNTERS = ("processed", "created", "failed")
_SUMMARY_FIELDS = tuple(ImportSummary.model_fields)


def _summary(item: Item, counters: dict[str, int] | None = None) -> dict[str, Any]:
    fields = {name: item.get(name) for name in _SUMMARY_FIELDS}
    for name in _COUNTERS:
        fields[name] = int((counters or item).get(name) or 0)
    return fields


def _error(item: Item) -> RowError:
    return RowError(row=int(item["row"]), field=item.get("field"), code=str(item["code"]),
                    message=str(item["message"]))


class _AlreadySettled(RosterError):
    """Internal: the job is ``done`` already (another batch's settle got there first)."""


class ImportStore(StoreBase):
    @staticmethod
    def _expiry() -> int:
        """``ttl`` for an item written now (a job's items expire within its run's length
        of each other; reading the job's own would cost a round trip per row)."""
        return ttl_of(clock.now()) + IMPORT_RETENTION_SECONDS

    # ------------------------------------------------------------------ jobs
    def create_job(self, job: ImportSummary, audit: AuditEvent) -> None:
        item: Item = {**keys.import_job(job.id), "type": "import",
                      "gsi1pk": keys.IMPORT_LIST_PARTITION,
                      "gsi1sk": f"{clock.iso_precise(clock.now())}#{job.id}",
                      "ttl": self._expiry(),
                      **job.model_dump(mode="json", exclude_none=True)}
        self.table.transact([put_new(item), *self.side_effects([audit])])

    def load_job(self, import_id: str) -> ImportSummary | None:
        item = self.table.get(keys.import_job(import_id))
        return ImportSummary.model_validate(_summary(item)) if item else None

    def get_job(self, import_id: str) -> ImportJob | None:
        partition = keys.import_partition(import_id)
        items, _ = self.table.query(
            Expression("pk = :p AND sk BETWEEN :first AND :last",
                       values={":p": partition, ":first": keys.IMPORT_COUNTER_PREFIX,
                               ":last": f"{keys.IMPORT_ERROR_PREFIX}~"}),
            limit=COUNTER_SHARDS + 1 + FIRST_ERRORS, consistent=True)
        job = next((item for item in items if item["sk"] == keys.IMPORT_JOB), None)
        if job is None:
            return None
        counters = self._sum(items)
        errors = [_error(item) for item in items
                  if str(item["sk"]).startswith(keys.IMPORT_ERROR_PREFIX)]
        return ImportJob.model_validate({**_summary(job, counters), "errors": errors})

    def job_page(self, *, limit: int, after: str | None,
                 ) -> tuple[list[ImportSummary], str | None]:
        items, last = self.newest_first(keys.IMPORT_LIST_PARTITION, limit=limit, after=after)
        return [ImportSummary.model_validate(_summary(item)) for item in items], last

    def error_page(self, import_id: str, *, limit: int, after: str | None,
                   ) -> tuple[list[RowError], str | None]:
        partition = keys.import_partition(import_id)
        items, more = self.table.query(
            Expression("pk = :p AND begins_with(sk, :errors)",
                       values={":p": partition, ":errors": keys.IMPORT_ERROR_PREFIX}),
            limit=limit, consistent=True,
            start_key={"pk": partition, "sk": after} if after else None)
        return [_error(item) for item in items], (str(items[-1]["sk"]) if more and items
                                                  else None)

    def mark_running(self, import_id: str) -> None:
        try:
            self.table.update(keys.import_job(import_id), "SET #status = :running",
                              condition="#status = :queued", names={"#status": "status"},
                              values={":running": "running", ":queued": "queued"})
        except ConditionFailed:
            return

    # ------------------------------------------------------------------ rows
    def row_ops(self, mark: RowMark, errors: Sequence[RowError] = ()) -> list[TxOp]:
        """A row's marker (``RowAlreadyDone`` if there), its errors and its counter."""
        expiry = self._expiry()
        marker: Item = {**keys.import_row(mark.import_id, mark.row), "type": "import_row",
                        "outcome": mark.outcome, "at": clock.iso(clock.now()),
                        "ttl": expiry}
        if mark.agent_id:
            marker["agentId"] = mark.agent_id
        error_items = [
            {**keys.import_error(mark.import_id, mark.row, index), "type": "import_error",
             "ttl": expiry, **error.model_dump(mode="json", exclude_none=True)}
            for index, error in enumerate(errors)]
        return [
            put_new(marker, RowAlreadyDone()),
            *(put(item) for item in error_items),
            update(keys.import_counter(mark.import_id, mark.shard),
                   "ADD #processed :one, #outcome :one SET #ttl = :ttl",
                   names={"#processed": "processed", "#outcome": mark.outcome,
                          "#ttl": "ttl"}, values={":one": 1, ":ttl": expiry}),
        ]

    def record_row(self, mark: RowMark, errors: Sequence[RowError] = ()) -> None:
        self.table.transact(self.row_ops(mark, errors))

    def _sum(self, items: Iterable[Item]) -> dict[str, int]:
        totals = dict.fromkeys(_COUNTERS, 0)
        for item in items:
            if str(item["sk"]).startswith(keys.IMPORT_COUNTER_PREFIX):
                for name in _COUNTERS:
                    totals[name] += int(item.get(name) or 0)
        return totals

    def settle(self, job: ImportSummary,
               finished: Callable[[ImportSummary], AuditEvent]) -> ImportSummary:
        partition = keys.import_partition(job.id)
        items, _ = self.table.query(
            Expression("pk = :p AND begins_with(sk, :counters)",
                       values={":p": partition, ":counters": keys.IMPORT_COUNTER_PREFIX}),
            consistent=True)
        counters = self._sum(items)
        settled = job.model_copy(update=counters)
        names = {"#status": "status", **{f"#{name}": name for name in _COUNTERS}}
        values: dict[str, Any] = {f":{name}": value for name, value in counters.items()}
        assignments = ", ".join(f"#{name} = :{name}" for name in _COUNTERS)
        if counters["processed"] >= job.total:
            moment = clock.iso(clock.now())
            settled = settled.model_copy(update={"status": "done", "finishedAt": moment})
            with suppress(_AlreadySettled):  # another batch settled it first
                self.table.transact([
                    update(keys.import_job(job.id),
                           f"SET {assignments}, #status = :done, finishedAt = :at",
                           condition="#status IN (:queued, :running)", names=names,
                           values={**values, ":done": "done", ":at": moment,
                                   ":queued": "queued", ":running": "running"},
                           on_condition_failure=_AlreadySettled()),
                    *self.side_effects([finished(settled)])])
            return settled
        # A later sum may be there already: the snapshot never goes backwards.
        with suppress(ConditionFailed):
            self.table.update(keys.import_job(job.id), f"SET {assignments}",
                              condition="#processed < :processed AND #status <> :done",
                              names=names, values={**values, ":done": "done"})
        return settled

    def taken_identities(self, accounts: Sequence[str], emails: Sequence[str],
                         numeric_ids: Sequence[int]) -> Identities:
        wanted = ([keys.account_guard(account) for account in accounts]
                  + [keys.email_guard(email) for email in emails]
                  + [keys.numeric_id_guard(number) for number in numeric_ids])
        found = {str(item["pk"]) for item in self.table.batch_get(wanted)} if wanted else set()
        return Identities(
            accounts=frozenset(fold_account(a) for a in accounts
                               if keys.account_guard(a)["pk"] in found),
            emails=frozenset(fold_email(e) for e in emails
                             if keys.email_guard(e)["pk"] in found),
            numeric_ids=frozenset(n for n in numeric_ids
                                  if keys.numeric_id_guard(n)["pk"] in found))

"""Bulk import through the worker: rows per second here, and DynamoDB round trips per
row against the floor (one transaction per row: the agent with its guards, items and
events, the row's marker and its counter)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from infra.bench.harness import Bench, detail

# (label, rows, query): the paced run is short, its rate is the pace
BULK_RUNS = (("invite, no welcome", 500, {"sendWelcome": "false"}),
             ("dry run", 500, {"sendWelcome": "false", "dryRun": "true"}),
             ("generate, welcome (paced)", 30, {"passwordMode": "generate"}))


@dataclass(frozen=True)
class BulkRow:
    label: str
    rows: int
    seconds: float
    calls: Counter[str]
    created: int
    failed: int

    @property
    def per_row(self) -> float:
        return sum(self.calls.values()) / self.rows

    @property
    def transactions_per_row(self) -> float:
        return self.calls["dynamodb:TransactWriteItems"] / self.rows


def bulk_file(bench: Bench, rows: int) -> str:
    queue = bench.catalog_item("queues")
    prefix = bench.name("bulk")
    return "account,email,firstName,lastName,roles,queues,language\n" + "".join(
        f"{prefix}x{n},{prefix}x{n}@example.com,Row,{n},agent,{queue},en\n"
        for n in range(rows))


def measure_bulk(bench: Bench) -> list[BulkRow]:
    """Each kind of run: the file queued (not measured), then the queue drained by the
    worker, timed and counted on this thread (the notifier's sends run after, uncounted)."""
    runtime = bench.runtime
    measured: list[BulkRow] = []
    for label, rows, query in BULK_RUNS:
        body = bulk_file(bench, rows)
        with bench.queue_held():
            response = runtime.invoke("POST", "/imports", body=body, query=query, headers={
                "Authorization": f"Bearer {bench.admin}", "Content-Type": "text/csv"})
        if response.status != 202:
            raise RuntimeError(f"POST /imports: {response.status} {response.text}")
        import_id = response.json()["id"]
        with bench.counting() as recorded:
            started = time.perf_counter()
            while bench.work_queues():
                pass
            seconds = time.perf_counter() - started
        job = bench.ok("GET", f"/imports/{import_id}", bench.admin)
        if job["status"] != "done":
            raise RuntimeError(f"import {import_id} not done: {job}")
        measured.append(BulkRow(label, rows, seconds, Counter(recorded.counts),
                                job["created"], job["failed"]))
    return measured


def render_bulk(rows: list[BulkRow]) -> list[str]:
    lines = ["## Bulk import through the worker (moto, one worker, this machine)", "",
             "Floor: one DynamoDB transaction per row. Per batch of 25 rows the worker also "
             "reads the job, the importer and the catalogue items the rows use, and sums the "
             "counters once (a dry run reads the table's guards instead of writing agents). "
             "On AWS two workers run at once; welcome mails are paced at 5 a second per "
             "worker (10/s: 10,000 rows in about 17 minutes): the third run goes at that pace "
             "(one worker here: 5 rows a second), each row also hashing its generated "
             "password (argon2id).", "",
             "| run | rows | rows/s | round trips per row | transactions per row | created "
             "| failed | calls |", "|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r.label} | {r.rows} | {r.rows / r.seconds:.0f} | {r.per_row:.2f} | "
              f"{r.transactions_per_row:.2f} | {r.created} | {r.failed} | {detail(r.calls)} |"
              for r in rows]
    return lines

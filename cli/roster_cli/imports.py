"""Bulk import from the client's side (API.md "Bulk import (v2)"): send a CSV file as a
job, follow the job until it ends, read its row errors page by page."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from roster_cli.client import Client
from roster_cli.errors import CliError, NotSent

# POST /imports takes at most 4 MB inline (API.md v2 decisions); larger is refused here,
# before a byte is sent.
MAX_BYTES = 4 * 1024 * 1024
FIRST_POLL_SECONDS = 0.5
LONGEST_POLL_SECONDS = 2.0
ENDED = frozenset({"done", "failed"})
# How many times a request of an import is asked again (429/503 after Retry-After, or
# no answer): the POST carries an Idempotency-Key, so a repeat creates no second job.
RETRIES = 3

Job = dict[str, Any]


def read_file(path: Path) -> bytes:
    """The file's bytes, or ``NotSent`` (exit 2) when the server would refuse its size."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise NotSent("file_too_large", f"{path} is {size / 1024 / 1024:.1f} MB; an import "
                      f"takes at most {MAX_BYTES // 1024 // 1024} MB ({MAX_BYTES} bytes): "
                      "split the file and import each part")
    return path.read_bytes()


def new_key() -> str:
    """An ``Idempotency-Key`` for one run of the command."""
    return str(uuid.uuid4())


def start(client: Client, data: bytes, *, dry_run: bool, send_welcome: bool,
          password_mode: str, idempotency_key: str) -> Job:
    """``POST /imports``: the queued job. The client sends the same ``Idempotency-Key``
    on every retry, so the server starts one job however often the request arrives."""
    params = {"dryRun": str(dry_run).lower(), "sendWelcome": str(send_welcome).lower(),
              "passwordMode": password_mode}
    headers = {"Content-Type": "text/csv", "Idempotency-Key": idempotency_key}
    job: Job = client.call("POST", "/imports", params=params, headers=headers,
                           content=data)
    return job


def job_of(client: Client, job_id: str) -> Job:
    job: Job = client.call("GET", f"/imports/{job_id}")
    return job


def follow(client: Client, job: Job, on_progress: Callable[[Job], None]) -> Job:
    """Poll ``GET /imports/{id}`` until the job is done or failed, calling
    ``on_progress`` with each state read. Every half second while rows move, backing off
    to every 2 seconds while they do not (a ``429``/``503`` waits its ``Retry-After``
    in the client, which also does the sleeping)."""
    interval = FIRST_POLL_SECONDS
    on_progress(job)
    while job.get("status") not in ENDED:
        client.sleep(interval)
        before = job.get("processed")
        job = job_of(client, str(job["id"]))
        on_progress(job)
        moved = job.get("processed") != before
        interval = FIRST_POLL_SECONDS if moved else min(interval * 2,
                                                        LONGEST_POLL_SECONDS)
    return job


def errors(client: Client, job_id: str) -> Iterator[dict[str, Any]]:
    """Every row error of the job, by row (``GET /imports/{id}/errors``, all pages)."""
    return client.items(f"/imports/{job_id}/errors")


def summary(job: Job) -> str:
    """One line: how many rows were read, created (or would be) and failed."""
    counts = (f"{job.get('processed', 0)}/{job.get('total', 0)} rows, "
              f"{job.get('failed', 0)} failed")
    if job.get("dryRun"):
        return (f"Dry run {job['id']}: {counts}, {job.get('created', 0)} would be "
                "created; nothing was written.")
    return f"Import {job['id']} {job.get('status')}: {counts}, {job.get('created', 0)} created."


def outcome(job: Job) -> int:
    """The exit status of a finished job: 0 when every row went in, 1 when a row failed;
    a job that failed as a whole is an error (exit 1)."""
    if job.get("status") == "failed":
        raise CliError("import_failed", f"import {job['id']} stopped after "
                       f"{job.get('processed', 0)} of {job.get('total', 0)} rows: "
                       f"see `roster imports show {job['id']}`")
    return 1 if job.get("failed") else 0


def still_running(job_id: str) -> str:
    return (f"Import {job_id} continues on the server: follow it with "
            f"`roster imports show {job_id} --wait`.")


def maybe_sent(path: Path, key: str) -> str:
    """Said when sending stopped before an answer: the server may have the file."""
    return (f"If the server got the file, `roster agents import {path} --idempotency-key "
            f"{key}` (with the same options) shows that import instead of starting "
            "another.")

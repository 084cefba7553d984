"""Bulk-import jobs as the API shows them, and what travels on the import queue."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from roster.models.base import Model
from roster.models.import_file import ImportPasswordMode

ImportStatus = Literal["queued", "running", "done", "failed"]
FIRST_ERRORS = 100  # errors a job's own answer carries; GET /imports/{id}/errors has all


class RowError(Model):
    """What is wrong with one field of one row (``field`` null: the row as a whole)."""

    row: int = Field(description="The row's number as a spreadsheet shows it (header = 1)")
    field: str | None
    code: str = Field(description="The code POST /agents would answer, or invalid_csv, "
                                  "duplicate_in_file")
    message: str


class ImportSummary(Model):
    id: str
    status: ImportStatus
    dryRun: bool
    sendWelcome: bool
    passwordMode: ImportPasswordMode
    total: int = Field(description="Agent rows in the file")
    processed: int = Field(description="Rows done so far (created + failed)")
    created: int = Field(description="Agents created (in a dry run: that would be)")
    failed: int = Field(description="Rows with at least one error")
    createdAt: str
    finishedAt: str | None
    createdBy: str = Field(description="The id of the agent who started the import")


class ImportJob(ImportSummary):
    errors: list[RowError] = Field(
        description=f"The first {FIRST_ERRORS} row errors, by row; "
                    "GET /imports/{id}/errors pages them all")


class ImportPage(Model):
    items: list[ImportSummary] = Field(description="Imports, newest first; counters as of "
                                                   "the last batch done")
    nextCursor: str | None


class RowErrorPage(Model):
    items: list[RowError]
    nextCursor: str | None


class QueuedRow(Model):
    """A row on its way to a worker: its cells, or why it fails before any check."""

    row: int
    cells: dict[str, str] | None = None
    errors: list[RowError] = Field(default_factory=list)  # duplicate_in_file, cell count


class ImportBatch(Model):
    """One import-queue message: a slice of a job's rows (each done once, by its marker)."""

    importId: str
    batch: int
    rows: list[QueuedRow]

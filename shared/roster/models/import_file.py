"""A bulk-import file: CSV in, rows of ``POST /agents`` fields out (API.md "Bulk import").

Reading is strict where a wrong guess would create the wrong people and lenient where
spreadsheets differ harmlessly:

- UTF-8 only (a leading BOM is dropped); anything else is ``422 invalid_csv``, never a
  file read with the wrong characters;
- the delimiter is ``,`` or ``;``, whichever the header row has (Excel in many locales
  saves ``;``); quoted cells may hold either, and line breaks;
- header names are the create fields (any letter case, surrounding spaces ignored);
  an unknown one is ``422 unknown_column`` (naming each), a repeated or missing required
  one (``account``, ``email``, ``firstName``) ``422 invalid_csv``: the whole file is
  refused before anything is queued;
- a row with more or fewer cells than the header, or a cell longer than any agent field
  (``MAX_CELL_LENGTH``), is that row's own ``invalid_csv`` error;
- rows are numbered as a spreadsheet shows them (the header is row 1; a quoted line
  break does not start a new row); blank rows are skipped;
- a cell a spreadsheet would run as a formula was exported with a leading ``'``
  (v2 decisions): the import strips it, so an export re-imports as it was.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from roster.errors import InvalidCsv, UnknownColumn

MAX_IMPORT_BYTES = 4 * 1024 * 1024  # inline in the request (Lambda's 6 MB payload, base64)
MAX_IMPORT_ROWS = 25_000
# No agent field is longer (lists of 15 ids of 64 characters included): a longer cell is
# its row's own ``invalid_csv``, and a queued row stays far below SQS's message size.
MAX_CELL_LENGTH = 1_100

COLUMNS = ("account", "email", "firstName", "lastName", "alias", "phone", "mobilePhone",
           "landlinePhone", "roles", "queues", "skills", "groupId", "language",
           "timeFormat", "businessUnit", "numericId", "title", "active")
REQUIRED_COLUMNS = ("account", "email", "firstName")
LIST_COLUMNS = frozenset({"roles", "queues"})
LIST_SEPARATOR = "|"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"

ImportPasswordMode = Literal["invite", "generate"]


@dataclass(frozen=True)
class CsvRow:
    """One data row: its number as a spreadsheet shows it, and its cells by column
    (``None`` when the row's cell count differs from the header's)."""

    number: int
    cells: dict[str, str] | None
    cell_count: int = 0


@dataclass(frozen=True)
class CsvFile:
    columns: tuple[str, ...]
    rows: tuple[CsvRow, ...]


def read_csv(body: bytes) -> CsvFile:
    """The file's columns and rows, or ``InvalidCsv``/``UnknownColumn`` for the whole."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidCsv(f"The file is not UTF-8 text (byte {error.start + 1} is not)",
                         errors=[{"field": "body", "message": "Save the file as CSV UTF-8"}]
                         ) from error
    if text.startswith(BOM):
        text = text[len(BOM):]
    if "\x00" in text:
        raise InvalidCsv("The file holds NUL characters: it is not a text file",
                         errors=[{"field": "body", "message": "Not a text file"}])
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        number = 1  # the record's number: a spreadsheet's row number
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)
            number += 1
        if header is None:
            raise InvalidCsv("The file has no header row",
                             errors=[{"field": "body", "message": "No header row"}])
        columns = _columns(header)
        rows: list[CsvRow] = []
        for cells in reader:
            number += 1
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= MAX_IMPORT_ROWS:
                raise InvalidCsv(f"A file takes at most {MAX_IMPORT_ROWS:,} rows; split it",
                                 errors=[{"field": "body", "message": "Too many rows"}])
            if len(cells) != len(columns) or any(len(c) > MAX_CELL_LENGTH for c in cells):
                rows.append(CsvRow(number, None, len(cells)))
            else:
                rows.append(CsvRow(number, dict(zip(columns, cells, strict=True))))
    except csv.Error as error:
        raise InvalidCsv(f"The file is not valid CSV near line {reader.line_num}: {error}",
                         errors=[{"field": "body", "message": str(error)}]) from error
    if not rows:
        raise InvalidCsv("The file has a header row but no agent rows",
                         errors=[{"field": "body", "message": "No rows"}])
    return CsvFile(columns, tuple(rows))


def _columns(header: list[str]) -> tuple[str, ...]:
    by_folded = {column.lower(): column for column in COLUMNS}
    names = [cell.strip().removeprefix(BOM) for cell in header]
    unknown = [name for name in names if name.lower() not in by_folded]
    if unknown:
        raise UnknownColumn(
            "Unknown column " + ", ".join(f"'{name}'" for name in unknown)
            + "; the columns are " + ", ".join(COLUMNS),
            errors=[{"field": name or "(blank)", "message": "Not an agent field"}
                    for name in unknown])
    columns = tuple(by_folded[name.lower()] for name in names)
    repeated = sorted({column for column in columns if columns.count(column) > 1})
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if repeated or missing:
        raise InvalidCsv(
            "The header row " + "; ".join(
                part for part in (
                    f"repeats {', '.join(repeated)}" if repeated else "",
                    f"lacks the required {', '.join(missing)}" if missing else "")
                if part),
            errors=[{"field": column, "message": "Repeated column"} for column in repeated]
            + [{"field": column, "message": "Required column missing"} for column in missing])
    return columns


def unformula(cell: str) -> str:
    """A cell without the ``'`` an export put before a formula-like start."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def request_fields(cells: Mapping[str, str]) -> dict[str, Any]:
    """A row's cells as the body of ``POST /agents`` (validated by its model): blank cells
    are left out (the defaults apply), lists split on ``|``, skills ``skillId:level``."""
    fields: dict[str, Any] = {}
    for column, raw in cells.items():
        text = unformula(raw.strip())
        if not text:
            continue
        if column in LIST_COLUMNS:
            fields[column] = [part.strip() for part in text.split(LIST_SEPARATOR)
                              if part.strip()]
        elif column == "skills":
            fields[column] = [_skill(part.strip()) for part in text.split(LIST_SEPARATOR)
                              if part.strip()]
        else:
            fields[column] = text
    return fields


def _skill(text: str) -> dict[str, str]:
    skill, separator, level = text.rpartition(":")
    if not separator:
        return {"skillId": text}  # the model names the missing level
    return {"skillId": skill.strip(), "level": level.strip()}

"""Agents as rows: the import/export CSV columns (API.md "Bulk import"), the formula
prefix rule, and the three outputs (table, json, csv)."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from typing import IO, Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

COLUMNS = ("account", "email", "firstName", "lastName", "alias", "phone", "mobilePhone",
           "landlinePhone", "roles", "queues", "skills", "groupId", "language",
           "timeFormat", "businessUnit", "numericId", "title", "active")
PHONES = frozenset({"phone", "mobilePhone", "landlinePhone"})
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
LIST_COLUMNS = ("account", "name", "email", "roles", "active", "locked")


def cell(column: str, value: Any) -> str:
    """One CSV cell: lists ``|``-separated, skills ``skillId:level``, booleans
    ``true``/``false``; a cell a spreadsheet would run as a formula gets a leading
    ``'`` (a valid E.164 phone excepted), which the import strips."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif column == "skills":
        text = "|".join(f"{skill['skillId']}:{skill['level']}" for skill in value)
    elif isinstance(value, list):
        text = "|".join(str(item) for item in value)
    else:
        text = str(value)
    if text.startswith(FORMULA_STARTS) and not (column in PHONES and E164.match(text)):
        return f"'{text}"
    return text


def csv_row(agent: dict[str, Any]) -> list[str]:
    return [cell(column, agent.get(column)) for column in COLUMNS]


def csv_writer(output: IO[str]) -> Any:
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(COLUMNS)
    return writer


def summary(agent: dict[str, Any]) -> dict[str, str]:
    """What the table shows of an agent."""
    return {
        "account": str(agent.get("account", "")),
        "name": str(agent.get("alias") or
                    f"{agent.get('firstName', '')} {agent.get('lastName') or ''}".strip()),
        "email": str(agent.get("email", "")),
        "roles": ",".join(agent.get("roles") or []),
        "active": "yes" if agent.get("active") else "no",
        "locked": "yes" if agent.get("locked") else "no",
    }


def print_table(console: Console, columns: Sequence[str],
                rows: Iterable[dict[str, str]]) -> None:
    table = Table(*columns)
    for row in rows:
        table.add_row(*(Text(row.get(column, "")) for column in columns))  # no markup
    console.print(table)


def print_agents(agents: list[dict[str, Any]], output: str, stream: IO[str]) -> None:
    if output == "json":
        stream.write(json.dumps(agents, indent=2, ensure_ascii=False) + "\n")
    elif output == "csv":
        writer = csv_writer(stream)
        writer.writerows(csv_row(agent) for agent in agents)
    else:
        print_table(Console(file=stream), LIST_COLUMNS, (summary(agent) for agent in agents))


def print_fields(console: Console, record: dict[str, Any]) -> None:
    """One record as a two-column table (field, value)."""
    table = Table("field", "value")
    for name, value in record.items():
        table.add_row(Text(name), Text(value if isinstance(value, str) else
                                      json.dumps(value, ensure_ascii=False)))
    console.print(table)

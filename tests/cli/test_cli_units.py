"""The client's own rules, without a server: the export's cells, the credentials file,
and that it is a client (no server module imported, not in the Lambda layer)."""

from __future__ import annotations

import ast
import stat
from pathlib import Path

import pytest
from roster_cli import credentials
from roster_cli.credentials import Credentials
from roster_cli.errors import CliError
from roster_cli.table import COLUMNS, cell, csv_row

ROOT = Path(__file__).resolve().parents[2]
CLI = ROOT / "cli" / "roster_cli"


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "+47 not e164"])
def test_a_cell_a_spreadsheet_would_run_gets_a_quote(text: str) -> None:
    assert cell("title", text) == f"'{text}"
    assert cell("phone", text) == f"'{text}"


def test_a_valid_e164_phone_keeps_its_plus_in_phone_columns_only() -> None:
    assert cell("phone", "+4712345678") == "+4712345678"
    assert cell("mobilePhone", "+4798765432") == "+4798765432"
    assert cell("landlinePhone", "+4722334455") == "+4722334455"
    assert cell("title", "+4712345678") == "'+4712345678"


def test_lists_skills_booleans_and_nulls() -> None:
    agent = {"account": "jdoe", "roles": ["agent", "manager"], "queues": [],
             "skills": [{"skillId": "billing", "level": 3}, {"skillId": "nb", "level": 1}],
             "active": False, "numericId": 1234, "groupId": None}
    row = dict(zip(["account", "roles", "queues", "skills", "active", "numericId",
                    "groupId"],
                   [cell(name, agent[name]) for name in ("account", "roles", "queues",
                                                         "skills", "active", "numericId",
                                                         "groupId")], strict=True))
    assert row == {"account": "jdoe", "roles": "agent|manager", "queues": "",
                   "skills": "billing:3|nb:1", "active": "false", "numericId": "1234",
                   "groupId": ""}
    assert len(csv_row(agent)) == 18


def test_the_export_columns_are_the_imports_in_their_order() -> None:
    """API.md "Bulk import (v2)": an exported file imports as it is."""
    assert COLUMNS == ("account", "email", "firstName", "lastName", "alias", "phone",
                       "mobilePhone", "landlinePhone", "roles", "queues", "skills",
                       "groupId", "language", "timeFormat", "businessUnit", "numericId",
                       "title", "active")


def test_credentials_are_written_for_the_user_only(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "config"
    monkeypatch.setenv("ROSTER_CONFIG_DIR", str(folder))
    saved = Credentials(url="http://127.0.0.1:1", login="admin", accessToken="a",
                        refreshToken="r")

    path = credentials.save(saved)
    credentials.save(saved)  # overwriting keeps the mode

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert credentials.load() == saved
    assert [entry.name for entry in folder.iterdir()] == ["credentials.json"]


def test_a_damaged_credentials_file_is_an_error_not_a_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROSTER_CONFIG_DIR", str(tmp_path))
    (tmp_path / "credentials.json").write_text("{not json")
    with pytest.raises(CliError, match="bad_credentials_file"):
        credentials.load()


def test_the_cli_imports_no_server_module() -> None:
    """Also an import-linter contract (``make lint``); this holds without it."""
    imported: set[str] = set()
    for source in CLI.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module)
    assert imported, "no imports found: wrong folder?"
    assert not {name for name in imported if name == "roster" or name.startswith("roster.")}


def test_the_cli_is_not_in_the_lambda_layer() -> None:
    layer = (ROOT / "shared" / "requirements.txt").read_text(encoding="utf-8").lower()
    assert not {"typer", "httpx", "rich"} & {line.split("=")[0].split(">")[0].strip()
                                             for line in layer.splitlines()}
    assert not (ROOT / "shared" / "roster_cli").exists()

"""The ``roster`` command-line client driven as a user would: the console script in a
subprocess, a temporary HOME, passwords on standard input, against the local server."""

from __future__ import annotations

import csv
import http.server
import io
import json
import re
import stat
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pyotp
import pytest
from support.agents import OWNER_PASSWORD
from support.http import LocalServer, admin_token, call, login, sign_in

pytestmark = pytest.mark.acceptance
ROSTER = Path(sys.executable).with_name("roster")
# The console script the install made; ``python -m roster_cli`` where there is none.
COMMAND = [str(ROSTER)] if ROSTER.exists() else [sys.executable, "-m", "roster_cli"]
AGENT_PASSWORD = "Cli-Agent-Passw0rd-7"

Roster = Callable[..., subprocess.CompletedProcess[str]]


def run_roster(home: Path, *args: str, stdin: str = "", config_dir: Path | None = None
               ) -> subprocess.CompletedProcess[str]:
    env = {"HOME": str(home), "PATH": str(ROSTER.parent), "COLUMNS": "200",
           "LANG": "C.UTF-8"}
    if config_dir is not None:
        env["ROSTER_CONFIG_DIR"] = str(config_dir)
    return subprocess.run([*COMMAND, *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=120, check=False)


def credentials_file(home: Path) -> Path:
    return home / ".config" / "roster" / "credentials.json"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def roster(home: Path) -> Roster:
    """``roster ARGS...`` as a user with this HOME; a run that must succeed."""

    def run(*args: str, stdin: str = "", ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = run_roster(home, *args, stdin=stdin)
        if ok:
            assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done

    return run


@pytest.fixture
def signed_in_roster(local_server: LocalServer, roster: Roster) -> Roster:
    roster("login", "--url", local_server.url, "--password-stdin",
           stdin=f"{OWNER_PASSWORD}\n")
    return roster


def new_account(prefix: str = "cli") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def create(roster: Roster, account: str, *extra: str) -> None:
    roster("agents", "create", "--account", account, "--email", f"{account}@example.com",
           "--first-name", "Cleo", "--last-name", "Linde", "--no-send-welcome", *extra)


def assert_one_line_error(done: subprocess.CompletedProcess[str], status: int,
                          start: str) -> None:
    assert done.returncode == status, (done.stdout, done.stderr)
    assert done.stderr.startswith(start), done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout


# ----------------------------------------------------------------------------- sessions
def test_login_keeps_tokens_readable_by_the_user_only(local_server: LocalServer,
                                                      roster: Roster, home: Path) -> None:
    done = roster("login", "--url", local_server.url, "--password-stdin",
                  stdin=f"{OWNER_PASSWORD}\n")

    assert f"Signed in to {local_server.url} as admin" in done.stdout
    path = credentials_file(home)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    saved = json.loads(path.read_text())
    assert saved["url"] == local_server.url
    assert call(local_server, "GET", "/me", saved["accessToken"]).json()["account"] == "admin"
    assert OWNER_PASSWORD not in path.read_text()


def test_login_honours_roster_config_dir(local_server: LocalServer, home: Path,
                                         tmp_path: Path) -> None:
    config = tmp_path / "elsewhere"
    done = run_roster(home, "login", "--url", local_server.url, "--password-stdin",
                      stdin=f"{OWNER_PASSWORD}\n", config_dir=config)

    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE((config / "credentials.json").stat().st_mode) == 0o600
    assert not credentials_file(home).exists()


def test_a_wrong_password_is_the_problems_code_and_exit_1(local_server: LocalServer,
                                                           roster: Roster, home: Path) -> None:
    done = roster("login", "--url", local_server.url, "--password-stdin",
                  stdin="not-the-password\n", ok=False)

    assert_one_line_error(done, 1, "error: invalid_credentials: ")
    assert not credentials_file(home).exists()


def test_login_answers_the_new_password_challenge(local_server: LocalServer,
                                                  signed_in_roster: Roster,
                                                  tmp_path: Path) -> None:
    # Given an agent with a generated temporary password
    account = new_account()
    create(signed_in_roster, account)
    reset = signed_in_roster("password", "reset", account, "--generate")
    temporary = reset.stdout.strip().rsplit(": ", 1)[1]

    # When it signs in with it, the next line of input being its new password
    done = run_roster(tmp_path / "agent-home", "login", "--url", local_server.url,
                      "--login", account, "--password-stdin", "--new-password-stdin",
                      stdin=f"{temporary}\n{AGENT_PASSWORD}\n")

    # Then it is signed in, and the new password is its password
    assert done.returncode == 0, done.stderr
    assert sign_in(local_server, account, AGENT_PASSWORD)["status"] == "authenticated"


def test_login_answers_the_two_factor_challenge(local_server: LocalServer,
                                                signed_in_roster: Roster,
                                                tmp_path: Path) -> None:
    account, totp = two_factor_agent(local_server, signed_in_roster)

    done = run_roster(tmp_path / "agent-home", "login", "--url", local_server.url,
                      "--login", account, "--password-stdin", "--code-stdin",
                      stdin=f"{AGENT_PASSWORD}\n{totp.at(time.time() + 30)}\n")

    assert done.returncode == 0, done.stderr
    assert f"as {account}" in done.stdout


def test_an_ended_access_token_is_refreshed_once_and_the_new_pair_saved(
        signed_in_roster: Roster, home: Path) -> None:
    # Given saved tokens whose access token the server no longer takes
    path = credentials_file(home)
    saved = json.loads(path.read_text())
    path.write_text(json.dumps({**saved, "accessToken": "expired." + saved["accessToken"]}))

    # When a command runs
    done = signed_in_roster("agents", "show", "admin", "--output", "json")

    # Then it succeeded on a refreshed session, and the rotated pair replaced the old one
    assert json.loads(done.stdout)["account"] == "admin"
    renewed = json.loads(path.read_text())
    assert renewed["refreshToken"] != saved["refreshToken"]
    assert renewed["accessToken"] != saved["accessToken"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    signed_in_roster("agents", "show", "admin")


def test_commands_side_by_side_refresh_one_session_once(signed_in_roster: Roster,
                                                       home: Path) -> None:
    # Given an ended access token, and several commands started at once
    path = credentials_file(home)
    saved = json.loads(path.read_text())
    path.write_text(json.dumps({**saved, "accessToken": "expired"}))
    processes = [subprocess.Popen(
        [*COMMAND, "agents", "show", "admin", "-o", "json"], text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={"HOME": str(home), "PATH": str(ROSTER.parent)}) for _ in range(4)]

    # Then every one succeeds (one spends the refresh token, the others use its pair),
    # and the session lives on
    for process in processes:
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
        assert json.loads(stdout)["account"] == "admin"
    signed_in_roster("agents", "show", "admin")


def test_a_spent_session_asks_to_sign_in_again(local_server: LocalServer,
                                               signed_in_roster: Roster, home: Path) -> None:
    path = credentials_file(home)
    saved = json.loads(path.read_text())
    path.write_text(json.dumps({**saved, "accessToken": "x", "refreshToken": "y"}))

    done = signed_in_roster("agents", "list", ok=False)

    assert_one_line_error(done, 1, "error: session_ended: ")


def test_logout_ends_the_session_and_forgets_the_tokens(local_server: LocalServer,
                                                       signed_in_roster: Roster,
                                                       home: Path) -> None:
    token = json.loads(credentials_file(home).read_text())["accessToken"]

    signed_in_roster("logout")

    assert not credentials_file(home).exists()
    assert call(local_server, "GET", "/me", token).status_code == 401
    assert_one_line_error(signed_in_roster("agents", "list", ok=False), 1,
                          "error: not_signed_in: ")


# ----------------------------------------------------------------------------- unreachable
def test_a_stopped_server_is_one_line_and_exit_2(roster: Roster, home: Path) -> None:
    done = roster("login", "--url", "http://127.0.0.1:9", "--password-stdin",
                  stdin="whatever\n", ok=False)
    assert_one_line_error(done, 2, "error: unreachable: ")

    # and so is a server gone after sign-in
    path = credentials_file(home)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"url": "http://127.0.0.1:9", "login": "admin",
                                "accessToken": "a", "refreshToken": "r"}))
    assert_one_line_error(roster("agents", "list", ok=False), 2, "error: unreachable: ")


def test_a_wrong_url_is_one_line_and_exit_2(roster: Roster) -> None:
    done = roster("login", "--url", "no-such-scheme", "--password-stdin", stdin="x\n",
                  ok=False)
    assert_one_line_error(done, 2, "error: unreachable: ")


class NotRoster(http.server.BaseHTTPRequestHandler):
    """A web server that is not Roster: an HTML 404 for everything."""

    def do_POST(self) -> None:
        body = b"<html>no such page</html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_url_that_is_not_roster_is_one_line_and_exit_2(roster: Roster) -> None:
    server = http.server.HTTPServer(("127.0.0.1", 0), NotRoster)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        done = roster("login", "--url", f"http://127.0.0.1:{server.server_port}",
                      "--password-stdin", stdin="x\n", ok=False)
    finally:
        server.shutdown()
        server.server_close()
    assert_one_line_error(done, 2, "error: not_roster: ")


# ----------------------------------------------------------------------------- agents
def test_agents_list_in_the_three_outputs(signed_in_roster: Roster) -> None:
    account = new_account("cli-list")
    create(signed_in_roster, account, "--role", "agent")

    table = signed_in_roster("agents", "list", "--q", account).stdout
    as_json = json.loads(signed_in_roster("agents", "list", "--q", account,
                                          "--output", "json").stdout)
    as_csv = list(csv.DictReader(io.StringIO(
        signed_in_roster("agents", "list", "--q", account, "-o", "csv").stdout)))

    assert account in table and f"{account}@example.com" in table
    assert [agent["account"] for agent in as_json] == [account]
    assert as_json[0]["firstName"] == "Cleo"
    assert [(row["account"], row["roles"], row["active"]) for row in as_csv] == [
        (account, "agent", "true")]


def test_agents_list_follows_every_page(signed_in_roster: Roster) -> None:
    everyone = json.loads(signed_in_roster("agents", "list", "-o", "json").stdout)
    accounts = [agent["account"] for agent in everyone]
    assert "admin" in accounts
    assert len(accounts) == len(set(accounts))


def test_create_show_update_delete_by_account(local_server: LocalServer,
                                              signed_in_roster: Roster) -> None:
    account = new_account()
    created = signed_in_roster("agents", "create", "--account", account, "--email",
                               f"{account}@example.com", "--first-name", "Cleo",
                               "--role", "agent", "--no-send-welcome")
    assert f"Created {account}" in created.stdout
    assert "Temporary password: " in created.stdout

    shown = signed_in_roster("agents", "show", account).stdout
    assert account in shown and "Cleo" in shown

    updated = signed_in_roster("agents", "update", account, "--title", "Team lead",
                               "--phone", "+4712345678")
    assert "version 2" in updated.stdout
    record = json.loads(signed_in_roster("agents", "show", account, "-o", "json").stdout)
    assert (record["title"], record["phone"]) == ("Team lead", "+4712345678")

    signed_in_roster("agents", "delete", account)
    gone = signed_in_roster("agents", "show", account, ok=False)
    assert_one_line_error(gone, 1, "error: not_found: ")


def test_filters_pass_through_and_export_writes_to_stdout(signed_in_roster: Roster) -> None:
    account = new_account("cli-filter")
    create(signed_in_roster, account)
    signed_in_roster("agents", "update", account, "--inactive")

    def found(*flags: str) -> list[str]:
        listed = signed_in_roster("agents", "list", "--q", account, *flags, "-o", "json")
        return [agent["account"] for agent in json.loads(listed.stdout)]

    assert found("--inactive") == [account]
    assert found("--active") == []
    exported = signed_in_roster("agents", "export", "-", "--q", account, "--inactive")
    assert [row["account"] for row in csv.DictReader(io.StringIO(exported.stdout))] == [
        account]


def test_delete_reassigns_to_an_account(local_server: LocalServer,
                                        signed_in_roster: Roster) -> None:
    leaving, taking_over = new_account("cli-leave"), new_account("cli-take")
    create(signed_in_roster, leaving)
    create(signed_in_roster, taking_over)
    token = admin_token(local_server)
    ids = {account: json.loads(signed_in_roster("agents", "show", account, "-o", "json"
                                                ).stdout)["id"]
           for account in (leaving, taking_over)}
    assigned = call(local_server, "PUT", f"/agents/{ids[leaving]}/assignments/chat/c-1", token)
    assert assigned.status_code == 204, assigned.text

    refused = signed_in_roster("agents", "delete", leaving, ok=False)
    assert_one_line_error(refused, 1, "error: has_assignments: ")
    signed_in_roster("agents", "delete", leaving, "--reassign-to", taking_over)

    moved = call(local_server, "GET", f"/agents/{ids[taking_over]}/assignments", token)
    assert [item["ref"] for item in moved.json()["items"]] == ["c-1"]


def test_a_problem_prints_its_code_on_stderr_with_exit_1(signed_in_roster: Roster) -> None:
    done = signed_in_roster("agents", "create", "--account", "admin", "--email",
                            f"{new_account()}@example.com", "--first-name", "Dup",
                            ok=False)

    assert_one_line_error(done, 1, "error: account_taken: ")
    assert done.stdout == ""


def test_the_owner_cannot_be_deleted(signed_in_roster: Roster) -> None:
    done = signed_in_roster("agents", "delete", "admin", ok=False)
    assert_one_line_error(done, 1, "error: owner_protected: ")


def test_export_writes_the_import_columns_with_the_formula_prefix(
        local_server: LocalServer, signed_in_roster: Roster, tmp_path: Path) -> None:
    skill = new_account("skill")
    made = call(local_server, "POST", "/skills", admin_token(local_server),
                json={"id": skill, "name": "Billing"})
    assert made.status_code == 201, made.text
    account = new_account("cli-export")
    create(signed_in_roster, account, "--phone", "+4712345678", "--skill", f"{skill}:3",
           "--role", "agent", "--role", "agent_test")
    signed_in_roster("agents", "update", account, "--title", "=HYPERLINK(\"x\")",
                     "--last-name", "-Linde")
    target = tmp_path / "agents.csv"

    done = signed_in_roster("agents", "export", str(target))

    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert list(rows[0]) == ["account", "email", "firstName", "lastName", "alias", "phone",
                             "mobilePhone", "landlinePhone", "roles", "queues", "skills",
                             "groupId", "language", "timeFormat", "businessUnit",
                             "numericId", "title", "active"]
    mine = next(row for row in rows if row["account"] == account)
    assert mine["title"] == "'=HYPERLINK(\"x\")"
    assert mine["lastName"] == "'-Linde"
    assert mine["phone"] == "+4712345678"  # a valid E.164 phone keeps its +
    assert (mine["skills"], mine["roles"]) == (f"{skill}:3", "agent|agent_test")
    assert "admin" in {row["account"] for row in rows}
    assert f"Exported {len(rows)} agents" in done.stdout


# ----------------------------------------------------------------------------- imports
IMPORT_HEADER = ("account,email,firstName,lastName,alias,phone,mobilePhone,landlinePhone,"
                 "roles,queues,skills,groupId,language,timeFormat,businessUnit,numericId,"
                 "title,active")


def import_file(folder: Path, *rows: str) -> Path:
    """A CSV with the import's columns; each row given as ``account,email,firstName,
    lastName,roles`` (the other columns empty)."""
    path = folder / f"import-{uuid.uuid4().hex[:6]}.csv"
    lines = [IMPORT_HEADER]
    for row in rows:
        account, email, first, last, roles = row.split(",")
        lines.append(f"{account},{email},{first},{last},,,,,{roles},,,,,,,,,true")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def job_id_of(summary: str) -> str:
    found = re.search(r"^(?:Import|Dry run) ([^ :]+)", summary, re.MULTILINE)
    assert found, summary
    return found.group(1)


def accounts_found(roster: Roster, *accounts: str) -> set[str]:
    found = set()
    for account in accounts:
        listed = json.loads(roster("agents", "list", "--account", account, "-o", "json"
                                   ).stdout)
        found.update(agent["account"] for agent in listed)
    return found


def test_import_creates_the_good_rows_and_names_each_bad_one(signed_in_roster: Roster,
                                                             tmp_path: Path) -> None:
    # Given a file with good rows and bad rows of several kinds (row 1 is the header)
    first, second = new_account("imp"), new_account("imp")
    path = import_file(
        tmp_path,
        f"{first},{first}@example.com,Ada,Lind,agent",                       # row 2
        f"{second},{second}@example.com,Bo,Berg,agent",                      # row 3
        f"{new_account('imp')},not-an-email,Cy,Dahl,agent",                  # row 4
        f"admin,{new_account('imp')}@example.com,Di,Ek,agent",               # row 5
        f"{new_account('imp')},{new_account('imp')}@example.com,Ed,Fa,no-such-role",  # 6
        f"{second},{new_account('imp')}@example.com,Fi,Gu,agent",            # row 7
    )

    # When it is imported
    done = signed_in_roster("agents", "import", str(path), ok=False)

    # Then the exit status says a row failed, and the table names each row and its code
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stdout + done.stderr
    job_id = job_id_of(done.stdout)
    for code in ("account_taken", "unknown_reference", "duplicate_in_file"):
        assert code in done.stdout
    job = json.loads(signed_in_roster("imports", "show", job_id, "-o", "json",
                                      ok=False).stdout)
    codes = {error["row"]: error["code"] for error in job["errors"]}
    assert codes[4] == "validation_failed"
    assert codes[5] == "account_taken"
    assert codes[6] == "unknown_reference"
    assert codes[7] == "duplicate_in_file"
    assert [error["field"] for error in job["errors"] if error["row"] == 4] == ["email"]
    assert (job["status"], job["total"], job["processed"]) == ("done", 6, 6)
    # and the rows without an error were created, the others not
    created = accounts_found(signed_in_roster, first, second)
    assert created == {account for row, account in ((2, first), (3, second))
                       if row not in codes}
    assert job["created"] == len(created) and job["failed"] == len(codes)
    listed = json.loads(signed_in_roster("imports", "list", "-o", "json").stdout)
    assert job_id in [entry["id"] for entry in listed]


def test_a_dry_run_checks_the_rows_and_creates_nobody(signed_in_roster: Roster,
                                                     tmp_path: Path) -> None:
    accounts = [new_account("imp-dry") for _ in range(2)]
    path = import_file(tmp_path, *(f"{account},{account}@example.com,Ada,Lind,agent"
                                   for account in accounts))

    done = signed_in_roster("agents", "import", str(path), "--dry-run")

    assert f"Dry run {job_id_of(done.stdout)}: 2/2 rows, 0 failed, 2 would be created" in \
        done.stdout
    assert accounts_found(signed_in_roster, *accounts) == set()


def test_an_export_imported_again_is_account_taken_on_every_row(signed_in_roster: Roster,
                                                                tmp_path: Path) -> None:
    # Given agents exported to a file (with a formula-looking title)
    prefix = new_account("imp-again")
    accounts = [f"{prefix}-{n}" for n in range(3)]
    for account in accounts:
        create(signed_in_roster, account, "--role", "agent", "--title", "=1+2")
    exported = tmp_path / "agents.csv"
    signed_in_roster("agents", "export", str(exported), "--q", prefix)

    # When that file is imported as it is
    done = signed_in_roster("agents", "import", str(exported), "-o", "json", ok=False)

    # Then every column was understood, and every row is an account already taken
    assert done.returncode == 1, done.stderr
    job = json.loads(done.stdout)
    assert (job["total"], job["created"], job["failed"]) == (3, 0, 3)
    assert {error["row"] for error in job["errors"]} == {2, 3, 4}
    assert {error["row"] for error in job["errors"] if error["code"] == "account_taken"
            } == {2, 3, 4}


def test_generated_passwords_nobody_would_learn_are_refused(signed_in_roster: Roster,
                                                            tmp_path: Path) -> None:
    account = new_account("imp")
    path = import_file(tmp_path, f"{account},{account}@example.com,Ada,Lind,agent")

    done = signed_in_roster("agents", "import", str(path), "--password-mode", "generate",
                            "--no-send-welcome", ok=False)

    assert_one_line_error(done, 1, "error: validation_failed: ")
    assert accounts_found(signed_in_roster, account) == set()


def test_a_file_over_4_mb_is_refused_before_sending(signed_in_roster: Roster,
                                                     tmp_path: Path) -> None:
    path = tmp_path / "large.csv"
    path.write_bytes(IMPORT_HEADER.encode() + b"\n" + b"x" * (4 * 1024 * 1024))

    done = signed_in_roster("agents", "import", str(path), ok=False)

    assert_one_line_error(done, 2, "error: file_too_large: ")


# ----------------------------------------------------------------------------- credentials
def test_password_reset_generate_and_from_stdin(local_server: LocalServer,
                                               signed_in_roster: Roster) -> None:
    account = new_account()
    create(signed_in_roster, account)

    generated = signed_in_roster("password", "reset", account, "--generate").stdout
    temporary = generated.strip().rsplit(": ", 1)[1]
    assert login(local_server, account, temporary).json()["challenge"] == \
        "NEW_PASSWORD_REQUIRED"

    signed_in_roster("password", "reset", account, "--password-stdin", "--no-force-change",
                     stdin=f"{AGENT_PASSWORD}\n")
    assert sign_in(local_server, account, AGENT_PASSWORD)["status"] == "authenticated"


def two_factor_agent(server: LocalServer, roster: Roster) -> tuple[str, pyotp.TOTP]:
    """An agent with a password of its own and two-factor on (enrolled as it would)."""
    account = new_account("cli-2fa")
    create(roster, account)
    roster("password", "reset", account, "--password-stdin", "--no-force-change",
           stdin=f"{AGENT_PASSWORD}\n")
    token = sign_in(server, account, AGENT_PASSWORD)["accessToken"]
    enrolment = call(server, "POST", "/me/two-factor", token,
                     json={"currentPassword": AGENT_PASSWORD})
    assert enrolment.status_code == 200, enrolment.text
    totp = pyotp.TOTP(enrolment.json()["secret"])
    confirmed = call(server, "POST", "/me/two-factor/confirm", token,
                     json={"code": totp.at(time.time())})
    assert confirmed.status_code == 200, confirmed.text
    return account, totp


def test_unlock_and_backup_codes(local_server: LocalServer, signed_in_roster: Roster) -> None:
    account, _ = two_factor_agent(local_server, signed_in_roster)

    assert f"Unlocked {account}." in signed_in_roster("unlock", account).stdout
    issued = signed_in_roster("backup-code", account, "--count", "2")

    codes = issued.stdout.split()
    assert len(codes) == 2
    assert "Valid until" in issued.stderr
    session = login(local_server, account, AGENT_PASSWORD).json()["session"]
    answer = call(local_server, "POST", "/auth/challenge", json={
        "session": session, "challenge": "TOTP_REQUIRED", "backupCode": codes[0]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "authenticated"


def test_backup_codes_without_two_factor_is_the_problems_code(signed_in_roster: Roster
                                                              ) -> None:
    account = new_account()
    create(signed_in_roster, account)
    done = signed_in_roster("backup-code", account, ok=False)
    assert_one_line_error(done, 1, "error: two_factor_not_enabled: ")


def test_audit_of_one_agent_names_accounts(signed_in_roster: Roster) -> None:
    account = new_account()
    create(signed_in_roster, account)
    signed_in_roster("unlock", account)

    table = signed_in_roster("audit", "--agent", account).stdout
    entries = json.loads(signed_in_roster("audit", "--agent", account, "-o", "json").stdout)

    assert [entry["action"] for entry in entries] == ["agent.unlocked", "agent.created"]
    assert "agent.unlocked" in table and account in table and "admin" in table
    as_csv = list(csv.DictReader(io.StringIO(
        signed_in_roster("audit", "--agent", account, "-o", "csv").stdout)))
    assert [(row["actor"], row["action"], row["target"]) for row in as_csv] == [
        ("admin", "agent.unlocked", account), ("admin", "agent.created", account)]


def test_outbox_shows_the_local_servers_mail(signed_in_roster: Roster) -> None:
    account = new_account()
    signed_in_roster("agents", "create", "--account", account, "--email",
                     f"{account}@example.com", "--first-name", "Cleo")

    messages = json.loads(signed_in_roster("outbox", "-o", "json").stdout)

    assert any(message["to"] == f"{account}@example.com" for message in messages)
    assert f"{account}@example.com" in signed_in_roster("outbox").stdout
    as_csv = csv.DictReader(io.StringIO(signed_in_roster("outbox", "-o", "csv").stdout))
    assert f"{account}@example.com" in {row["to"] for row in as_csv}


def test_shell_completion_is_offered(roster: Roster) -> None:
    done = roster("--help")
    assert "--install-completion" in done.stdout and "--show-completion" in done.stdout
    assert "_roster_completion" in roster("--show-completion", "bash").stdout

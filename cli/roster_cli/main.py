"""``roster``: manage a Roster installation's agents from the terminal, over its HTTP
API only (docs/cli.md)."""

from __future__ import annotations

import csv
import json
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from itertools import islice
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from roster_cli import credentials, imports
from roster_cli.client import Client, body_of, send
from roster_cli.credentials import Credentials
from roster_cli.errors import CliError, Unreachable
from roster_cli.table import csv_row, csv_writer, print_agents, print_fields, print_table

app = typer.Typer(name="roster", no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Manage a Roster installation's agents from the terminal.")
agents_app = typer.Typer(no_args_is_help=True, help="Find, show, create, change, delete, "
                         "import and export agents.")
password_app = typer.Typer(no_args_is_help=True, help="Agents' passwords.")
imports_app = typer.Typer(no_args_is_help=True, help="Bulk imports and their row errors.")
app.add_typer(agents_app, name="agents")
app.add_typer(password_app, name="password")
app.add_typer(imports_app, name="imports")
out = Console()
err = Console(stderr=True)


class Output(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class PasswordMode(StrEnum):
    set = "set"
    generate = "generate"
    invite = "invite"


class ImportPasswordMode(StrEnum):
    invite = "invite"
    generate = "generate"


OutputOption = Annotated[Output, typer.Option("--output", "-o", help="table, json or csv")]


class Stdin:
    """Secrets given on standard input, one a line, in the order the options ask."""

    def __init__(self) -> None:
        self.lines = iter(sys.stdin.read().splitlines()) if not sys.stdin.isatty() else None

    def next(self, what: str) -> str:
        line: str | None = next(self.lines, None) if self.lines is not None else None
        if not line:
            raise CliError("no_input", f"expected {what} on standard input")
        return line


def secret(stdin: Stdin | None, what: str, *, confirm: bool = False) -> str:
    """``what`` from the next line of standard input when asked for, else a hidden
    prompt."""
    if stdin is not None:
        return stdin.next(what)
    return str(typer.prompt(what.capitalize(), hide_input=True,
                            confirmation_prompt=confirm))


def say(message: str) -> None:
    """A line for the user, unwrapped and uncoloured."""
    typer.echo(message)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def print_rows(columns: tuple[str, ...], rows: list[dict[str, str]], output: Output) -> None:
    """Rows of text as a table or as CSV (JSON is printed from the API's own records)."""
    if output is Output.csv:
        writer = csv.DictWriter(sys.stdout, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        print_table(out, columns, rows)


# ----------------------------------------------------------------------------- sessions
@app.command()
def login(
    url: Annotated[str, typer.Option(help="The API's address, e.g. http://127.0.0.1:3000")],
    login_name: Annotated[str, typer.Option("--login", help="Account or email")] = "admin",
    password_stdin: Annotated[bool, typer.Option(
        help="Read the password from standard input")] = False,
    code_stdin: Annotated[bool, typer.Option(
        help="Read the two-factor (or backup) code from the next line of input")] = False,
    new_password_stdin: Annotated[bool, typer.Option(
        help="Read the new password (when one is required) from the next line")] = False,
) -> None:
    """Sign in and keep the tokens (readable by you only)."""
    stdin = Stdin() if (password_stdin or code_stdin or new_password_stdin) else None
    password = secret(stdin if password_stdin else None, "password")
    answer = body_of(send(url, "POST", "/auth/login",
                          json={"login": login_name, "password": password}))
    while isinstance(answer, dict) and answer.get("status") == "challenge":
        step: dict[str, Any] = {"session": answer["session"],
                                "challenge": answer["challenge"]}
        if answer["challenge"] == "TOTP_REQUIRED":
            code = (stdin.next("a code") if code_stdin and stdin else
                    str(typer.prompt("Two-factor code (or a backup code)")))
            step["code" if code.isdigit() and len(code) == 6 else "backupCode"] = code
        elif answer["challenge"] == "NEW_PASSWORD_REQUIRED":
            if stdin is None or not new_password_stdin:
                typer.echo("Your password is temporary: choose a new one.", err=True)
            step["newPassword"] = secret(stdin if new_password_stdin else None,
                                         "new password", confirm=True)
        else:
            raise CliError("unknown_challenge", str(answer["challenge"]))
        answer = body_of(send(url, "POST", "/auth/challenge", json=step))
    path = credentials.save(Credentials(url=url.rstrip("/"), login=login_name,
                                        accessToken=answer["accessToken"],
                                        refreshToken=answer["refreshToken"]))
    say(f"Signed in to {url} as {login_name} (tokens in {path}).")


@app.command()
def logout() -> None:
    """End the session on the server and forget the tokens."""
    try:
        client = Client()
    except CliError:
        say("Not signed in.")
        return
    response = send(client.url, "POST", "/auth/logout", client.saved.accessToken)
    credentials.forget()
    if response.status_code not in (204, 401):
        body_of(response)
    say("Signed out.")


# ----------------------------------------------------------------------------- agents
def list_filters(q: str | None, account: str | None, email: str | None, role: str | None,
                 queue: str | None, skill: str | None, group: str | None,
                 language: str | None, business_unit: str | None, active: bool | None,
                 locked: bool | None, two_factor: bool | None,
                 password_status: str | None, queue_status: str | None) -> dict[str, str]:
    """The filters given, as ``GET /agents`` names them (API.md "Finding agents")."""
    given = {"q": q, "account": account, "email": email, "role": role, "queue": queue,
             "skill": skill, "groupId": group, "language": language,
             "businessUnit": business_unit, "active": active, "locked": locked,
             "twoFactorEnabled": two_factor, "passwordStatus": password_status,
             "queueStatus": queue_status}
    return {name: (str(value).lower() if isinstance(value, bool) else str(value))
            for name, value in given.items() if value is not None}


Q = Annotated[str | None, typer.Option(help="Start of any word of the name, alias, "
                                       "account or email")]
Text_ = Annotated[str | None, typer.Option()]
Group = Annotated[str | None, typer.Option("--group", help="Group id")]
Active = Annotated[bool | None, typer.Option("--active/--inactive")]
Locked = Annotated[bool | None, typer.Option("--locked/--unlocked")]
TwoFactor = Annotated[bool | None, typer.Option("--two-factor/--no-two-factor")]


@agents_app.command("list")
def agents_list(q: Q = None, account: Text_ = None, email: Text_ = None, role: Text_ = None,
                queue: Text_ = None, skill: Text_ = None, group: Group = None,
                language: Text_ = None, business_unit: Text_ = None, active: Active = None,
                locked: Locked = None, two_factor: TwoFactor = None,
                password_status: Text_ = None, queue_status: Text_ = None,
                output: OutputOption = Output.table) -> None:
    """Every agent that matches the filters (all pages)."""
    filters = list_filters(q, account, email, role, queue, skill, group, language,
                           business_unit, active, locked, two_factor, password_status,
                           queue_status)
    print_agents(list(Client().items("/agents", filters)), output.value, sys.stdout)


@agents_app.command("show")
def agents_show(agent: Annotated[str, typer.Argument(help="Account or id")],
                output: OutputOption = Output.table) -> None:
    """One agent."""
    client = Client()
    record = client.call("GET", f"/agents/{client.agent_id(agent)}")
    print_agent(record, output)


def print_agent(record: dict[str, Any], output: Output) -> None:
    """One agent: field by field, the JSON object, or a CSV header and row."""
    if output is Output.table:
        print_fields(out, record)
    elif output is Output.json:
        print_json(record)
    else:
        print_agents([record], output.value, sys.stdout)


def skill_list(skills: list[str]) -> list[dict[str, Any]]:
    parsed = []
    for skill in skills:
        skill_id, _, level = skill.partition(":")
        if not level.isdigit():
            raise typer.BadParameter(f"{skill!r}: expected skillId:level", param_hint="--skill")
        parsed.append({"skillId": skill_id, "level": int(level)})
    return parsed


Roles = Annotated[list[str] | None, typer.Option("--role", help="Repeat for several")]
Queues = Annotated[list[str] | None, typer.Option("--queue", help="Repeat for several")]
Skills = Annotated[list[str] | None, typer.Option("--skill", help="skillId:level, repeatable")]


def agent_fields(**given: Any) -> dict[str, Any]:
    """The API's field names for the options given (lists and skills parsed)."""
    names = {"first_name": "firstName", "last_name": "lastName", "phone": "phone",
             "mobile_phone": "mobilePhone", "landline_phone": "landlinePhone",
             "group": "groupId", "business_unit": "businessUnit",
             "time_format": "timeFormat", "numeric_id": "numericId", "role": "roles",
             "queue": "queues", "skill": "skills"}
    fields: dict[str, Any] = {}
    for option, value in given.items():
        if value is None:
            continue
        fields[names.get(option, option)] = skill_list(value) if option == "skill" else value
    return fields


@agents_app.command("create")
def agents_create(
    account: Annotated[str, typer.Option()], email: Annotated[str, typer.Option()],
    first_name: Annotated[str, typer.Option()], last_name: Text_ = None,
    alias: Text_ = None, phone: Text_ = None, mobile_phone: Text_ = None,
    role: Roles = None, queue: Queues = None, skill: Skills = None, group: Group = None,
    language: Text_ = None, title: Text_ = None,
    password_mode: Annotated[PasswordMode | None, typer.Option(
        help="generate (default), set (the password from a prompt or stdin) or invite")
    ] = None,
    password_stdin: Annotated[bool, typer.Option(
        help="With --password-mode set: read the password from standard input")] = False,
    send_welcome: Annotated[bool, typer.Option(help="Mail the account details")] = True,
    output: OutputOption = Output.table,
) -> None:
    """Create an agent; a generated temporary password is shown once."""
    body = agent_fields(account=account, email=email, first_name=first_name,
                        last_name=last_name, alias=alias, phone=phone,
                        mobile_phone=mobile_phone, role=role or None, queue=queue or None,
                        skill=skill or None, group=group, language=language, title=title)
    body["sendWelcome"] = send_welcome
    if password_mode is not None:
        body["passwordMode"] = password_mode.value
    if password_mode is PasswordMode.set:
        body["password"] = secret(Stdin() if password_stdin else None, "password",
                                  confirm=True)
    created = Client().call("POST", "/agents", json=body,
                            headers={"Idempotency-Key": str(uuid.uuid4())})
    if output is not Output.table:
        print_agent(created, output)
        return
    say(f"Created {created['account']} ({created['id']}).")
    if created.get("temporaryPassword"):
        say(f"Temporary password: {created['temporaryPassword']}")


def nullable(value: str | None) -> str | None:
    return value if value else None


@agents_app.command("update")
def agents_update(
    agent: Annotated[str, typer.Argument(help="Account or id")],
    email: Text_ = None, first_name: Text_ = None, last_name: Text_ = None,
    alias: Text_ = None, phone: Text_ = None, mobile_phone: Text_ = None,
    landline_phone: Text_ = None, role: Roles = None, queue: Queues = None,
    skill: Skills = None, group: Group = None, language: Text_ = None,
    time_format: Text_ = None, business_unit: Text_ = None, title: Text_ = None,
    active: Active = None, output: OutputOption = Output.table,
) -> None:
    """Change the fields given (an empty phone, group or business unit clears it);
    refused if someone changed the agent in between (``version_conflict``)."""
    changes = agent_fields(email=email, first_name=first_name, last_name=last_name,
                           alias=alias, time_format=time_format, role=role or None,
                           queue=queue or None, skill=skill or None, language=language,
                           title=title, active=active)
    for field, value in (("phone", phone), ("mobilePhone", mobile_phone),
                         ("landlinePhone", landline_phone), ("groupId", group),
                         ("businessUnit", business_unit)):
        if value is not None:
            changes[field] = nullable(value)
    if not changes:
        raise typer.BadParameter("nothing to change: give at least one field option")
    client = Client()
    path = f"/agents/{client.agent_id(agent)}"
    current = client.request("GET", path)
    body_of(current)
    updated = client.call("PATCH", path, json=changes,
                          headers={"If-Match": current.headers.get("ETag", "*")})
    if output is Output.table:
        say(f"Updated {updated['account']} (version {updated['version']}).")
    else:
        print_agent(updated, output)


@agents_app.command("delete")
def agents_delete(
    agent: Annotated[str, typer.Argument(help="Account or id")],
    reassign_to: Annotated[str | None, typer.Option(
        help="Account or id that takes over the agent's assignments")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask")] = False,
) -> None:
    """Delete an agent (asks first on a terminal)."""
    client = Client()
    agent_id = client.agent_id(agent)
    params = {"reassignTo": client.agent_id(reassign_to)} if reassign_to else None
    if not yes and sys.stdin.isatty():
        typer.confirm(f"Delete {agent}?", abort=True)
    client.call("DELETE", f"/agents/{agent_id}", params=params)
    say(f"Deleted {agent}.")


@agents_app.command("export")
def agents_export(
    file: Annotated[Path, typer.Argument(help="The CSV file to write ('-': stdout)",
                                         allow_dash=True)],
    q: Q = None, role: Text_ = None, queue: Text_ = None, group: Group = None,
    active: Active = None,
) -> None:
    """Every agent (or those matching the filters) as CSV with the import's columns,
    written page by page."""
    filters = list_filters(q, None, None, role, queue, None, group, None, None, active,
                           None, None, None, None)
    client = Client()
    to_stdout = str(file) == "-"
    stream = sys.stdout if to_stdout else file.open("w", encoding="utf-8", newline="")
    count = 0
    try:
        writer = csv_writer(stream)
        with Progress(TextColumn("Exporting agents"), BarColumn(), MofNCompleteColumn(),
                      console=err, transient=to_stdout) as progress:
            task = progress.add_task("export", total=None)
            for page in client.pages("/agents", filters):
                writer.writerows(csv_row(agent) for agent in page)
                stream.flush()
                count += len(page)
                progress.update(task, completed=count)
            progress.update(task, total=count)
    finally:
        if not to_stdout:
            stream.close()
    if not to_stdout:
        say(f"Exported {count} agents to {file}.")


# ----------------------------------------------------------------------------- imports
ERROR_COLUMNS = ("row", "field", "code", "message")
JOB_COLUMNS = ("id", "status", "dryRun", "total", "processed", "created", "failed",
               "createdAt", "finishedAt", "createdBy")
JobId = Annotated[str, typer.Argument(help="The import's id")]


@agents_app.command("import")
def agents_import(
    file: Annotated[Path, typer.Argument(help="CSV with the export's columns (at most "
                                         "4 MB)", exists=True, dir_okay=False,
                                         readable=True)],
    dry_run: Annotated[bool, typer.Option(
        help="Check every row, write nothing")] = False,
    send_welcome: Annotated[bool, typer.Option(
        help="Mail each new agent its account details")] = True,
    password_mode: Annotated[ImportPasswordMode, typer.Option(
        help="invite (a link to choose one) or generate (in the welcome mail)")
    ] = ImportPasswordMode.invite,
    idempotency_key: Annotated[str | None, typer.Option(
        help="Send the same import again without a second job (default: a new key)")
    ] = None,
    output: OutputOption = Output.table,
) -> None:
    """Create agents from a CSV file, with a progress bar, then the rows that failed.

    Exit 0 when every row went in, 1 when a row failed."""
    data = imports.read_file(file)
    client = Client(retries=imports.RETRIES)
    key = idempotency_key or imports.new_key()
    with stopped_saying(imports.maybe_sent(file, key), Unreachable):
        job = imports.start(client, data, dry_run=dry_run, send_welcome=send_welcome,
                            password_mode=password_mode.value, idempotency_key=key)
    job = follow_with_a_bar(client, job)
    print_job(client, job, output)
    raise typer.Exit(imports.outcome(job))


def follow_with_a_bar(client: Client, job: imports.Job) -> imports.Job:
    """``imports.follow`` drawing rows processed of the total, created and failed.
    Stopped (Ctrl-C) or cut off, it says that the import goes on and how to follow it."""
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("created {task.fields[created]}, failed {task.fields[failed]}"),
                   console=err)
    with stopped_saying(imports.still_running(str(job["id"])), CliError), bar as progress:
        task = progress.add_task("Checking" if job.get("dryRun") else "Importing",
                                 total=None, created=0, failed=0)

        def show(state: imports.Job) -> None:
            progress.update(task, total=state.get("total") or None,
                            completed=state.get("processed") or 0,
                            created=state.get("created") or 0,
                            failed=state.get("failed") or 0)

        return imports.follow(client, job, show)


@contextmanager
def stopped_saying(message: str, failure: type[CliError]) -> Iterator[None]:
    """On Ctrl-C (then exit 130) or a ``failure`` inside, ``message`` on stderr first."""
    try:
        yield
    except KeyboardInterrupt:
        typer.echo(message, err=True)
        raise typer.Exit(130) from None
    except failure:
        typer.echo(message, err=True)
        raise


def text(value: Any) -> str:
    """A JSON value as a table cell: null empty, booleans as JSON writes them."""
    if value is None:
        return ""
    return json.dumps(value) if isinstance(value, bool) else str(value)


def print_job(client: Client, job: imports.Job, output: Output) -> None:
    """The job and every row error: a summary line and a table of errors, the job as
    JSON with all its errors (not only the first 100), or the errors as CSV."""
    found = list(imports.errors(client, str(job["id"]))) if job.get("failed") else []
    if output is Output.json:
        print_json({**job, "errors": found})
        return
    rows = [{column: text(error.get(column)) for column in ERROR_COLUMNS}
            for error in found]
    if output is Output.csv:
        typer.echo(imports.summary(job), err=True)
        print_rows(ERROR_COLUMNS, rows, output)
        return
    say(imports.summary(job))
    if rows:
        print_rows(ERROR_COLUMNS, rows, output)


@imports_app.command("list")
def imports_list(
    limit: Annotated[int, typer.Option(min=1, help="How many, newest first")] = 20,
    output: OutputOption = Output.table,
) -> None:
    """Recent imports, newest first."""
    client = Client(retries=imports.RETRIES)
    jobs = list(islice(client.items("/imports"), limit))
    if output is Output.json:
        print_json(jobs)
        return
    accounts = AccountNames(client)
    rows = [{column: text(job.get(column)) for column in JOB_COLUMNS}
            | {"createdBy": accounts.of(job.get("createdBy"))} for job in jobs]
    print_rows(JOB_COLUMNS, rows, output)


@imports_app.command("show")
def imports_show(
    job_id: JobId,
    wait: Annotated[bool, typer.Option(
        help="Follow it with a progress bar until it ends")] = False,
    output: OutputOption = Output.table,
) -> None:
    """One import: its counters and every row error.

    Once it has ended, the exit status is the import's: 0 when every row went in, 1 when
    a row failed."""
    client = Client(retries=imports.RETRIES)
    job = imports.job_of(client, job_id)
    if wait:
        job = follow_with_a_bar(client, job)
    print_job(client, job, output)
    if job.get("status") in imports.ENDED:
        raise typer.Exit(imports.outcome(job))


# ----------------------------------------------------------------------------- credentials
@password_app.command("reset")
def password_reset(
    agent: Annotated[str, typer.Argument(help="Account or id")],
    generate: Annotated[bool, typer.Option(help="A random temporary password")] = False,
    password_stdin: Annotated[bool, typer.Option(
        help="Read the new password from standard input")] = False,
    force_change: Annotated[bool, typer.Option(
        help="The agent must change it at next sign-in")] = True,
) -> None:
    """Set or generate an agent's password; its sessions end."""
    if generate and password_stdin:
        raise typer.BadParameter("give --generate or --password-stdin, not both")
    client = Client()
    path = f"/agents/{client.agent_id(agent)}/password"
    if generate:
        answer = client.call("POST", path, json={"generate": True})
        say(f"Temporary password for {agent}: {answer['temporaryPassword']}")
        return
    password = secret(Stdin() if password_stdin else None, "new password", confirm=True)
    client.call("POST", path, json={"newPassword": password, "confirmPassword": password,
                                    "forcePasswordChange": force_change})
    say(f"Password of {agent} reset.")


@app.command()
def unlock(agent: Annotated[str, typer.Argument(help="Account or id")]) -> None:
    """Clear an agent's two-factor lock and failure counts."""
    client = Client()
    client.call("POST", f"/agents/{client.agent_id(agent)}/unlock")
    say(f"Unlocked {agent}.")


@app.command("backup-code")
def backup_code(
    agent: Annotated[str, typer.Argument(help="Account or id")],
    count: Annotated[int, typer.Option(min=1, max=10, help="How many (1-10)")] = 1,
) -> None:
    """Issue backup codes for an agent with two-factor on (earlier ones are revoked)."""
    client = Client()
    answer = client.call("POST", f"/agents/{client.agent_id(agent)}/backup-codes",
                         json={"count": count})
    for code in answer.get("backupCodes") or answer.get("codes") or []:
        say(code)
    typer.echo(f"Valid until {answer.get('expiresAt')}.", err=True)


AUDIT_COLUMNS = ("at", "actor", "action", "target", "details")


@app.command()
def audit(
    agent: Annotated[str | None, typer.Option(help="Only about this account or id")] = None,
    limit: Annotated[int, typer.Option(min=1, help="How many entries, newest first")] = 50,
    output: OutputOption = Output.table,
) -> None:
    """The audit trail, newest first."""
    client = Client()
    params = {"agentId": client.agent_id(agent)} if agent else {}
    entries = list(islice(client.items("/audit", params), limit))
    if output is Output.json:
        print_json(entries)
        return
    accounts = AccountNames(client)
    rows = [{"at": str(entry.get("at", "")), "actor": accounts.of(entry.get("actorId")),
             "action": str(entry.get("action", "")),
             "target": accounts.of(entry.get("targetId")),
             "details": json.dumps(entry.get("details") or {}, ensure_ascii=False)}
            for entry in entries]
    print_rows(AUDIT_COLUMNS, rows, output)


class AccountNames:
    """Ids shown as accounts (one read per distinct id; an unknown id stays an id)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.known: dict[str, str] = {}

    def of(self, agent_id: Any) -> str:
        if not agent_id:
            return ""
        key = str(agent_id)
        if key not in self.known:
            response = self.client.request("GET", f"/agents/{key}")
            self.known[key] = (str(response.json().get("account", key))
                               if response.status_code == 200 else key)
        return self.known[key]


@app.command()
def outbox(output: OutputOption = Output.table) -> None:
    """Mail and SMS the local server sent (local mode only), oldest first."""
    client = Client()
    messages = client.call("GET", "/_local/outbox")["messages"]
    if output is Output.json:
        print_json(messages)
        return
    columns = ("sentAt", "channel", "to", "subject")
    print_rows(columns, [{name: str(message.get(name) or "") for name in columns}
                         for message in messages], output)


def main() -> None:
    """The console script: a ``CliError`` is one line on stderr (exit 1, or 2 when no
    server answered); anything unforeseen is one line too, never a traceback."""
    try:
        app(prog_name="roster")
    except CliError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
    except (KeyboardInterrupt, EOFError):
        err.print("Aborted.")
        sys.exit(130)
    except Exception as error:  # the user gets one line, not a traceback
        typer.echo(f"error: unexpected: {type(error).__name__}: {error}", err=True)
        sys.exit(1)

"""``roster agents import`` and ``roster imports`` against a fake Roster (an
``httpx.MockTransport`` speaking API.md "Bulk import"): the polling loop, the exit
statuses, the error table read page by page, the size refusal, ``Retry-After`` and the
``Idempotency-Key``. The real server's side is in tests/acceptance/test_cli.py."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from roster_cli import imports, main
from roster_cli.client import Client
from roster_cli.credentials import Credentials

SAVED = Credentials(url="http://roster.test", login="admin", accessToken="access",
                    refreshToken="refresh")
GOOD_CSV = b"account,email,firstName\njdoe,jdoe@example.com,Jane\n"


def error(row: int, code: str = "invalid_email", field: str | None = "email") -> dict[str, Any]:
    return {"row": row, "field": field, "code": code, "message": f"row {row} is wrong"}


class FakeRoster:
    """One import job whose counters move one step per ``GET /imports/{id}``, through
    the states given; its errors served 100 a page. Every request is kept."""

    def __init__(self, states: list[dict[str, Any]], row_errors: list[dict[str, Any]],
                 before: list[httpx.Response | Exception] | None = None) -> None:
        self.states = states
        self.row_errors = row_errors
        self.before = list(before or [])  # answered (or raised) first, whatever is asked
        self.polls = 0
        self.requests: list[httpx.Request] = []

    def job(self) -> dict[str, Any]:
        state = self.states[min(self.polls, len(self.states) - 1)]
        return {"id": "job-1", "dryRun": False, "sendWelcome": True,
                "passwordMode": "invite", "createdAt": "2026-11-29T21:00:00Z",
                "finishedAt": None, "createdBy": "owner-id",
                "errors": self.row_errors[:100], **state}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.before:
            first = self.before.pop(0)
            if isinstance(first, Exception):
                raise first
            return first
        path = request.url.path
        if request.method == "POST" and path == "/imports":
            return httpx.Response(202, json={**self.job(), "status": "queued",
                                             "processed": 0},
                                  headers={"Location": "/imports/job-1"})
        if path == "/imports/job-1":
            job = self.job()
            self.polls += 1
            return httpx.Response(200, json=job)
        if path == "/imports/job-1/errors":
            start = int(request.url.params.get("cursor") or 0)
            limit = int(request.url.params["limit"])
            end = start + limit
            return httpx.Response(200, json={
                "items": self.row_errors[start:end],
                "nextCursor": str(end) if end < len(self.row_errors) else None})
        if path == "/imports":
            job = self.job()
            del job["errors"]
            return httpx.Response(200, json={"items": [job], "nextCursor": None})
        if path == "/agents/owner-id":
            return httpx.Response(200, json={"id": "owner-id", "account": "admin"})
        return httpx.Response(404, json={"code": "not_found", "detail": path})


def state(status: str, processed: int, created: int, failed: int,
          total: int = 4) -> dict[str, Any]:
    return {"status": status, "total": total, "processed": processed, "created": created,
            "failed": failed}


RUN = [state("running", 1, 1, 0), state("running", 3, 2, 1), state("done", 4, 2, 2)]


@pytest.fixture
def sleeps() -> list[float]:
    return []


Roster = Callable[..., tuple[int, str, str]]
Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def roster(sleeps: list[float], monkeypatch: pytest.MonkeyPatch,
           capsys: pytest.CaptureFixture[str]) -> Roster:
    """``roster(fake, ARGS...)``: ``roster ARGS`` through the console script's ``main``
    against ``fake``, waits kept in ``sleeps`` (or given to ``sleep=``); the exit status,
    stdout and stderr."""

    def run(fake: Handler, *args: str, sleep: Callable[[float], None] | None = None
            ) -> tuple[int, str, str]:
        def client(saved: Credentials | None = None, **options: Any) -> Client:
            return Client(SAVED, transport=httpx.MockTransport(fake),
                          sleep=sleep or sleeps.append, **options)

        monkeypatch.setattr(main, "Client", client)
        monkeypatch.setattr(sys, "argv", ["roster", *args])
        with pytest.raises(SystemExit) as exited:
            main.main()
        captured = capsys.readouterr()
        return int(exited.value.code or 0), captured.out, captured.err

    return run


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "agents.csv"
    path.write_bytes(GOOD_CSV)
    return path


# ----------------------------------------------------------------------------- polling
def test_follow_polls_until_done_backing_off_while_nothing_moves() -> None:
    fake = FakeRoster([state("queued", 0, 0, 0), state("queued", 0, 0, 0),
                       state("queued", 0, 0, 0), state("queued", 0, 0, 0),
                       state("running", 2, 2, 0), state("done", 4, 4, 0)], [])
    waits: list[float] = []
    seen: list[int] = []
    client = Client(SAVED, transport=httpx.MockTransport(fake), sleep=waits.append)

    job = imports.follow(client, {"id": "job-1", "status": "queued", "processed": 0},
                         lambda current: seen.append(current["processed"]))

    assert job["status"] == "done" and job["created"] == 4
    assert waits == [0.5, 1.0, 2.0, 2.0, 2.0, 0.5]  # the last: rows had just moved
    assert seen == [0, 0, 0, 0, 0, 2, 4]
    assert fake.polls == 6


def test_a_job_already_ended_is_not_polled() -> None:
    fake = FakeRoster([], [])
    def never(seconds: float) -> None:
        pytest.fail(f"waited {seconds}s for a job already ended")

    client = Client(SAVED, transport=httpx.MockTransport(fake), sleep=never)
    done = {"id": "job-1", "status": "done", "processed": 0}
    assert imports.follow(client, done, lambda _: None) is done
    assert fake.requests == []


# ----------------------------------------------------------------------------- exit status
def test_every_row_in_is_exit_0_with_a_summary_and_no_error_table(
        csv_file: Path, roster: Roster) -> None:
    fake = FakeRoster([state("running", 2, 2, 0), state("done", 4, 4, 0)], [])

    status, out, err = roster(fake, "agents", "import", str(csv_file))

    assert status == 0, err
    assert out == "Import job-1 done: 4/4 rows, 0 failed, 4 created.\n"
    assert "created 4, failed 0" in err  # the progress bar's last state
    assert not [request for request in fake.requests if request.url.path.endswith("errors")]


def test_a_failed_row_is_exit_1_with_every_error_read_page_by_page(
        csv_file: Path, roster: Roster, tmp_path: Path) -> None:
    many = [error(row, "account_taken", "account") for row in range(2, 152)]
    fake = FakeRoster([state("done", 160, 10, 150, total=160)],
                      [*many[:1], error(500, "invalid_csv", None), *many[1:]])

    status, out, _ = roster(fake, "agents", "import", str(csv_file), "-o", "csv")

    assert status == 1
    pages = [request for request in fake.requests if request.url.path.endswith("errors")]
    assert [request.url.params.get("cursor") for request in pages] == [None, "100"]
    lines = out.splitlines()
    assert lines[0] == "row,field,code,message"
    assert lines[1:3] == ["2,account,account_taken,row 2 is wrong",
                          "500,,invalid_csv,row 500 is wrong"]  # a whole-row error
    assert len(lines) == 152


def test_the_error_table_names_rows_fields_and_codes(csv_file: Path, roster: Roster) -> None:
    fake = FakeRoster(RUN, [error(3), error(5, "unknown_role", "roles")])

    status, out, _ = roster(fake, "agents", "import", str(csv_file))

    assert status == 1
    lines = out.splitlines()
    assert lines[0] == "Import job-1 done: 4/4 rows, 2 failed, 2 created."
    table = "\n".join(lines[1:])
    assert "row" in table and "field" in table and "code" in table
    cells = [[part.strip() for part in line.split("│")[1:-1]] for line in lines
             if line.startswith("│")]
    assert [row[:3] for row in cells] == [["3", "email", "invalid_email"],
                                          ["5", "roles", "unknown_role"]]


def test_json_output_is_the_job_with_all_its_errors(csv_file: Path, roster: Roster) -> None:
    row_errors = [error(row) for row in range(2, 250)]
    fake = FakeRoster([state("done", 300, 52, 248, total=300)], row_errors)

    status, out, _ = roster(fake, "agents", "import", str(csv_file), "--output", "json")

    assert status == 1
    job = json.loads(out)
    assert (job["id"], job["failed"], job["created"]) == ("job-1", 248, 52)
    assert job["errors"] == row_errors  # all of them, not the job's first 100


def test_a_dry_run_says_what_would_be_created(csv_file: Path, roster: Roster) -> None:
    fake = FakeRoster([{**state("done", 4, 4, 0), "dryRun": True}], [])

    status, out, _ = roster(fake, "agents", "import", str(csv_file), "--dry-run",
                            "--no-send-welcome", "--password-mode", "generate")

    assert status == 0
    assert out == ("Dry run job-1: 4/4 rows, 0 failed, 4 would be created; nothing was "
                   "written.\n")
    sent = fake.requests[0]
    assert dict(sent.url.params) == {"dryRun": "true", "sendWelcome": "false",
                                     "passwordMode": "generate"}
    assert sent.headers["Content-Type"] == "text/csv"
    assert sent.content == GOOD_CSV


def test_a_refused_file_is_the_problems_code_on_stderr(csv_file: Path, roster: Roster) -> None:
    refusal = httpx.Response(422, json={"code": "unknown_column", "status": 422,
                                        "detail": "unknown column 'nickname'"})
    fake = FakeRoster([], [], before=[refusal])

    status, out, err = roster(fake, "agents", "import", str(csv_file))

    assert (status, out) == (1, "")
    assert err == "error: unknown_column: unknown column 'nickname'\n"
    assert len(fake.requests) == 1  # a 422 is not asked again


def test_a_job_that_failed_as_a_whole_is_an_error(csv_file: Path, roster: Roster) -> None:
    fake = FakeRoster([state("running", 1, 1, 0), state("failed", 1, 1, 0)], [])

    status, out, err = roster(fake, "agents", "import", str(csv_file))

    assert status == 1
    assert out.startswith("Import job-1 failed: 1/4 rows")
    assert err.splitlines()[-1].startswith("error: import_failed: import job-1 stopped "
                                           "after 1 of 4 rows")


# ----------------------------------------------------------------------------- size
def test_a_file_over_4_mb_is_refused_before_anything_is_sent(
        tmp_path: Path, roster: Roster) -> None:
    large = tmp_path / "large.csv"
    large.write_bytes(b"x" * (imports.MAX_BYTES + 1))
    fake = FakeRoster(RUN, [])

    status, out, err = roster(fake, "agents", "import", str(large))

    assert (status, out, fake.requests) == (2, "", [])
    assert err.startswith("error: file_too_large: ")
    assert "at most 4 MB" in err and err.count("\n") == 1


def test_a_file_of_exactly_4_mb_is_sent(tmp_path: Path) -> None:
    exact = tmp_path / "exact.csv"
    exact.write_bytes(b"x" * imports.MAX_BYTES)
    assert len(imports.read_file(exact)) == imports.MAX_BYTES


# ----------------------------------------------------------------------------- retries
def test_retry_after_is_honoured_and_a_retried_post_keeps_its_key(
        csv_file: Path, roster: Roster, sleeps: list[float]) -> None:
    busy = httpx.Response(503, json={"code": "service_unavailable", "status": 503},
                          headers={"Retry-After": "3"})
    slow_down = httpx.Response(429, json={"code": "too_many_requests", "status": 429},
                               headers={"Retry-After": "7"})
    fake = FakeRoster(RUN, [], before=[httpx.ConnectError("reset"), busy, slow_down])

    status, _, err = roster(fake, "agents", "import", str(csv_file))

    assert status == 1, err
    assert sleeps[:3] == [0.5, 3.0, 7.0]  # no answer: a short wait; then Retry-After
    posts = [request for request in fake.requests if request.method == "POST"]
    assert len(posts) == 4
    keys = {request.headers["Idempotency-Key"] for request in posts}
    assert len(keys) == 1


def test_retry_after_while_polling(sleeps: list[float]) -> None:
    slow_down = httpx.Response(429, json={"code": "too_many_requests", "status": 429},
                               headers={"Retry-After": "4"})
    fake = FakeRoster([state("done", 4, 4, 0)], [], before=[slow_down])
    client = Client(SAVED, transport=httpx.MockTransport(fake), retries=imports.RETRIES,
                    sleep=sleeps.append)

    job = imports.follow(client, {"id": "job-1", "status": "queued", "processed": 0},
                         lambda _: None)

    assert job["status"] == "done"
    assert sleeps == [0.5, 4.0]


def test_retries_run_out_into_the_problem(sleeps: list[float]) -> None:
    busy = httpx.Response(503, json={"code": "service_unavailable", "status": 503,
                                     "detail": "try later"}, headers={"Retry-After": "1"})
    fake = FakeRoster([], [], before=[busy] * 10)
    client = Client(SAVED, transport=httpx.MockTransport(fake), retries=2,
                    sleep=sleeps.append)

    with pytest.raises(Exception, match="service_unavailable: try later"):
        client.call("GET", "/imports/job-1")
    assert (len(fake.requests), sleeps) == (3, [1.0, 1.0])


def test_a_write_without_an_idempotency_key_is_never_repeated(sleeps: list[float]) -> None:
    busy = httpx.Response(503, json={"code": "service_unavailable", "status": 503},
                          headers={"Retry-After": "1"})
    fake = FakeRoster([], [], before=[busy, busy])
    client = Client(SAVED, transport=httpx.MockTransport(fake), retries=3,
                    sleep=sleeps.append)

    assert client.request("POST", "/agents", json={}).status_code == 503
    assert (len(fake.requests), sleeps) == (1, [])


def test_each_import_gets_its_own_key_unless_one_is_given(csv_file: Path, roster: Roster) -> None:
    def key_of(*extra: str) -> str:
        fake = FakeRoster([state("done", 4, 4, 0)], [])
        roster(fake, "agents", "import", str(csv_file), *extra)
        return fake.requests[0].headers["Idempotency-Key"]

    first, second = key_of(), key_of()
    assert first != second
    assert key_of("--idempotency-key", "roster-2026-11-29") == "roster-2026-11-29"


# ----------------------------------------------------------------------------- Ctrl-C
def test_ctrl_c_while_polling_says_the_import_goes_on_and_exits_130(
        csv_file: Path, roster: Roster) -> None:
    def interrupted(seconds: float) -> None:
        raise KeyboardInterrupt

    fake = FakeRoster(RUN, [])

    status, out, err = roster(fake, "agents", "import", str(csv_file), sleep=interrupted)

    assert (status, out) == (130, "")
    assert ("Import job-1 continues on the server: follow it with "
            "`roster imports show job-1 --wait`.") in err


# ----------------------------------------------------------------------------- imports
def test_imports_list_names_the_importer(roster: Roster) -> None:
    fake = FakeRoster([state("done", 4, 2, 2)], [])

    status, out, _ = roster(fake, "imports", "list", "-o", "csv")

    assert status == 0
    assert out.splitlines() == [
        "id,status,dryRun,total,processed,created,failed,createdAt,finishedAt,createdBy",
        "job-1,done,false,4,4,2,2,2026-11-29T21:00:00Z,,admin"]


def test_imports_show_has_the_imports_exit_status_once_ended(roster: Roster) -> None:
    def show(states: list[dict[str, Any]], *extra: str) -> Iterator[Any]:
        fake = FakeRoster(states, [error(3)])
        yield from roster(fake, "imports", "show", "job-1", *extra)
        yield fake

    running, out, _, _ = show([state("running", 1, 1, 0)])
    assert (running, out) == (0, "Import job-1 running: 1/4 rows, 0 failed, 1 created.\n")

    failed, out, _, _ = show([state("done", 4, 3, 1)])
    assert failed == 1 and "invalid_email" in out

    waited, out, _, fake = show(RUN, "--wait", "-o", "json")
    assert (waited, json.loads(out)["status"], fake.polls) == (1, "done", 3)


def test_stopped_while_sending_says_how_to_pick_the_import_up(csv_file: Path,
                                                             roster: Roster) -> None:
    # Given a server that never answers: the POST is tried 1 + RETRIES times
    fake = FakeRoster(RUN, [], before=[httpx.ReadTimeout("slow")] * 10)

    status, out, err = roster(fake, "agents", "import", str(csv_file))

    assert (status, out, len(fake.requests)) == (2, "", 1 + imports.RETRIES)
    key = fake.requests[0].headers["Idempotency-Key"]
    assert f"`roster agents import {csv_file} --idempotency-key {key}`" in err
    assert err.splitlines()[-1].startswith("error: timeout: ")

    # and Ctrl-C while sending exits 130 with the same advice
    def interrupted(request: httpx.Request) -> httpx.Response:
        raise KeyboardInterrupt

    status, out, err = roster(interrupted, "agents", "import", str(csv_file),
                              "--idempotency-key", "k-1")
    assert (status, out) == (130, "")
    assert "--idempotency-key k-1`" in err

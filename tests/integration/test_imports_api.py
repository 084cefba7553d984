"""Bulk import over the emulated stack: ``POST /imports`` queues the rows, the worker
function takes them from SQS (the local runtime runs the queue as Lambda's event source
mapping would), ``GET /imports/{id}`` and ``/errors`` report each row's outcome."""

from __future__ import annotations

from typing import Any

import pytest
from roster.repository import get_repository, keys
from roster.services import imports
from support.api import Caller, new_agent

CSV = {"Content-Type": "text/csv"}
HEADER = "account,email,firstName,lastName,roles,queues,skills,language,active"


def post_import(admin: Caller, text: str | bytes, query: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> Any:
    return admin.call("POST", "/imports", text, query={"sendWelcome": "false", **(query or {})},
                      headers={**CSV, **(headers or {})})


def job(admin: Caller, import_id: str) -> dict[str, Any]:
    reply = admin.call("GET", f"/imports/{import_id}")
    assert reply.status == 200, reply.json()
    return dict(reply.json())


def every_error(admin: Caller, import_id: str, limit: int = 2) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
        reply = admin.call("GET", f"/imports/{import_id}/errors", query=query)
        assert reply.status == 200, reply.json()
        found += reply.json()["items"]
        cursor = reply.json()["nextCursor"]
        if cursor is None:
            return found


def accounts(admin: Caller) -> set[str]:
    reply = admin.call("GET", "/agents", query={"limit": "100"})
    return {agent["account"] for agent in reply.json()["items"]}


@pytest.fixture
def catalog(admin: Caller) -> Caller:
    for path, body in (("/queues", {"id": "sales", "name": "Sales"}),
                       ("/skills", {"id": "french", "name": "French"})):
        assert admin.call("POST", path, body).status == 201
    return admin


def test_a_file_of_good_rows_creates_every_agent_once(catalog: Caller) -> None:
    # Given a file of three agents, semicolon-separated with a BOM as Excel saves it
    rows = ["jdoe;jane@example.com;Jane;Doe;agent;sales;french:3;fr;true",
            "asmith;al@example.com;Al;Smith;agent|manager;;;en;",
            "bbrown;bo@example.com;Bo;Brown;;;;;false"]
    text = "\ufeff" + HEADER.replace(",", ";") + "\r\n" + "\r\n".join(rows) + "\r\n"
    # When it is imported
    reply = post_import(catalog, text.encode("utf-8"))
    # Then a job is queued, then done with every row created
    assert reply.status == 202, reply.json()
    started = reply.json()
    assert started["status"] == "queued" and started["total"] == 3
    assert reply.headers["Location"] == f"/imports/{started['id']}"
    done = job(catalog, started["id"])
    assert (done["status"], done["processed"], done["created"], done["failed"]) == (
        "done", 3, 3, 0)
    assert done["errors"] == [] and done["finishedAt"] is not None
    jane = catalog.call("GET", "/agents/jdoe").json()
    assert (jane["queues"], jane["skills"], jane["language"]) == (
        ["sales"], [{"skillId": "french", "level": 3}], "fr")
    assert catalog.call("GET", "/agents/asmith").json()["roles"] == ["agent", "manager"]
    assert catalog.call("GET", "/agents/bbrown").json()["active"] is False
    # And invite mode: nobody has a password yet
    assert jane["passwordStatus"] == "none"


def test_bad_rows_of_every_kind_fail_alone_with_their_row_field_and_code(
        catalog: Caller) -> None:
    # Given an existing agent and a file whose rows go wrong in every way but one
    new_agent(catalog, "taken")
    rows = [
        "good1,good1@example.com,Good,One,agent,sales,,,",        # 2: created
        "taken,new@example.com,Dup,Account,agent,,,,",           # 3: account_taken
        "x,bad-email,,,agent,,,,",                               # 4: validation (3 fields)
        "ghost,ghost@example.com,G,H,agent,nowhere,,,",          # 5: unknown_reference
        "good1,other@example.com,Again,Row,agent,,,,",           # 6: duplicate_in_file
        "short,short@example.com",                               # 7: invalid_csv (cells)
        "boss,boss@example.com,Boss,Man,admin,,,,",              # 8: created (owner grants)
        "lvl,lvl@example.com,L,V,agent,,french:9,,",             # 9: validation (level)
    ]
    reply = post_import(catalog, HEADER + "\n" + "\n".join(rows) + "\n")
    assert reply.status == 202, reply.json()
    done = job(catalog, reply.json()["id"])
    assert (done["total"], done["processed"], done["created"], done["failed"]) == (8, 8, 2, 6)
    errors = every_error(catalog, done["id"])
    assert errors == done["errors"]  # fewer than 100: the job carries them all
    by_row: dict[int, set[tuple[str | None, str]]] = {}
    for error in errors:
        by_row.setdefault(error["row"], set()).add((error["field"], error["code"]))
        assert error["message"]
    assert by_row == {
        3: {("account", "account_taken")},
        4: {("account", "validation_failed"), ("email", "validation_failed"),
            ("firstName", "validation_failed")},
        5: {("queues", "unknown_reference")},
        6: {("account", "duplicate_in_file")},
        7: {(None, "invalid_csv")},
        9: {("skills.0.level", "validation_failed")},
    }
    assert [error["row"] for error in errors] == sorted(error["row"] for error in errors)
    assert {"good1", "boss", "taken"} <= accounts(catalog)
    assert not {"ghost", "x", "short", "lvl"} & accounts(catalog)


def test_a_dry_run_checks_every_row_and_writes_no_agent(catalog: Caller) -> None:
    new_agent(catalog, "taken")
    rows = ["fresh,fresh@example.com,F,R,agent,,,,",
            "taken,t2@example.com,T,K,agent,,,,",
            "other,taken@example.com,O,T,agent,,,,",
            "fresh,f2@example.com,F,2,agent,,,,"]
    before = accounts(catalog)
    reply = post_import(catalog, HEADER + "\n" + "\n".join(rows), {"dryRun": "true"})
    assert reply.status == 202
    done = job(catalog, reply.json()["id"])
    assert done["dryRun"] is True
    assert (done["status"], done["created"], done["failed"]) == ("done", 1, 3)
    assert {(e["row"], e["field"], e["code"]) for e in done["errors"]} == {
        (3, "account", "account_taken"), (4, "email", "email_taken"),
        (5, "account", "duplicate_in_file")}
    assert accounts(catalog) == before


def test_re_running_the_same_file_creates_nobody_twice(catalog: Caller) -> None:
    text = (HEADER + "\nrerun1,r1@example.com,R,One,agent,,,,"
            "\nrerun2,r2@example.com,R,Two,agent,,,,\n")
    first = job(catalog, post_import(catalog, text).json()["id"])
    second = job(catalog, post_import(catalog, text).json()["id"])
    assert (first["created"], first["failed"]) == (2, 0)
    assert (second["created"], second["failed"]) == (0, 2)
    assert {e["code"] for e in second["errors"]} == {"account_taken"}
    listed = catalog.call("GET", "/agents", query={"q": "rerun"}).json()["items"]
    assert sorted(agent["account"] for agent in listed) == ["rerun1", "rerun2"]


def test_an_idempotency_key_answers_the_first_job_again(catalog: Caller) -> None:
    text = HEADER + "\nidem,idem@example.com,I,Dem,agent,,,,\n"
    key = {"Idempotency-Key": "import-42"}
    first = post_import(catalog, text, headers=key)
    again = post_import(catalog, text, headers=key)
    assert first.status == again.status == 202
    assert again.json()["id"] == first.json()["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = post_import(catalog, text + "idem2,i2@example.com,I,Two,agent,,,,\n", headers=key)
    assert (other.status, other.json()["code"]) == (409, "idempotency_key_reused")


@pytest.mark.parametrize(("body", "headers", "query", "status", "code"), [
    ("", CSV, {}, 422, "invalid_csv"),
    ("account,email,firstName\n", CSV, {}, 422, "invalid_csv"),
    ("account,email\nx,y@example.com\n", CSV, {}, 422, "invalid_csv"),
    ("account,email,firstName,shoeSize\nx,x@example.com,X,44\n", CSV, {}, 422,
     "unknown_column"),
    ("account,email,firstName,email\nx,x@example.com,X,y@example.com\n", CSV, {}, 422,
     "invalid_csv"),
    (b"account,email,firstName\nj\xf6rg,j@example.com,J\n", CSV, {}, 422, "invalid_csv"),
    ('account,email,firstName\n"open,j@example.com,J\n', CSV, {}, 422, "invalid_csv"),
    ("account,email,firstName\nx,x@example.com,X\n", {"Content-Type": "application/json"},
     {}, 422, "invalid_csv"),
    ("account,email,firstName\nx,x@example.com,X\n", CSV,
     {"passwordMode": "generate"}, 422, "validation_failed"),
    ("account,email,firstName\nx,x@example.com,X\n", CSV, {"passwordMode": "set"}, 422,
     "validation_failed"),
    ("account,email,firstName\nx,x@example.com,X\n", CSV, {"dryRun": "maybe"}, 422,
     "validation_failed"),
])
def test_a_file_that_cannot_be_read_as_a_whole_is_refused_and_queues_nothing(
        admin: Caller, body: str | bytes, headers: dict[str, str], query: dict[str, str],
        status: int, code: str) -> None:
    reply = admin.call("POST", "/imports", body, headers=headers,
                       query={"sendWelcome": "false", **query})
    assert (reply.status, reply.json()["code"]) == (status, code), reply.json()
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert admin.call("GET", "/imports").json()["items"] == []


def test_a_file_over_4_mb_is_413_and_over_10_mb_the_gateway_s_413(admin: Caller) -> None:
    line = "a" * 1000 + "\n"
    over = "account,email,firstName\n" + line * 4_400
    reply = admin.call("POST", "/imports", over, headers=CSV)
    assert (reply.status, reply.json()["code"]) == (413, "payload_too_large")
    huge = "account,email,firstName\n" + line * 10_600
    reply = admin.call("POST", "/imports", huge, headers=CSV)
    assert (reply.status, reply.json()["code"]) == (413, "payload_too_large")


def test_imports_list_newest_first_and_page(catalog: Caller) -> None:
    ids = [post_import(catalog, HEADER + f"\nlist{n},list{n}@example.com,L,{n},agent,,,,\n"
                       ).json()["id"] for n in range(3)]
    page = catalog.call("GET", "/imports", query={"limit": "2"}).json()
    rest = catalog.call("GET", "/imports",
                        query={"limit": "2", "cursor": page["nextCursor"]}).json()
    assert [item["id"] for item in page["items"] + rest["items"]] == ids[::-1]
    assert rest["nextCursor"] is None
    assert all(item["status"] == "done" and item["created"] == 1 and "errors" not in item
               for item in page["items"])


def test_an_unknown_import_is_404_and_a_foreign_cursor_400(catalog: Caller) -> None:
    assert catalog.call("GET", "/imports/nope").status == 404
    assert catalog.call("GET", "/imports/nope/errors").status == 404
    first = post_import(catalog, HEADER + "\nx,bad,,,agent,,,,\ny,bad,,,agent,,,,\n")
    second = post_import(catalog, HEADER + "\nz,bad,,,agent,,,,\n")
    cursor = catalog.call("GET", f"/imports/{first.json()['id']}/errors",
                          query={"limit": "1"}).json()["nextCursor"]
    reply = catalog.call("GET", f"/imports/{second.json()['id']}/errors",
                         query={"cursor": cursor})
    assert (reply.status, reply.json()["code"]) == (400, "invalid_cursor")


def test_row_markers_and_counters_live_in_the_job_s_partition(catalog: Caller) -> None:
    done = post_import(catalog, HEADER + "\nmark1,m1@example.com,M,1,agent,,,,\n").json()
    marker = get_repository().table.get(keys.import_row(done["id"], 2))
    assert marker is not None and marker["outcome"] == "created" and marker["agentId"]


def test_a_worker_that_dies_mid_batch_is_redelivered_and_loses_or_doubles_no_row(
        catalog: Caller, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a worker that dies once, right after its third row's transaction committed
    from roster.repository.dynamodb import DynamoRepository

    original = DynamoRepository.create_agent
    commits = 0

    def dies_once_after_the_third(self: DynamoRepository, *args: Any, **kwargs: Any) -> None:
        nonlocal commits
        original(self, *args, **kwargs)
        commits += 1
        if commits == 3:
            raise RuntimeError("the worker died right after this row committed")

    monkeypatch.setattr(DynamoRepository, "create_agent", dies_once_after_the_third)
    text = HEADER + "\n" + "".join(f"crash{n},crash{n}@example.com,C,{n},agent,,,,\n"
                                   for n in range(5))
    # When the file is imported (SQS hands the failed batch to the worker again)
    done = job(catalog, post_import(catalog, text).json()["id"])
    # Then every row has one outcome: five agents, each created once
    assert (done["status"], done["processed"], done["created"], done["failed"]) == (
        "done", 5, 5, 0)
    assert commits == 5
    found = catalog.call("GET", "/agents", query={"q": "crash"}).json()["items"]
    assert sorted(agent["account"] for agent in found) == [f"crash{n}" for n in range(5)]
    audit = catalog.call("GET", "/audit", query={"limit": "100"}).json()["items"]
    created = [item for item in audit if item["action"] == "agent.created"
               and item["details"].get("importId") == done["id"]]
    assert len(created) == 5


def test_a_row_that_stays_busy_is_failed_on_the_queue_s_last_delivery(
        catalog: Caller, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a row whose write the table refuses as busy every time
    from roster.errors import ServiceUnavailable
    from roster.repository.dynamodb import DynamoRepository

    original = DynamoRepository.create_agent
    tries = 0

    def busy_for_stuck(self: DynamoRepository, record: Any, **kwargs: Any) -> None:
        nonlocal tries
        if record.account == "stuck":
            tries += 1
            raise ServiceUnavailable(retryAfter=1)
        original(self, record, **kwargs)

    monkeypatch.setattr(DynamoRepository, "create_agent", busy_for_stuck)
    monkeypatch.setattr("random.uniform", lambda low, high: 0.0)  # no wait between tries
    text = HEADER + "\nfine,fine@example.com,F,I,agent,,,,\nstuck,stuck@example.com,S,T,agent,,,,\n"
    done = job(catalog, post_import(catalog, text).json()["id"])
    # Then the batch came back until its last delivery, and the row failed there
    assert (done["status"], done["created"], done["failed"]) == ("done", 1, 1)
    assert [(e["row"], e["code"]) for e in done["errors"]] == [(3, "service_unavailable")]
    # 5 deliveries (maxReceiveCount), each with the row's tries in place
    assert tries == 5 * imports.ROW_RETRIES


def test_an_import_id_longer_than_any_job_s_is_422_not_a_key_error(admin: Caller) -> None:
    for path in (f"/imports/{'x' * 3000}", f"/imports/{'x' * 3000}/errors"):
        reply = admin.call("GET", path)
        assert (reply.status, reply.json()["code"]) == (422, "validation_failed")

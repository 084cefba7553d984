"""Bulk import's rules on the fakes: reading the file, batching, each row once through
crashes and redeliveries, the importer's current permissions, the welcome pacing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from agent_builders import create
from roster.authorization import Actor
from roster.errors import ConcurrentChange, RosterError, ServiceUnavailable
from roster.models.import_file import MAX_CELL_LENGTH, read_csv
from roster.models.imports import ImportBatch
from roster.permissions import ALL_PERMISSIONS
from roster.ports.agents import AgentFilter, agent_store
from roster.services import imports
from support.fakes import Fakes

HEADER = "account,email,firstName,roles"
NO_WAIT = imports.WelcomePacer(1000.0, sleep=lambda _: None)


@pytest.fixture
def importer(fakes: Fakes, admin: Actor) -> Actor:
    """An administrator who exists in the store (the worker reads the importer anew)."""
    return Actor(create(admin, "importer", roles=["admin"]).id, frozenset(ALL_PERMISSIONS))


def rows(count: int, start: int = 0) -> str:
    return HEADER + "\n" + "".join(f"user{n},user{n}@example.com,User {n},agent\n"
                                   for n in range(start, start + count))


def start(actor: Actor, text: str, **options: Any) -> str:
    settings: dict[str, Any] = {"dry_run": False, "send_welcome": False,
                                "password_mode": "invite", **options}
    job, _ = imports.start_import(actor, text.encode(), content_type="text/csv", **settings)
    return job.id


def run_queue(fakes: Fakes, *, final: bool = False,
              pacer: imports.WelcomePacer = NO_WAIT) -> None:
    while fakes.queue.sent:
        imports.process_batch(fakes.queue.sent.pop(0), final=final, pacer=pacer,
                              sleep=lambda _: None)


def created_accounts() -> list[str]:
    records, _ = agent_store().agent_page(AgentFilter(), limit=100, after=None)
    return sorted(record.account for record in records)


def test_rows_are_queued_in_batches_in_file_order(fakes: Fakes, importer: Actor) -> None:
    start(importer, rows(60))
    assert [len(batch.rows) for batch in fakes.queue.sent] == [25, 25, 10]
    assert [batch.batch for batch in fakes.queue.sent] == [0, 1, 2]
    assert [row.row for batch in fakes.queue.sent for row in batch.rows] == list(range(2, 62))


def test_large_rows_make_smaller_batches_and_calls_under_sqs_limits(fakes: Fakes,
                                                                     importer: Actor) -> None:
    from roster.adapters.import_queue import SEND_BATCH, SEND_BYTES, _calls

    # Rows of 18 cells at the longest a cell may be, in three-byte characters
    text = "account,email,firstName,title\n" + "".join(
        f"big{n},big{n}@example.com,Big,x\n" for n in range(60))
    queued = [imports.QueuedRow(row=row.number, cells={
        **(row.cells or {}), **{f"c{i}": "語" * MAX_CELL_LENGTH for i in range(15)}})
        for row in read_csv(text.encode()).rows]
    made = imports.batches("job", queued)
    bodies = [batch.model_dump_json() for batch in made]
    assert all(len(body.encode()) < 256 * 1024 for body in bodies)
    assert [row.row for batch in made for row in batch.rows] == list(range(2, 62))
    calls = _calls(bodies)
    assert all(len(call) <= SEND_BATCH and sum(len(b.encode()) for b in call) <= SEND_BYTES
               for call in calls)
    assert sum(len(call) for call in calls) == len(bodies)


def test_a_crash_mid_batch_loses_no_row_and_doubles_none(
        fakes: Fakes, importer: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a batch whose worker dies after its third row committed
    import_id = start(importer, rows(5))
    [batch] = fakes.queue.sent
    original = agent_store().create_agent
    calls = 0

    def dies_after_third(*args: Any, **kwargs: Any) -> None:
        nonlocal calls
        calls += 1
        original(*args, **kwargs)
        if calls == 3:
            raise RuntimeError("the worker died right after this row committed")

    store = agent_store()
    monkeypatch.setattr(store, "create_agent", dies_after_third)
    with pytest.raises(RuntimeError):
        imports.process_batch(batch, final=False, pacer=NO_WAIT)
    assert imports.get_import(import_id).processed == 3
    # When the queue delivers the batch again
    imports.process_batch(batch, final=False, pacer=NO_WAIT)
    # Then every row is done once: the committed ones report created, nobody twice
    job = imports.get_import(import_id)
    assert (job.status, job.processed, job.created, job.failed) == ("done", 5, 5, 0)
    assert created_accounts() == ["importer", *[f"user{n}" for n in range(5)]]
    assert fakes.world.actions().count("agent.created") == 6
    assert fakes.world.actions().count("import.finished") == 1


def test_a_batch_delivered_twice_changes_nothing_the_second_time(fakes: Fakes,
                                                                 importer: Actor) -> None:
    import_id = start(importer, rows(3))
    batch = fakes.queue.sent[0]
    imports.process_batch(batch, final=False, pacer=NO_WAIT)
    before = (list(fakes.world.audit), dict(fakes.world.import_counters))
    imports.process_batch(batch, final=False, pacer=NO_WAIT)
    assert (list(fakes.world.audit), dict(fakes.world.import_counters)) == before
    assert imports.get_import(import_id).created == 3


@pytest.mark.parametrize("busy", [ConcurrentChange(), ServiceUnavailable(retryAfter=1)])
def test_a_row_that_stays_busy_sends_the_batch_back_then_fails_on_the_last_delivery(
        fakes: Fakes, importer: Actor, monkeypatch: pytest.MonkeyPatch,
        busy: RosterError) -> None:
    import_id = start(importer, rows(2))
    [batch] = fakes.queue.sent
    original = agent_store().create_agent

    def busy_for_user1(record: Any, **kwargs: Any) -> None:
        if record.account == "user1":
            raise busy
        original(record, **kwargs)

    monkeypatch.setattr(agent_store(), "create_agent", busy_for_user1)
    with pytest.raises(imports.RowNotDone):
        imports.process_batch(batch, final=False, pacer=NO_WAIT, sleep=lambda _: None)
    assert imports.get_import(import_id).processed == 1  # user0 done, user1 not yet
    imports.process_batch(batch, final=True, pacer=NO_WAIT, sleep=lambda _: None)
    job = imports.get_import(import_id)
    assert (job.status, job.created, job.failed) == ("done", 1, 1)
    assert [(e.row, e.code) for e in job.errors] == [(3, "service_unavailable")]


def test_a_row_that_meets_a_concurrent_write_once_is_retried_in_place(
        fakes: Fakes, importer: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    import_id = start(importer, rows(1))
    original = agent_store().create_agent
    conflicts = iter([ConcurrentChange()])

    def conflicts_once(*args: Any, **kwargs: Any) -> None:
        for conflict in conflicts:
            raise conflict
        original(*args, **kwargs)

    monkeypatch.setattr(agent_store(), "create_agent", conflicts_once)
    waits: list[float] = []
    imports.process_batch(fakes.queue.sent[0], final=False, pacer=NO_WAIT, sleep=waits.append)
    assert imports.get_import(import_id).created == 1 and len(waits) == 1


def test_the_importer_s_current_permissions_decide(fakes: Fakes, admin: Actor) -> None:
    # Given a manager who starts an import, then loses agents:write
    manager = create(admin, "boss", roles=["manager"])
    actor = Actor(manager.id, frozenset({"agents:read", "agents:write", "agents:credentials"}))
    text = HEADER + "\nok1,ok1@example.com,Ok,agent\nadm,adm@example.com,Adm,admin\n"
    first = start(actor, text)
    run_queue(fakes)
    # Then the manager creates an agent but cannot grant admin (dominance, per row)
    job = imports.get_import(first)
    assert (job.created, job.failed) == (1, 1)
    assert [(e.row, e.field, e.code) for e in job.errors] == [(3, "roles", "forbidden")]
    # When the manager is demoted before the next import's rows run
    second = start(actor, HEADER + "\nok2,ok2@example.com,Ok,agent\n")
    fakes.world.update_agent(manager.id, roles=["agent"])
    run_queue(fakes)
    job = imports.get_import(second)
    assert (job.created, job.failed) == (0, 1)
    assert job.errors[0].code == "forbidden"


def test_a_dry_run_writes_no_agent_and_no_message(fakes: Fakes, importer: Actor) -> None:
    create(Actor(importer.id, frozenset(ALL_PERMISSIONS)), "user1")
    import_id = start(importer, rows(3), dry_run=True, send_welcome=True)
    agents_before = dict(fakes.world.agents)
    run_queue(fakes)
    job = imports.get_import(import_id)
    assert (job.status, job.created, job.failed) == ("done", 2, 1)
    assert [(e.row, e.field, e.code) for e in job.errors] == [
        (3, "account", "account_taken"), (3, "email", "email_taken")]
    assert fakes.world.agents == agents_before
    assert fakes.world.outbox == []


def test_a_queue_that_refuses_answers_503_and_writes_no_job(fakes: Fakes,
                                                              importer: Actor) -> None:
    fakes.queue.refuse = True
    with pytest.raises(ServiceUnavailable):
        start(importer, rows(2))
    assert fakes.world.imports == {}
    assert "import.started" not in fakes.world.actions()


def test_a_batch_that_comes_before_its_job_comes_back_then_is_dropped(
        fakes: Fakes, importer: Actor) -> None:
    # Given a batch whose job was never written (its POST failed after queuing it)
    batch = ImportBatch(importId="never-written", batch=0, rows=[
        imports.QueuedRow(row=2, cells={"account": "x", "email": "x@example.com",
                                        "firstName": "X"})])
    # Then it comes back soon while it may still be written, and is dropped at the end
    with pytest.raises(imports.JobNotReady) as early:
        imports.process_batch(batch, final=False, pacer=NO_WAIT)
    assert early.value.seconds == imports.RETRY_EARLY_SECONDS
    imports.process_batch(batch, final=True, pacer=NO_WAIT)
    assert created_accounts() == ["importer"]
    # And the worker asks the queue for that sooner return
    imports.retry_later("receipt-1", early.value)
    assert fakes.queue.delayed == [("receipt-1", imports.RETRY_EARLY_SECONDS)]


def test_welcome_mails_are_spaced_at_the_configured_rate(fakes: Fakes,
                                                         importer: Actor) -> None:
    # Given a pacer of 4 mails a second on a clock that moves only when it sleeps
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = imports.WelcomePacer(4.0, sleep=sleep, monotonic=lambda: now[0])
    import_id = start(importer, rows(5), send_welcome=True)
    run_queue(fakes, pacer=pacer)
    # Then five welcomes took a second: the first at once, each next 0.25 s later
    assert imports.get_import(import_id).created == 5
    assert slept == [0.25] * 4
    assert [template for _, template in fakes.world.templates()][-5:] == ["welcome.invite"] * 5


def test_rows_without_a_welcome_are_not_paced(fakes: Fakes, importer: Actor) -> None:
    slept: list[float] = []
    pacer = imports.WelcomePacer(1.0, sleep=slept.append, monotonic=lambda: 0.0)
    start(importer, rows(3))
    run_queue(fakes, pacer=pacer)
    assert slept == []


@pytest.mark.parametrize(("text", "expected"), [
    ("account,email,firstName\na,a@x.io,A\nA,b@x.io,B\n",
     {3: {("account", "duplicate_in_file")}}),
    ("account,email,firstName\na,a@x.io,A\nb,A@X.IO,B\n",
     {3: {("email", "duplicate_in_file")}}),
    ("account,email,firstName,numericId\na,a@x.io,A,7\nb,b@x.io,B,7\nc,c@x.io,C,7\n",
     {3: {("numericId", "duplicate_in_file")}, 4: {("numericId", "duplicate_in_file")}}),
    ("account,email,firstName\n'=a,a@x.io,A\n=a,b@x.io,B\n", {3: {("account",
                                                                  "duplicate_in_file")}}),
    ("account,email,firstName,numericId\na,a@x.io,A,7\nb,b@x.io,B,007\n",
     {3: {("numericId", "duplicate_in_file")}}),
])
def test_duplicates_in_the_file_are_folded_as_uniqueness_folds(
        text: str, expected: dict[int, set[tuple[str, str]]]) -> None:
    found = imports.in_file_duplicates(read_csv(text.encode()).rows)
    assert {row: {(e.field, e.code) for e in errors} for row, errors in found.items()} == (
        expected)


def test_an_import_and_its_errors_page_in_order(fakes: Fakes, importer: Actor) -> None:
    text = HEADER + "\n" + "".join(f"x{n},bad,,agent\n" for n in range(5))
    import_id = start(importer, text)
    run_queue(fakes)
    seen: list[int] = []
    page_cursor: str | None = None
    while True:
        page = imports.list_errors(import_id, limit=4, page_cursor=page_cursor)
        seen += [error.row for error in page.items]
        page_cursor = page.nextCursor
        if page_cursor is None:
            break
    assert seen == sorted(seen) and set(seen) == {2, 3, 4, 5, 6}


def call_refused(action: Callable[[], object]) -> tuple[int, str]:
    with pytest.raises(RosterError) as refused:
        action()
    return refused.value.status, refused.value.code


def test_generated_passwords_need_the_welcome_mail(fakes: Fakes, importer: Actor) -> None:
    assert call_refused(lambda: start(importer, rows(1), password_mode="generate")) == (
        422, "validation_failed")
    assert fakes.world.imports == {}

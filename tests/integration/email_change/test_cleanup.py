"""The scheduled cleanup: expired email changes and expired sparse-index items go, through
the ``expiring`` index only, idempotently, in batches; its reads grow with what expired."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from roster import aws, clock
from roster.models.agent import AgentRecord
from roster.models.audit import AuditEvent
from roster.repository import DynamoRepository, get_repository, keys
from roster.repository.email_change import expiring
from roster.repository.table import Expression, serialize
from roster.services import cleanup, email_change
from roster_local.moto_tuning import seed_items
from roster_local.runtime import Runtime
from support.agents import AgentFactory, stored_agent
from support.aws_calls import dynamodb_calls
from support.mail import emails_to, link_token

ADMIN_ID = "admin-actor"


def start_in_the_past(record: AgentRecord, new_email: str, days_ago: float,
                      monkeypatch: pytest.MonkeyPatch) -> AgentRecord:
    """A change started ``days_ago`` (so with the default one-day lifetime, expired)."""
    real_now = clock.now
    past = real_now() - timedelta(days=days_ago)
    monkeypatch.setattr(clock, "now", lambda: past)
    try:
        return email_change.start_change(ADMIN_ID, record, new_email)
    finally:
        monkeypatch.setattr(clock, "now", real_now)


def run_cleanup(runtime: Runtime) -> dict[str, Any]:
    result: dict[str, Any] = runtime.run_function("cleanup")
    return result


def test_expired_changes_end_and_live_ones_stay(runtime: Runtime, make_agent: AgentFactory,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # Given one expired and one live pending change
    stale = start_in_the_past(make_agent("old@example.com"), "stale@example.com", 2, monkeypatch)
    live = email_change.start_change(ADMIN_ID, make_agent("live@example.com"),
                                     "fresh@example.com")
    runtime.pump_streams()
    stale_token = link_token(emails_to(runtime, "stale@example.com")[-1])
    # When the cleanup runs (POST /_local/run/cleanup runs the same function)
    summary = run_cleanup(runtime)
    # Then it read one entry and ended one change
    assert summary == {"read": 1, "expiredEmailChanges": 1, "expiredItems": 0, "skipped": 0,
                       "complete": True}
    # And the expired change is gone from the profile (version moved) and its token deleted
    after = stored_agent(stale.id)
    assert after.pendingEmail is None and after.version == stale.version + 1
    assert get_repository().table.get(keys.email_change(stale.id)) is None
    items, _ = get_repository().table.query(
        Expression("pk = :pk", values={":pk": keys.audit_partition(stale.id)}))
    assert "agent.email_change_expired" in [item["action"] for item in items]
    # And its link is dead; the live change is untouched
    response = runtime.invoke("POST", "/email-verification", body={"token": stale_token})
    assert response.json()["code"] == "invalid_token"
    assert stored_agent(live.id).pendingEmail == live.pendingEmail
    assert get_repository().table.get(keys.email_change(live.id)) is not None
    # And a second run finds nothing (idempotent)
    assert run_cleanup(runtime) == {"read": 0, "expiredEmailChanges": 0, "expiredItems": 0,
                                    "skipped": 0, "complete": True}


def test_other_expired_items_of_the_index_are_deleted(runtime: Runtime) -> None:
    # Given items of another kind that carry the sparse-index attributes
    now = clock.now()
    expired_key = {"pk": f"CHALLENGE#{uuid.uuid4().hex}", "sk": "CHALLENGE"}
    live_key = {"pk": f"CHALLENGE#{uuid.uuid4().hex}", "sk": "CHALLENGE"}
    plain_key = {"pk": f"CHALLENGE#{uuid.uuid4().hex}", "sk": "CHALLENGE"}
    table = get_repository().table
    table.put({**expired_key, **expiring(clock.iso(now - timedelta(minutes=5)))})
    table.put({**live_key, **expiring(clock.iso(now + timedelta(minutes=5)))})
    table.put({**plain_key, "expiresAt": clock.iso(now - timedelta(days=3))})  # not in index
    # When the cleanup runs
    summary = run_cleanup(runtime)
    # Then only the expired indexed item is deleted
    assert summary["read"] == 1 and summary["expiredItems"] == 1
    assert table.get(expired_key) is None
    assert table.get(live_key) is not None and table.get(plain_key) is not None


def test_a_token_whose_profile_moved_on_is_still_deleted(
        runtime: Runtime, make_agent: AgentFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an expired change whose profile no longer shows it (e.g. rewritten meanwhile)
    agent = start_in_the_past(make_agent("jane@example.com"), "new@example.com", 2, monkeypatch)
    get_repository().table.update(keys.agent(agent.id), "REMOVE pendingEmail")
    # When the cleanup runs Then the orphan token is deleted anyway
    summary = run_cleanup(runtime)
    assert summary["expiredEmailChanges"] == 1 and summary["skipped"] == 0
    assert get_repository().table.get(keys.email_change(agent.id)) is None


def test_a_change_renewed_after_the_index_was_read_is_not_removed(
        runtime: Runtime, make_agent: AgentFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the cleanup read an expired change from the index
    agent = start_in_the_past(make_agent("jane@example.com"), "new@example.com", 2, monkeypatch)
    (page,) = list(get_repository().expired_pages(clock.iso(clock.now())))
    assert [entry.email_change_of for entry in page] == [agent.id]
    # And then a new change replaced it
    current = email_change.start_change(ADMIN_ID, stored_agent(agent.id), "newer@example.com")
    # When the cleanup acts on what it read
    done, skipped = get_repository().expire_email_changes(
        page, updated_at=clock.iso(clock.now()),
        audit=lambda agent_id: AuditEvent(actorId=None, action="agent.email_change_expired",
                                          targetId=agent_id))
    # Then nothing is removed: the new change and its token stand
    assert (done, skipped) == (0, 1)
    assert stored_agent(agent.id).pendingEmail == current.pendingEmail
    item = get_repository().table.get(keys.email_change(agent.id))
    assert item is not None and item["email"] == "newer@example.com"


def test_many_expired_items_go_in_batches(runtime: Runtime) -> None:
    # Given more expired items than one page of the index and one transaction hold
    table = get_repository().table
    past = clock.iso(clock.now() - timedelta(hours=1))
    entries = [{"pk": f"TEST#{n}", "sk": "X", **expiring(past)} for n in range(230)]
    table.batch_write(puts=entries)
    with dynamodb_calls() as calls:
        summary = run_cleanup(runtime)
    # Then all are deleted with 3 paged queries and 3 transactions (not one call each)
    assert summary["expiredItems"] == 230 and summary["read"] == 230
    assert calls.count("Query") == 3
    assert [call for call in calls if call.startswith("TransactWriteItems")] == [
        "TransactWriteItems:100", "TransactWriteItems:100", "TransactWriteItems:30"]
    assert "Scan" not in calls
    assert all(table.get({"pk": f"TEST#{n}", "sk": "X"}) is None for n in (0, 99, 229))


def test_a_run_short_of_time_stops_and_says_so(runtime: Runtime) -> None:
    # Given an expired item, and an invocation with less time left than the safety margin
    table = get_repository().table
    key = {"pk": f"TEST#{uuid.uuid4().hex}", "sk": "X"}
    table.put({**key, **expiring(clock.iso(clock.now() - timedelta(hours=1)))})
    # When the cleanup runs Then it stops before deleting and reports itself incomplete
    summary = cleanup.run(time_left_ms=lambda: cleanup.SAFETY_MARGIN_MS - 1)
    assert summary.complete is False and summary.expiredItems == 0
    assert table.get(key) is not None
    # And with time enough, the next run finishes the job
    assert cleanup.run(time_left_ms=lambda: 300_000).expiredItems == 1


def minimal_profile(record: AgentRecord) -> dict[str, Any]:
    """The profile item of ``record`` without the attributes that hold their defaults (it
    reads back as the same record)."""
    given = record.model_dump(mode="json", exclude_defaults=True)
    return {name: value for name, value in DynamoRepository.agent_item(record).items()
            if name in given or name not in AgentRecord.model_fields}


@pytest.fixture
def read_counter() -> Iterator[dict[str, int]]:
    """Items read by the table client, by operation (a botocore after-call hook)."""
    counts: dict[str, int] = {}

    def count(http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        name = model.name
        if name in {"Query", "Scan"}:
            read = int(parsed.get("ScannedCount", parsed.get("Count", 0)))
        elif name == "GetItem":
            read = 1 if parsed.get("Item") else 0
        elif name == "BatchGetItem":
            read = sum(len(items) for items in parsed.get("Responses", {}).values())
        else:
            return
        counts[name] = counts.get(name, 0) + read

    client = aws.dynamodb()
    client.meta.events.register("after-call.dynamodb", count)
    yield counts
    client.meta.events.unregister("after-call.dynamodb", count)


def test_cost_grows_with_the_expired_items_not_the_table(
        runtime: Runtime, admin: dict[str, str], make_agent: AgentFactory,
        monkeypatch: pytest.MonkeyPatch, read_counter: dict[str, int]) -> None:
    # Given 5 expired email changes and 3 live ones
    expired = [start_in_the_past(make_agent(f"old{n}@example.com"), f"new{n}@example.com", 2,
                                 monkeypatch) for n in range(5)]
    live = [email_change.start_change(ADMIN_ID, make_agent(f"l{n}@example.com"),
                                      f"ln{n}@example.com") for n in range(3)]
    # And 10,000 other agents: profiles laid out as the repository writes them, less the
    # attributes at their defaults, put straight into moto's table (through the API that
    # alone takes a minute)
    stamp = clock.iso(clock.now())
    bulk = [AgentRecord(id=str(uuid.uuid4()), account=f"bulk{n:05d}",
                        email=f"bulk{n:05d}@example.com", firstName="Bulk", alias="Bulk",
                        createdAt=stamp, updatedAt=stamp) for n in range(10_000)]
    assert seed_items(get_repository().table.name,
                      (serialize(minimal_profile(record)) for record in bulk)) == 10_000
    last = runtime.invoke("GET", f"/agents/{bulk[-1].id}", headers=admin)
    assert last.status == 200 and last.json()["account"] == "bulk09999"
    read_counter.clear()
    # When the cleanup runs
    summary = runtime.invoke_function("cleanup", {"source": "aws.events",
                                                  "detail-type": "Scheduled Event"})
    # Then it read exactly the 5 expired entries, by one Query of the index (no Scan)
    assert read_counter == {"Query": 5}
    assert summary == {"read": 5, "expiredEmailChanges": 5, "expiredItems": 0, "skipped": 0,
                       "complete": True}
    assert all(stored_agent(r.id).pendingEmail is None for r in expired)
    assert all(stored_agent(r.id).pendingEmail == r.pendingEmail for r in live)

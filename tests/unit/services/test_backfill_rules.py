"""The search-items backfill's rules on the fakes: every agent indexed once, the old items
swept, a run stopped by its time continued by the next, one run at a time, an agent that
changes meanwhile read again, a finished migration left alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from agent_builders import catalog, create
from roster import clock
from roster.authorization import Actor
from roster.models.agent import AgentRecord
from roster.models.backfill import GENERATION, BackfillProgress
from roster.ports.backfill import Indexed
from roster.services import backfill
from support.fakes import Fakes
from support.fakes.backfill import MemoryBackfill

PLENTY = 600_000


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backfill, "PROFILE_PAGE", 2)
    monkeypatch.setattr(backfill, "SWEEP_PAGE", 3)
    monkeypatch.setattr(backfill, "QUEUE_PAGE", 2)


def written_before(fakes: Fakes, admin: Actor, *accounts: str) -> list[AgentRecord]:
    """Agents as the previous release left them: no word or reference items, and three
    prefix items each."""
    records = [create(admin, account) for account in accounts]
    for record in records:
        fakes.world.unindexed.add(record.id)
        fakes.world.legacy_items |= {(f"PREFIX#{record.account[:n]}", record.id)
                                     for n in (1, 2, 3)}
    return records


def time_for(pages: int) -> Callable[[], int]:
    """An invocation's time left: enough for ``pages`` pages, then too little."""
    answers = iter([PLENTY] * (pages + 1))  # the first answer sets the lease
    return lambda: next(answers, 0)


def test_a_run_indexes_every_agent_once_then_sweeps_and_says_done(fakes: Fakes,
                                                                   admin: Actor) -> None:
    # Given five agents written by the previous release
    written_before(fakes, admin, "anna", "bob", "carl", "dina", "erik")
    # When the backfill runs with time enough
    report = backfill.run(lambda: PLENTY)
    # Then every agent was read once, the five indexed, the 15 prefix items deleted
    assert report.done and report.phase == "done" and report.next is None
    assert (report.agentsRead, report.agentsIndexed, report.itemsDeleted) == (
        len(fakes.world.agents), 5, 15)
    assert not fakes.world.unindexed and not fakes.world.legacy_items
    # And the stored progress says so, released
    progress = fakes.world.backfill
    assert progress is not None and progress.phase == "done" and progress.finishedAt
    assert fakes.world.backfill_lease is not None and fakes.world.backfill_lease[1] == 0


def test_a_finished_migration_is_left_alone(fakes: Fakes, admin: Actor) -> None:
    # Given a finished migration
    written_before(fakes, admin, "anna")
    backfill.run()
    stored, lease = fakes.world.backfill, fakes.world.backfill_lease
    # When it runs again (an agent of the old kind could not appear meanwhile: nothing
    # writes one), it does nothing and writes nothing
    report = backfill.run(lambda: PLENTY)
    assert report.done and (report.agentsRead, report.agentsIndexed, report.itemsDeleted) == (
        0, 0, 0)
    assert fakes.world.backfill is stored and fakes.world.backfill_lease == lease


def unnamed_queues(fakes: Fakes, *queue_ids: str) -> None:
    """Queues as the release before the name index left them: no name item."""
    for queue_id in queue_ids:
        catalog(fakes, "queues", queue_id)
        fakes.world.unnamed.add(("queues", queue_id))


def test_a_migration_finished_before_the_queues_phase_continues_with_it(
        fakes: Fakes, admin: Actor) -> None:
    # Given a migration finished by the release before the name index (generation 1),
    # and five queues without their name item (three pages of up to two)
    fakes.world.backfill = BackfillProgress(phase="done", agentsRead=4, finishedAt="x")
    unnamed_queues(fakes, "a", "b", "c", "d", "e")
    # When a run has time for two pages, it names four queues and stops in the phase
    first = backfill.run(time_for(2))
    assert not first.done and first.phase == "queues" and first.queuesNamed == 4
    assert fakes.world.unnamed == {("queues", "e")}
    # And the next finishes it at this generation; later runs leave it alone
    second = backfill.run(lambda: PLENTY)
    assert second.done and (second.queuesRead, second.queuesNamed) == (1, 1)
    progress = fakes.world.backfill
    assert progress is not None and progress.generation == GENERATION
    assert (progress.agentsRead, progress.queuesRead, progress.queuesNamed) == (4, 5, 5)
    assert progress.finishedAt not in (None, "x")
    assert backfill.run().queuesRead == 0


def test_a_queue_changed_meanwhile_is_read_again_and_named(
        fakes: Fakes, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    unnamed_queues(fakes, "sales")
    store = MemoryBackfill(fakes.world)
    original = store.name_queues
    changes = iter([True])

    def changed_once(queues: list[tuple[dict[str, object], int]]) -> Indexed:
        if next(changes, False):  # an agent joins the queue: its revision moves
            data, revision = fakes.world.catalog[("queues", "sales")]
            fakes.world.catalog[("queues", "sales")] = (data, revision + 1)
        return original(queues)

    monkeypatch.setattr(store, "name_queues", changed_once)
    monkeypatch.setattr(backfill, "backfill_store", lambda: store)
    report = backfill.run(lambda: PLENTY)
    assert report.done and report.queuesNamed == 1 and not fakes.world.unnamed


def test_a_run_short_of_time_stops_and_the_next_continues(fakes: Fakes, admin: Actor) -> None:
    # Given seven agents of the old kind (four pages of up to two)
    written_before(fakes, admin, "anna", "bob", "carl", "dina", "erik", "fred", "gina")
    # When a run has time for two pages only
    first = backfill.run(time_for(2))
    # Then it stops in the agents phase, saying where, four agents read
    assert not first.done and first.phase == "agents" and first.next is not None
    assert first.agentsRead == 4
    assert len(fakes.world.unindexed) == 7 - first.agentsIndexed
    # And the next run, with time enough, continues there: nobody read twice
    second = backfill.run(lambda: PLENTY)
    assert second.done and first.agentsRead + second.agentsRead == 7
    assert first.agentsIndexed + second.agentsIndexed == 7
    assert not fakes.world.unindexed and not fakes.world.legacy_items
    progress = fakes.world.backfill
    assert progress is not None and (progress.agentsRead, progress.agentsIndexed) == (7, 7)


def test_a_run_stopped_in_the_sweep_continues_it(fakes: Fakes, admin: Actor) -> None:
    written_before(fakes, admin, "anna", "bob", "carl")  # 9 prefix items: 3 sweep pages
    first = backfill.run(time_for(2 + 1))  # two agent pages, one sweep page
    assert not first.done and first.phase == "sweep" and first.itemsDeleted == 3
    second = backfill.run(lambda: PLENTY)
    assert second.done and second.itemsDeleted == 6 and not fakes.world.legacy_items


def test_one_run_at_a_time(fakes: Fakes, admin: Actor,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a run that holds the migration (it died, or is still running)
    written_before(fakes, admin, "anna")
    store = MemoryBackfill(fakes.world)
    now = clock.epoch(clock.now())
    assert store.claim_backfill("other-run", now=now, until=now + 600) is not None
    # When another run starts, it does nothing and says the migration is busy
    report = backfill.run(lambda: PLENTY)
    assert report.busy and not report.done and fakes.world.unindexed
    # And once the holder's time is past, a run takes over
    later = clock.now() + timedelta(seconds=601)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert backfill.run(lambda: PLENTY).done and not fakes.world.unindexed


def test_a_run_that_lost_its_hold_stops_without_saving(fakes: Fakes, admin: Actor,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    written_before(fakes, admin, "anna", "bob", "carl")
    store = MemoryBackfill(fakes.world)
    original = store.profile_page

    def page_then_taken(after: str | None, *, limit: int) -> tuple[list[tuple[AgentRecord, str]],
                                                                    bool]:
        fakes.world.backfill_lease = ("usurper", 2**31)  # a run that outlived its lease
        return original(after, limit=limit)

    monkeypatch.setattr(store, "profile_page", page_then_taken)
    monkeypatch.setattr(backfill, "backfill_store", lambda: store)
    report = backfill.run(lambda: PLENTY)
    assert not report.done
    progress = fakes.world.backfill
    assert progress is not None and progress.position is None  # nothing saved by it
    assert fakes.world.backfill_lease == ("usurper", 2**31)


def test_an_agent_changed_meanwhile_is_read_again_and_indexed_as_it_is(
        fakes: Fakes, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    (anna,) = written_before(fakes, admin, "anna")
    store = MemoryBackfill(fakes.world)
    original = store.index_agents
    changes = iter([True])

    def changed_once(records: list[AgentRecord]) -> Indexed:
        if next(changes, False):  # the agent is updated between the read and the write
            current = fakes.world.agents[anna.id]
            fakes.world.agents[anna.id] = current.model_copy(update={"version": 7})
        return original(records)

    monkeypatch.setattr(store, "index_agents", changed_once)
    monkeypatch.setattr(backfill, "backfill_store", lambda: store)
    report = backfill.run(lambda: PLENTY)
    assert report.done and report.agentsIndexed == 1 and not fakes.world.unindexed


def test_agents_that_keep_changing_stop_the_run_on_their_page(
        fakes: Fakes, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    (anna,) = written_before(fakes, admin, "anna")
    store = MemoryBackfill(fakes.world)
    original = store.index_agents
    busy = True

    def always_changed(records: list[AgentRecord]) -> Indexed:
        if busy:
            current = fakes.world.agents[anna.id]
            fakes.world.agents[anna.id] = current.model_copy(
                update={"version": current.version + 1})
        return original(records)

    monkeypatch.setattr(store, "index_agents", always_changed)
    monkeypatch.setattr(backfill, "backfill_store", lambda: store)
    first = backfill.run(lambda: PLENTY)
    assert not first.done and first.phase == "agents" and anna.id in fakes.world.unindexed
    busy = False
    assert backfill.run(lambda: PLENTY).done and not fakes.world.unindexed


def test_a_run_that_fails_keeps_what_it_did_and_lets_the_next_start_at_once(
        fakes: Fakes, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    written_before(fakes, admin, "anna", "bob", "carl")
    store = MemoryBackfill(fakes.world)

    def broken(after: str | None, *, limit: int) -> None:
        raise RuntimeError("the table went away")

    monkeypatch.setattr(store, "sweep_page", broken)
    monkeypatch.setattr(backfill, "backfill_store", lambda: store)
    with pytest.raises(RuntimeError):
        backfill.run(lambda: PLENTY)
    progress = fakes.world.backfill
    assert progress is not None and progress.phase == "sweep" and progress.agentsIndexed == 3
    monkeypatch.undo()
    report = backfill.run(lambda: PLENTY)
    assert report.done and not report.busy and report.agentsRead == 0
    assert not fakes.world.legacy_items

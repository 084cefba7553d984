"""The search-items backfill on the emulated table: agents written the previous
release's way (no word items, no attribute reference items, ``PREFIX#`` items) are found
by ``?q=`` and every attribute filter after it, the old items are gone, nothing is
duplicated, no version moves; a second run changes nothing; a run stopped by its time is
continued by the next; a profile changed meanwhile is never written over."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from roster.errors import ConcurrentChange
from roster.models.agent import AgentRecord
from roster.ports.backfill import SearchItemsBackfill
from roster.repository import get_repository, keys
from roster.repository.agents import attribute_values
from roster.repository.backfill import TableBackfill, derived_items
from roster.repository.table import Item, deserialize
from roster.services import backfill
from roster_local.runtime import Runtime, UnknownFunction
from support.agents import make_agent, stored_agent
from support.api import Caller
from support.fakes.backfill import MemoryBackfill
from support.fakes.world import World

OLD_PREFIX_LENGTH = 4  # the previous release's prefix items: 1..4 characters
OLD_SEARCH_FIELDS = ("account", "email", "alias")


def old_prefix_items(record: AgentRecord) -> list[Item]:
    """The previous release's ``q`` items of an agent (its ``AgentStore.search_items``)."""
    items: list[Item] = []
    for name in OLD_SEARCH_FIELDS:
        value = str(getattr(record, name)).lower()
        for length in range(1, min(OLD_PREFIX_LENGTH, len(value)) + 1):
            items.append({"pk": f"PREFIX#{value[:length]}",
                          "sk": f"{record.account.lower()}#{record.id}#{name}",
                          "type": "search", "agentId": record.id, "value": value})
    return items


def as_previous_release(record: AgentRecord) -> AgentRecord:
    """Turn an agent's items into what the previous release wrote: its word items and
    attribute reference items removed (catalogue references it had), prefix items added."""
    attribute_partitions = {keys.reference_partition(name, value)
                            for name, value in attribute_values(record)}
    gone = [{"pk": item["pk"], "sk": item["sk"]} for item in derived_items(record)
            if item["type"] == "search" or item["pk"] in attribute_partitions]
    get_repository().table.batch_write(puts=old_prefix_items(record), deletes=gone)
    return record


def every_item() -> list[Item]:
    table = get_repository().table
    params: dict[str, Any] = {"TableName": table.name, "ConsistentRead": True}
    found: list[Item] = []
    while True:
        response = table.call(table.client.scan, **params)
        found += [deserialize(raw) for raw in response.get("Items", [])]
        if "LastEvaluatedKey" not in response:
            return found
        params["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def listed(admin: Caller, **query: str) -> list[str]:
    found: list[str] = []
    cursor: str | None = None
    while True:
        response = admin.call("GET", "/agents", query={**query, **(
            {"cursor": cursor} if cursor else {})})
        assert response.status == 200, response.json()
        found += [agent["account"] for agent in response.json()["items"]]
        cursor = response.json()["nextCursor"]
        if cursor is None:
            return found


def time_for(pages: int) -> Callable[[], int]:
    answers = iter([600_000] * (pages + 1))  # the first answer sets the lease
    return lambda: next(answers, 0)


@pytest.fixture
def old_agents(admin: Caller) -> dict[str, AgentRecord]:
    """Agents as the previous release left them, one for each filter."""
    made = {
        "aodegard": make_agent("aodegard", firstName="Åse", lastName="Ødegård",
                               language="nb", businessUnit="North", locked=True,
                               two_factor=True),
        "jdoe": make_agent("jdoe", firstName="Jane", lastName="Doe", alias="JD",
                           businessUnit="South", queueStatus="logged_on"),
        "invited": make_agent("invited", password=None, lastName="Nobody"),
        "temp": make_agent("temp", temporary=True, language="de"),
    }
    return {account: as_previous_release(record) for account, record in made.items()}


FILTERS: list[tuple[dict[str, str], list[str]]] = [
    ({"q": "doe"}, ["jdoe"]),
    ({"q": "ødegård åse"}, ["aodegard"]),
    ({"q": "ODEGARD"}, ["aodegard"]),
    ({"q": "nobody"}, ["invited"]),
    ({"language": "nb"}, ["aodegard"]),
    ({"language": "de"}, ["temp"]),
    ({"businessUnit": "South"}, ["jdoe"]),
    ({"queueStatus": "logged_on"}, ["jdoe"]),
    ({"passwordStatus": "none"}, ["invited"]),
    ({"passwordStatus": "temporary"}, ["temp"]),
    ({"locked": "true"}, ["aodegard"]),
    ({"twoFactorEnabled": "true"}, ["aodegard"]),
    ({"twoFactorEnabled": "false", "language": "en"}, ["admin", "invited", "jdoe"]),
]


def test_old_agents_are_found_after_the_backfill_and_the_old_items_are_gone(
        runtime: Runtime, admin: Caller, old_agents: dict[str, AgentRecord]) -> None:
    # Given the agents as the previous release wrote them: the new listings miss them
    assert listed(admin, q="doe") == [] and listed(admin, language="nb") == []
    assert listed(admin, twoFactorEnabled="true") == []
    # And leftovers: a deleted agent's prefix items, a word and an attribute reference
    # item that jdoe's profile no longer makes
    jdoe = old_agents["jdoe"]
    table = get_repository().table
    ghost = old_prefix_items(jdoe.model_copy(update={"id": "deleted-agent",
                                                     "account": "ghost"}))
    stale = [{**keys.word("zed", jdoe.account, jdoe.id), "type": "search",
              "agentId": jdoe.id},
             {**keys.reference("language", "fr", jdoe.account, jdoe.id),
              "type": "reference", "agentId": jdoe.id, "account": jdoe.account,
              "active": True}]
    table.batch_write(puts=[*ghost, *stale])
    versions = {record.id: stored_agent(record.id).version for record in old_agents.values()}
    # When the backfill runs (POST /_local/run/backfill runs the same function)
    result = runtime.run_function("backfill")
    # Then it finished in one run: the four agents indexed, the old items deleted
    assert result["done"] is True and result["phase"] == "done" and not result["busy"]
    assert result["agentsIndexed"] == 4 and result["agentsRead"] == 5  # and the owner
    assert result["itemsDeleted"] == sum(len(old_prefix_items(r)) for r in old_agents.values()
                                         ) + len(ghost) + len(stale)
    # And every filter finds them
    for query, accounts in FILTERS:
        assert listed(admin, **query) == accounts, query
    # And no prefix item remains, each agent has exactly the items its writes make
    items = every_item()
    assert not [item for item in items if str(item["pk"]).startswith("PREFIX#")]
    for record in old_agents.values():
        current = stored_agent(record.id)
        held = sorted((str(i["pk"]), str(i["sk"])) for i in items
                      if i.get("agentId") == record.id and i["sk"] != keys.PROFILE
                      and str(i["pk"]).startswith(("WORD#", "REF#")))
        assert held == sorted((str(i["pk"]), str(i["sk"])) for i in derived_items(current))
        # And no version moved
        assert current.version == versions[record.id]
    # When it runs again, it says it is done and writes nothing
    again = runtime.run_function("backfill")
    assert again == {**result, "agentsRead": 0, "agentsIndexed": 0, "itemsDeleted": 0,
                     "skipped": 0}
    assert every_item() == items


def test_a_run_stopped_by_its_time_is_continued_by_the_next(
        runtime: Runtime, admin: Caller, old_agents: dict[str, AgentRecord],
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Given pages of two profiles, and a run with time for one page only
    monkeypatch.setattr(backfill, "PROFILE_PAGE", 2)
    first = backfill.run(time_for(1))
    # Then it stopped in the agents phase (admin and aodegard done, by account)
    assert not first.done and first.phase == "agents" and first.next is not None
    assert (first.agentsRead, first.agentsIndexed) == (2, 1)
    assert listed(admin, language="nb") == ["aodegard"]
    assert listed(admin, q="doe") == []
    # When the function runs (twice), the rest is done once
    second = runtime.run_function("backfill")
    assert second["done"] is True and (second["agentsRead"], second["agentsIndexed"]) == (3, 3)
    third = runtime.run_function("backfill")
    assert third["done"] is True and third["agentsRead"] == third["itemsDeleted"] == 0
    for query, accounts in FILTERS:
        assert listed(admin, **query) == accounts, query
    progress = get_repository().table.get({"pk": "MIGRATION#search-items", "sk": "MIGRATION"})
    assert progress is not None and (progress["agentsRead"], progress["agentsIndexed"]) == (5, 4)
    assert progress["leaseUntil"] == 0 and progress["finishedAt"]


def test_a_profile_changed_since_it_was_read_is_not_written_over(
        runtime: Runtime, admin: Caller, old_agents: dict[str, AgentRecord]) -> None:
    # Given the backfill's read of jdoe, then an update of her names
    read = stored_agent(old_agents["jdoe"].id)
    response = admin.call("PATCH", f"/agents/{read.id}", {"firstName": "Janet",
                                                            "alias": "Jay"})
    assert response.status == 200, response.json()
    store = TableBackfill(get_repository().table)
    # When it writes her items from that read, nothing is written: she moved on
    assert store.index_agents([read]).moved == [read.id]
    table = get_repository().table
    old_words = [keys.word(word, read.account, read.id) for word in ("jane", "jd")]
    assert [table.get(key) for key in old_words] == [None, None]
    assert listed(admin, q="doe") == []  # her unchanged words are still missing
    # And read again, she gets the items of what she is now, and only those
    (current,) = store.current_agents([read.id])
    assert store.index_agents([current]).written == [read.id]
    assert [table.get(key) for key in old_words] == [None, None]
    assert listed(admin, q="doe") == ["jdoe"] and listed(admin, q="jay") == ["jdoe"]
    assert listed(admin, businessUnit="South") == ["jdoe"]


@pytest.mark.parametrize("function", ["bootstrap", "authorizer", "agents"])
def test_only_a_function_with_no_trigger_at_all_runs_by_hand(runtime: Runtime,
                                                             function: str) -> None:
    # A custom resource's handler and the authorizer have no event either, but another
    # resource invokes them through their ARN: POST /_local/run does not.
    with pytest.raises(UnknownFunction):
        runtime.run_function(function)


@pytest.fixture(params=["fake", "dynamodb"])
def progress_store(request: pytest.FixtureRequest) -> SearchItemsBackfill:
    if request.param == "fake":
        return MemoryBackfill(World())
    request.getfixturevalue("runtime")
    return TableBackfill(get_repository().table)


def test_the_progress_is_held_by_one_run_at_a_time(progress_store: SearchItemsBackfill) -> None:
    """Contract (fake and DynamoDB): the claim and the saves of the progress."""
    assert progress_store.backfill_progress() is None
    # A first run claims it: the progress starts
    claimed = progress_store.claim_backfill("run-a", now=1000, until=1900)
    assert claimed is not None and claimed.phase == "agents" and claimed.position is None
    # Another run cannot while the first holds it, nor save over it
    assert progress_store.claim_backfill("run-b", now=1500, until=2400) is None
    with pytest.raises(ConcurrentChange):
        progress_store.save_backfill("run-b", claimed.model_copy(update={"position": "x"}),
                                     until=2400)
    # The holder saves, and may claim again (a re-invocation of itself)
    progress_store.save_backfill("run-a", claimed.model_copy(update={
        "position": "p1", "agentsRead": 3}), until=1900)
    again = progress_store.claim_backfill("run-a", now=1600, until=2500)
    assert again is not None and (again.position, again.agentsRead) == ("p1", 3)
    # Past its lease another run takes over, and the first can no longer save
    taken = progress_store.claim_backfill("run-b", now=2600, until=3500)
    assert taken is not None and taken.position == "p1"
    with pytest.raises(ConcurrentChange):
        progress_store.save_backfill("run-a", again, until=2500)
    # A released hold (until 0) lets the next run start at once
    progress_store.save_backfill("run-b", taken.model_copy(update={"phase": "done"}), until=0)
    assert progress_store.claim_backfill("run-c", now=2700, until=3600) is not None
    stored = progress_store.backfill_progress()
    assert stored is not None and stored.phase == "done"

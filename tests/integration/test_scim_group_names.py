"""SCIM's ``displayName eq`` on Groups on the emulated table: one ``Query`` of the queue
name index whatever the number of queues, the name item following create, rename and
delete, and a queue written before the index found once the backfill named it."""

from __future__ import annotations

from typing import Any

from roster.models.scim import GROUP_SCHEMA
from roster.repository import get_repository, keys
from roster.repository.catalog import name_item
from roster.scim_api import SCIM_CONTENT_TYPE
from roster.services import backfill
from roster.services.scim import groups, listing
from roster_local.runtime import Runtime
from support.api import Caller
from support.aws_calls import aws_calls

BASE = "http://127.0.0.1:3000/scim/v2"


def call(client: Caller, method: str, path: str, body: Any = None,
         query: dict[str, str] | None = None) -> Any:
    response = client.call(method, f"/scim/v2{path}", body, query=query, headers={
        "Content-Type": SCIM_CONTENT_TYPE, "Host": "127.0.0.1:3000"})
    assert response.status < 300, response.body[:300]
    return response.json() if response.body else None


def probe(client: Caller, name: str) -> list[str]:
    """Entra ID's probe before it creates a Group."""
    found = call(client, "GET", "/Groups", query={
        "filter": f'displayName eq "{name}"', "excludedAttributes": "members"})
    return [group["id"] for group in found["Resources"]]


def test_the_probe_is_one_query_of_the_name_index(runtime: Runtime, scim: Caller) -> None:
    # Given 30 queues, two named "Sales" but for case
    for index in range(28):
        call(scim, "POST", "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": f"Q{index}"})
    for name in ("Sales", "SALES"):
        call(scim, "POST", "/Groups", {"schemas": [GROUP_SCHEMA], "displayName": name})
    # When Entra probes "sales" (members excluded), the answer is one Query reading two
    search = listing.read_search(listing.GROUP_SEARCH, {
        "filter": 'displayName eq "sales"', "excludedAttributes": "members"})
    with aws_calls() as recorded:
        found = groups.list_groups(search, BASE)
    assert [group["id"] for group in found["Resources"]] == ["sales", "sales-2"]
    assert recorded.entries == ["Query"] and recorded.items_read == 2
    # And the item follows a rename and a delete
    call(scim, "PATCH", "/Groups/sales-2", {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "displayName", "value": "Support"}]})
    assert (probe(scim, "Sales"), probe(scim, "support")) == (["sales"], ["sales-2"])
    call(scim, "DELETE", "/Groups/sales")
    assert probe(scim, "Sales") == []
    table = get_repository().table
    assert table.get(keys.catalog_name("queues", "Sales", "sales")) is None
    assert table.get(keys.catalog_name("queues", "SALES", "sales-2")) is None


def test_a_queue_older_than_the_index_is_found_after_the_backfill(
        runtime: Runtime, admin: Caller, scim: Caller) -> None:
    # Given a queue as the release before the index wrote it: no name item
    response = admin.call("POST", "/queues", {"id": "nights", "name": "Night Shift"})
    assert response.status == 201, response.body[:300]
    table = get_repository().table
    stored = table.get(keys.catalog_name("queues", "night shift", "nights"))
    assert stored is not None
    table.delete(keys.catalog_name("queues", "night shift", "nights"))
    # Then the probe does not find it (the catalogue is not read in its place)
    assert probe(scim, "Night Shift") == []
    # When the backfill runs to the end, its queues phase writes the item, once
    report = backfill.run()
    assert report.done and report.queuesNamed == 1 and report.queuesRead == 1
    assert table.get(keys.catalog_name("queues", "Night Shift", "nights")) == stored
    found = table.get(keys.catalog("queues", "nights"))
    assert found is not None and stored == name_item("queues", found)
    assert probe(scim, "night shift") == ["nights"]
    # And a finished migration writes nothing when run again
    again = backfill.run()
    assert again.done and again.queuesRead == 0

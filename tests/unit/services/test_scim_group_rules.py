"""SCIM Groups (queues) on the fakes: ids from names, membership through agent changes,
the PATCH sequences Entra ID and Okta send for group membership, and deletion."""

from __future__ import annotations

from typing import Any

import pytest
from agent_builders import create
from roster.authorization import Actor
from roster.errors import Forbidden, NotFound, ValidationFailed
from roster.models.catalog import fold_name
from roster.models.scim import GROUP_SCHEMA
from roster.services import agents, assignments, backfill, catalog
from roster.services.scim import groups, listing
from scim2_models import Group, Path
from scim2_models.policy import default_comparison_key
from support.fakes import Fakes

BASE = "https://roster.example/scim/v2"
TOKEN = Actor("provisioning:t1", frozenset({"agents:read", "agents:write",
                                             "agents:delete", "agents:credentials"}))
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH], "Operations": list(operations)}


def new_group(name: str, *members: str) -> dict[str, Any]:
    return groups.create_group(TOKEN, {"schemas": [GROUP_SCHEMA], "displayName": name,
                                       "members": [{"value": m} for m in members]}, BASE).body


def search(**query: str) -> dict[str, Any]:
    return groups.list_groups(listing.read_search(listing.GROUP_SEARCH, query), BASE)


def test_ids_come_from_names_and_are_made_unique(fakes: Fakes) -> None:
    assert groups.group_id_of("Sales \u2013 Oslo (Night)") == "sales---oslo--night-"
    first = new_group("Sales Oslo")
    second = new_group("sales oslo")
    assert (first["id"], second["id"]) == ("sales-oslo", "sales-oslo-2")
    assert first["displayName"] == "Sales Oslo"
    assert first["meta"]["location"] == f"{BASE}/Groups/sales-oslo"
    assert fakes.world.audit[-1].actorId == "provisioning:t1"


def test_members_are_the_agents_in_the_queue(fakes: Fakes, admin: Actor) -> None:
    jane, bob = create(admin, "jdoe"), create(admin, "bob")
    body = new_group("Sales", jane.id)
    assert [m["value"] for m in body["members"]] == [jane.id]
    assert agents.get_agent(jane.id).queues == ["sales"]
    # Okta adds a member, then Entra removes one with a value filter
    groups.patch_group(TOKEN, "sales", patch({"op": "add", "path": "members",
                                              "value": [{"value": bob.id}]}), BASE)
    assert agents.get_agent(bob.id).queues == ["sales"]
    answer = groups.patch_group(TOKEN, "sales", patch(
        {"op": "Remove", "path": f'members[value eq "{jane.id}"]'}), BASE)
    assert [m["value"] for m in answer.body["members"]] == [bob.id]
    assert agents.get_agent(jane.id).queues == []
    # Entra's removal carrying the member in value, without a filter
    groups.patch_group(TOKEN, "sales", patch(
        {"op": "Remove", "path": "members", "value": [{"value": bob.id}]}), BASE)
    assert agents.get_agent(bob.id).queues == []


def test_rename_and_replace(fakes: Fakes, admin: Actor) -> None:
    jane, bob = create(admin, "jdoe"), create(admin, "bob")
    new_group("Sales", jane.id)
    groups.patch_group(TOKEN, "sales", patch(
        {"op": "Replace", "path": "displayName", "value": "Sales EMEA"}), BASE)
    assert groups.get_group("sales", BASE).body["displayName"] == "Sales EMEA"
    groups.replace_group(TOKEN, "sales", {"schemas": [GROUP_SCHEMA], "displayName": "S",
                                          "members": [{"value": bob.id}]}, BASE)
    assert (agents.get_agent(jane.id).queues, agents.get_agent(bob.id).queues) == ([], ["sales"])


def test_filters_paging_and_members_left_out(fakes: Fakes, admin: Actor) -> None:
    jane = create(admin, "jdoe")
    for name in ("Alpha", "Beta", "Gamma"):
        new_group(name, jane.id)
    found = search(filter='displayName eq "beta"')
    assert [g["id"] for g in found["Resources"]] == ["beta"]
    page = search(startIndex="2", count="1", excludedAttributes="members")
    assert [g["id"] for g in page["Resources"]] == ["beta"] and "members" not in \
        page["Resources"][0]
    assert search()["totalResults"] == 3


def test_display_name_eq_reads_the_name_index_not_the_catalogue(
        fakes: Fakes, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given queues, two of them named alike but for case, one renamed
    for name in ("Sales", "SALES", "Support"):
        new_group(name)
    groups.patch_group(TOKEN, "support", patch(
        {"op": "replace", "path": "displayName", "value": "Help Desk"}), BASE)
    # When Entra probes a name, the catalogue is not listed: the name index answers
    def unlisted(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the catalogue was listed")

    monkeypatch.setattr(catalog, "list_items", unlisted)
    found = search(filter='displayName eq "sales"', excludedAttributes="members")
    assert [g["id"] for g in found["Resources"]] == ["sales", "sales-2"]
    assert found["totalResults"] == 2
    # Then the rest of an ``and`` still applies, and a renamed queue moved with its name
    assert [g["id"] for g in search(filter='displayName eq "Sales" and id eq "sales-2"')[
        "Resources"]] == ["sales-2"]
    assert search(filter='displayName eq "support"')["totalResults"] == 0
    assert [g["id"] for g in search(filter='displayName eq "help desk"')["Resources"]] == \
        ["support"]
    assert search(filter=f'displayName eq "{"x" * 300}"')["totalResults"] == 0


def test_a_queue_older_than_the_name_index_is_found_once_backfilled(
        fakes: Fakes, admin: Actor) -> None:
    # Given a queue written before the name index (no name item yet)
    new_group("Night Shift")
    fakes.world.unnamed.add(("queues", "night-shift"))
    # Then the probe does not find it (the catalogue is not read in its place)...
    assert search(filter='displayName eq "Night Shift"')["totalResults"] == 0
    # ...until the backfill's queues phase has named it
    assert backfill.run().done
    assert [g["id"] for g in search(filter='displayName eq "Night Shift"')["Resources"]] == \
        ["night-shift"]


@pytest.mark.parametrize("name", ["Sales", "STRASSE Straße", "İstanbul", "Cafe\u0301",
                                  "\u2126hm"])
def test_names_fold_as_scim2_models_compares_display_names(name: str) -> None:
    binding = Path[Group]("displayName").resolve()
    assert fold_name(name) == default_comparison_key(binding, name)


def test_delete_removes_memberships_first(fakes: Fakes, admin: Actor) -> None:
    jane = create(admin, "jdoe")
    new_group("Sales", jane.id)
    assignments.assign(admin, jane.id, "chat", "c1")
    # a deprovisioned member (hidden from SCIM) still leaves the queue
    assignments.deprovision_or_delete(TOKEN, jane.id)
    assert search()["Resources"][0].get("members") is None
    groups.delete_group(TOKEN, "sales")
    assert agents.get_agent(jane.id).queues == []
    with pytest.raises(NotFound):
        groups.get_group("sales", BASE)


def test_membership_follows_the_dominance_rule(fakes: Fakes, admin: Actor) -> None:
    boss = create(admin, "boss", roles=["admin"])
    new_group("Sales")
    with pytest.raises(Forbidden):
        groups.patch_group(TOKEN, "sales", patch({"op": "add", "path": "members",
                                                  "value": [{"value": boss.id}]}), BASE)
    with pytest.raises(ValidationFailed) as unknown:
        groups.patch_group(TOKEN, "sales", patch({"op": "add", "path": "members",
                                                  "value": [{"value": "nobody"}]}), BASE)
    assert unknown.value.extra["scimType"] == "invalidValue"


def test_entra_group_sequence(fakes: Fakes, admin: Actor) -> None:
    """Entra ID: the displayName probe (members excluded), create, add members with a
    null ``$ref``, rename, then remove members carrying them in ``value``."""
    jane, bob = create(admin, "jdoe"), create(admin, "bob")
    probe = search(filter='displayName eq "Night Shift"', excludedAttributes="members")
    assert probe["totalResults"] == 0
    created = new_group("Night Shift")
    read = groups.get_group(created["id"], BASE, excluded=["members"]).body
    assert "members" not in read and read["displayName"] == "Night Shift"
    groups.patch_group(TOKEN, "night-shift", patch({"op": "Add", "path": "members", "value": [
        {"$ref": None, "value": jane.id}, {"$ref": None, "value": bob.id}]}), BASE)
    groups.patch_group(TOKEN, "night-shift", patch(
        {"op": "Replace", "path": "displayName", "value": "Nights"}), BASE)
    groups.patch_group(TOKEN, "night-shift", patch({"op": "Remove", "path": "members",
                                                    "value": [{"value": jane.id}]}), BASE)
    assert (agents.get_agent(jane.id).queues, agents.get_agent(bob.id).queues) == \
        ([], ["night-shift"])
    assert groups.get_group("night-shift", BASE).body["displayName"] == "Nights"


def test_okta_connection_test_and_push_groups(fakes: Fakes, admin: Actor) -> None:
    """Okta: the connection test (``/Users?startIndex=1&count=2``, ``/Groups?startIndex=1
    &count=100``), then Push Groups: create with members (``display`` carried), add with
    PATCH, remove with a value filter, replace the name with PATCH."""
    jane, bob = create(admin, "jdoe"), create(admin, "bob")
    assert search(startIndex="1", count="100")["Resources"] == []
    users_page = listing.list_users(listing.read_search(
        listing.USER_SEARCH, {"startIndex": "1", "count": "2"}), BASE)
    assert users_page["itemsPerPage"] == 2 and users_page["startIndex"] == 1
    created = groups.create_group(TOKEN, {"schemas": [GROUP_SCHEMA], "displayName": "Sales",
                                          "members": [{"value": jane.id,
                                                       "display": "jdoe@example.com"}]},
                                  BASE).body
    groups.patch_group(TOKEN, created["id"], patch({"op": "add", "path": "members", "value": [
        {"value": bob.id, "display": "bob@example.com"}]}), BASE)
    groups.patch_group(TOKEN, created["id"], patch(
        {"op": "remove", "path": f'members[value eq "{jane.id}"]'}), BASE)
    groups.patch_group(TOKEN, created["id"], patch(
        {"op": "replace", "value": {"id": created["id"], "displayName": "Sales Team"}}), BASE)
    body = groups.get_group(created["id"], BASE).body
    assert body["displayName"] == "Sales Team"
    assert [m["value"] for m in body["members"]] == [bob.id]


def test_values_roster_refuses_are_scim_400s_not_500s(fakes: Fakes, admin: Actor) -> None:
    # A queue name longer than any queue's, or blank
    for name in ("x" * 101, "   "):
        with pytest.raises(ValidationFailed) as refused:
            new_group(name)
        assert refused.value.extra.get("scimType") == "invalidValue"
    # A member already in as many queues as an agent may have
    full = create(admin, "full")
    for n in range(15):
        new_group(f"Queue {n}", full.id)
    new_group("One more")
    with pytest.raises(ValidationFailed) as refused:
        groups.patch_group(TOKEN, "one-more", patch(
            {"op": "add", "path": "members", "value": [{"value": full.id}]}), BASE)
    assert refused.value.extra.get("scimType") == "invalidValue"
    assert len(agents.get_agent(full.id).queues) == 15


def test_too_many_membership_changes_in_one_request_are_refused_before_any(
        fakes: Fakes, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(groups, "MAX_MEMBER_CHANGES", 2)
    people = [create(admin, f"person{n}").id for n in range(3)]
    with pytest.raises(ValidationFailed) as refused:
        new_group("Big", *people)
    assert refused.value.extra.get("scimType") == "tooMany"
    assert all(agents.get_agent(person).queues == [] for person in people)
    assert search(filter='displayName eq "Big"')["totalResults"] == 0  # no queue made
    new_group("Big", *people[:2])
    with pytest.raises(ValidationFailed):  # two out, one in: three changes
        groups.replace_group(TOKEN, "big", {"schemas": [GROUP_SCHEMA], "displayName": "Big",
                                            "members": [{"value": people[2]}]}, BASE)
    assert agents.get_agent(people[2]).queues == []

"""SCIM Users on the fakes: the User <-> agent mapping, the request sequences Microsoft
Entra ID and Okta send (from their public provisioning docs), and the seed rules that
still hold for a provisioning token (dominance, verification, sessions, audit)."""

from __future__ import annotations

from typing import Any

import pytest
from agent_builders import create
from roster.authorization import Actor
from roster.errors import (
    Forbidden,
    NotFound,
    OwnerProtected,
    RosterError,
    ValidationFailed,
    VersionConflict,
)
from roster.models.scim import ROSTER_USER_SCHEMA, USER_SCHEMA
from roster.services import agents, assignments
from roster.services.scim import deactivations, listing, users
from support.fakes import Fakes

BASE = "https://roster.example/scim/v2"
TOKEN = Actor("provisioning:t1", frozenset({"agents:read", "agents:write",
                                             "agents:delete", "agents:credentials"}))
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def entra_user(account: str = "jdoe", **extra: Any) -> dict[str, Any]:
    """``POST /Users`` as Entra ID sends it (its documented request, userName mapped
    from mailNickname)."""
    return {
        "schemas": [USER_SCHEMA, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": f"{account}-object-id", "userName": account, "active": True,
        "displayName": "Jane Doe",
        "emails": [{"primary": True, "type": "work", "value": f"{account}@example.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Jane Doe", "familyName": "Doe", "givenName": "Jane"},
        "roles": [],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Sales"},
        **extra,
    }


def okta_user(account: str = "jdoe", **extra: Any) -> dict[str, Any]:
    """``POST /Users`` as Okta sends it (login before the '@' mapped to userName)."""
    return {
        "schemas": [USER_SCHEMA], "userName": account,
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "emails": [{"primary": True, "value": f"{account}@example.com", "type": "work"}],
        "displayName": "Jane Doe", "locale": "en-US", "externalId": f"00u{account}",
        "groups": [], "password": "Correct-Horse-42-battery", "active": True, **extra,
    }


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH], "Operations": list(operations)}


def search(**query: str) -> dict[str, Any]:
    return listing.list_users(listing.read_search(listing.USER_SEARCH, query), BASE)


def scim_type(error: pytest.ExceptionInfo[RosterError]) -> str | None:
    """The ``scimType`` the SCIM application answers the error with."""
    scim: str | None = error.value.extra.get("scimType")
    return scim


def created_id(payload: dict[str, Any]) -> str:
    return str(users.create_user(TOKEN, payload, BASE).body["id"])


# ---------------------------------------------------------------------- Entra ID
def test_entra_probes_then_creates_a_user_without_a_password(fakes: Fakes) -> None:
    probe = search(filter='userName eq "jdoe"')
    assert (probe["totalResults"], probe.get("Resources", [])) == (0, [])
    answer = users.create_user(TOKEN, entra_user(), BASE)
    body = answer.body
    assert body["userName"] == "jdoe" and body["externalId"] == "jdoe-object-id"
    assert body["meta"]["version"] == 'W/"1"' == answer.etag
    assert body["meta"]["location"] == f"{BASE}/Users/{body['id']}"
    assert body[ROSTER_USER_SCHEMA]["passwordStatus"] == "none"
    assert [role["value"] for role in body["roles"]] == ["agent"]  # none sent: agent
    assert "password" not in body
    record = agents.get_agent(body["id"])
    assert (record.firstName, record.lastName, record.alias) == ("Jane", "Doe", "Jane Doe")
    assert fakes.world.audit[-1].actorId == "provisioning:t1"
    assert fakes.world.templates() == [("jdoe@example.com", "welcome.invite")]
    again = search(filter='userName eq "JDOE"')
    assert again["totalResults"] == 1 and again["Resources"][0]["id"] == body["id"]


def test_entra_filters_by_external_id_and_work_email(fakes: Fakes) -> None:
    jane = created_id(entra_user())
    created_id(entra_user("bob"))
    for text in ('externalId eq "jdoe-object-id"', 'emails[type eq "work"].value eq '
                 '"JDOE@example.com"', 'emails.value eq "jdoe@example.com"',
                 'userName eq "jdoe" and externalId eq "jdoe-object-id"'):
        found = search(filter=text)
        assert [user["id"] for user in found["Resources"]] == [jane], text
    assert search(filter='externalId eq "JDOE-OBJECT-ID"')["totalResults"] == 0  # caseExact
    assert [u["userName"] for u in search(filter=f'id eq "{jane}"')["Resources"]] == ["jdoe"]
    # Values too long for an index key match nobody, without reaching the table
    for attribute in ("userName", "externalId"):  # (a long emails.value is no address: 400)
        assert search(filter=f'{attribute} eq "{"ø" * 300}"')["totalResults"] == 0
    assert search(filter=f'userName sw "{"ø" * 300}"')["totalResults"] == 0


def test_entra_patch_with_capitalised_ops_string_booleans_and_filtered_paths(
        fakes: Fakes) -> None:
    jane = created_id(entra_user())
    before = agents.get_agent(jane)
    answer = users.patch_user(TOKEN, jane, patch(
        {"op": "Replace", "path": "displayName", "value": "JD"},
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "new@example.com"},
        {"op": "Add", "path": "title", "value": "Lead"},
        {"op": "Replace", "path": "active", "value": "False"},
    ), None, BASE)
    after = agents.get_agent(jane)
    assert (after.alias, after.title, after.active) == ("JD", "Lead", False)
    assert after.sessionEpoch == before.sessionEpoch + 1  # sessions end at once
    # The email changes through verification: still the old one, the new one pending
    assert after.email == "jdoe@example.com" and after.pendingEmail is not None
    assert after.pendingEmail.email == "new@example.com"
    assert answer.body["active"] is False and answer.body["displayName"] == "JD"
    assert answer.body["emails"][0]["value"] == "jdoe@example.com"
    mails = len(fakes.world.outbox)
    # Asking again for the address already pending is a no-op: no mail, no new version
    again = users.patch_user(TOKEN, jane, patch(
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "NEW@example.com"},
    ), None, BASE)
    assert len(fakes.world.outbox) == mails
    assert again.etag == f'W/"{agents.get_agent(jane).version}"' == answer.etag


def test_entra_patch_without_path_and_with_true_string(fakes: Fakes) -> None:
    jane = created_id(entra_user(active=False))
    users.patch_user(TOKEN, jane, patch({"op": "Replace", "value": {
        "active": "True", "name.givenName": "Janet"}}), None, BASE)
    record = agents.get_agent(jane)
    assert (record.active, record.firstName) == (True, "Janet")


def test_entra_unassignment_deactivates_then_deletes_later(fakes: Fakes) -> None:
    jane = created_id(entra_user())
    users.patch_user(TOKEN, jane, patch({"op": "Replace", "path": "active", "value": False}),
                     None, BASE)
    assert agents.get_agent(jane).active is False
    users.delete_user(TOKEN, jane)
    with pytest.raises(NotFound):
        users.get_user(jane, BASE)
    assert fakes.world.audit[-1].action == "agent.deleted"


# ---------------------------------------------------------------------- Okta
def test_okta_creates_with_a_password_then_puts_updates_keeping_roles(fakes: Fakes,
                                                                      admin: Actor) -> None:
    body = users.create_user(TOKEN, okta_user(), BASE).body
    assert body[ROSTER_USER_SCHEMA]["passwordStatus"] == "set"
    assert fakes.world.passwords[body["id"]].temporary is False
    jane = body["id"]
    agents.update_agent(admin, jane, agents.UpdateAgentRequest(roles=["agent", "agent_test"]),
                        None)
    put = {**okta_user(), "id": jane, "title": "Supervisor"}
    put.pop("password")
    replaced = users.replace_user(TOKEN, jane, put, None, BASE).body
    record = agents.get_agent(jane)
    assert record.title == "Supervisor" and record.roles == ["agent", "agent_test"]
    assert replaced["title"] == "Supervisor"


def test_okta_deactivates_and_reactivates_with_patch(fakes: Fakes) -> None:
    jane = created_id(okta_user())
    users.patch_user(TOKEN, jane, patch({"op": "replace", "value": {"active": False}}),
                     None, BASE)
    assert agents.get_agent(jane).active is False
    users.patch_user(TOKEN, jane, patch({"op": "replace", "value": {"active": True}}),
                     None, BASE)
    assert agents.get_agent(jane).active is True


def test_a_put_cannot_rename_the_account(fakes: Fakes) -> None:
    jane = created_id(okta_user())
    with pytest.raises(ValidationFailed) as refused:
        users.replace_user(TOKEN, jane, {**okta_user("jane.doe"), "password": None}, None, BASE)
    assert scim_type(refused) == "mutability"


# ---------------------------------------------------------------------- passwords
def test_password_is_taken_only_for_an_agent_without_one(fakes: Fakes) -> None:
    jane = created_id(entra_user())
    users.patch_user(TOKEN, jane, patch({"op": "replace", "path": "password",
                                         "value": "Correct-Horse-42-battery"}), None, BASE)
    assert agents.get_agent(jane).passwordStatus == "set"
    with pytest.raises(ValidationFailed) as refused:
        users.patch_user(TOKEN, jane, patch({"op": "replace", "path": "password",
                                             "value": "Another-Horse-43-battery"}), None, BASE)
    assert scim_type(refused) == "mutability"


# ---------------------------------------------------------------------- dominance
def test_a_token_never_touches_an_admin_nor_grants_admin(fakes: Fakes, admin: Actor) -> None:
    boss = create(admin, "boss", roles=["admin"])
    with pytest.raises(Forbidden):
        users.patch_user(TOKEN, boss.id, patch({"op": "replace", "path": "title",
                                                "value": "x"}), None, BASE)
    with pytest.raises(Forbidden):
        users.delete_user(TOKEN, boss.id)
    with pytest.raises(Forbidden):
        users.create_user(TOKEN, entra_user("eve", roles=[{"value": "admin"}]), BASE)
    jane = created_id(entra_user())
    with pytest.raises(Forbidden):
        users.patch_user(TOKEN, jane, patch({"op": "add", "path": "roles",
                                             "value": [{"value": "admin"}]}), None, BASE)
    assert agents.get_agent(jane).roles == ["agent"]


def test_the_owner_cannot_be_deleted_through_scim(fakes: Fakes, admin: Actor) -> None:
    owner = create(admin, "owner", roles=["admin"])
    fakes.world.update_agent(owner.id, isOwner=True)
    full = Actor("provisioning:t2", admin.permissions)
    with pytest.raises(OwnerProtected):
        users.delete_user(full, owner.id)


# ---------------------------------------------------------------------- ETags
def test_if_match_takes_weak_and_strong_tags_and_refuses_stale_ones(fakes: Fakes) -> None:
    jane = created_id(entra_user())
    title = {"op": "replace", "path": "title", "value": "A"}
    users.patch_user(TOKEN, jane, patch(title), 'W/"1"', BASE)
    users.patch_user(TOKEN, jane, patch({**title, "value": "B"}), '"2"', BASE)
    with pytest.raises(VersionConflict):
        users.patch_user(TOKEN, jane, patch({**title, "value": "C"}), 'W/"1"', BASE)
    with pytest.raises(VersionConflict):
        users.patch_user(TOKEN, jane, patch(title), "soon", BASE)
    assert agents.get_agent(jane).title == "B"


# ---------------------------------------------------------------------- errors
def test_payload_errors_are_scim_errors(fakes: Fakes) -> None:
    jane = created_id(entra_user())
    cases: list[tuple[Any, str, str]] = [
        (lambda: users.create_user(TOKEN, entra_user("jdoe@contoso.com", emails=[
            {"type": "work", "value": "jdoe@contoso.com"}]), BASE), "invalidValue",
         "mailNickname"),
        (lambda: users.create_user(TOKEN, {**entra_user("amy"), "emails": []}, BASE),
         "invalidValue", "emails"),
        (lambda: users.create_user(TOKEN, [], BASE), "invalidValue", "JSON object"),
        (lambda: users.create_user(TOKEN, {**entra_user("amy"), "active": "maybe"}, BASE),
         "invalidValue", "active"),
        (lambda: search(filter="userName eq"), "invalidFilter", "syntax"),
        (lambda: search(filter='nickName eq "x"'), "invalidFilter", "nickName"),
        (lambda: search(count="many"), "invalidValue", "count"),
        (lambda: users.create_user(TOKEN, entra_user("amy", externalId="x" * 255), BASE),
         "invalidValue", "externalId"),
        (lambda: users.patch_user(TOKEN, jane, patch({"op": "remove"}), None, BASE),
         "noTarget", ""),
        (lambda: users.patch_user(TOKEN, jane, patch({"op": "jump", "path": "title"}), None,
                                  BASE), "invalidValue", "jump"),
    ]
    for call, expected, words in cases:
        with pytest.raises(ValidationFailed) as refused:
            call()
        assert scim_type(refused) == expected, refused.value.detail
        assert words in refused.value.detail


# ---------------------------------------------------------------------- listings
def test_paging_and_attribute_selection(fakes: Fakes) -> None:
    for account in ("amy", "bob", "cat", "dan"):
        created_id(entra_user(account))
    page = search(startIndex="2", count="2", attributes="userName")
    assert [user["userName"] for user in page["Resources"]] == ["bob", "cat"]
    assert set(page["Resources"][0]) == {"schemas", "id", "userName"}
    assert (page["startIndex"], page["itemsPerPage"]) == (2, 2)
    assert page["totalResults"] > 3  # more to come: a lower bound past this page
    last = search(startIndex="3", count="10", excludedAttributes="emails")
    assert last["totalResults"] == 4 and "emails" not in last["Resources"][0]
    assert [user["userName"] for user in search(filter='userName sw "b"')["Resources"]] \
        == ["bob"]


def test_a_filter_without_an_index_examines_at_most_a_thousand(fakes: Fakes,
                                                                monkeypatch: pytest.MonkeyPatch,
                                                                ) -> None:
    monkeypatch.setattr(listing, "MAX_EXAMINED", 3)
    for account in ("amy", "bob", "cat", "dan"):
        created_id(entra_user(account))
    # A page filled before the limit is answered (the first agent matches)
    assert len(search(filter='displayName co "jane"', count="1")["Resources"]) == 1
    with pytest.raises(ValidationFailed) as refused:
        search(filter='displayName co "nobody"')
    assert scim_type(refused) == "tooMany"
    # Unfiltered paging has its own, larger bound
    monkeypatch.setattr(listing, "MAX_PAGED", 3)
    assert len(search(startIndex="3", count="1")["Resources"]) == 1
    with pytest.raises(ValidationFailed) as deep:
        search(startIndex="4", count="1")
    assert scim_type(deep) == "tooMany"


def test_deprovisioned_users_are_hidden(fakes: Fakes, admin: Actor) -> None:
    jane = created_id(entra_user())
    assignments.assign(admin, jane, "chat", "c1")
    users.delete_user(TOKEN, jane)
    assert agents.get_agent(jane).deprovisionedAt is not None
    with pytest.raises(NotFound):
        users.get_user(jane, BASE)
    assert search(filter='userName eq "jdoe"')["totalResults"] == 0
    assert search()["totalResults"] == 0
    with pytest.raises(NotFound):
        users.patch_user(TOKEN, jane, patch({"op": "replace", "path": "active",
                                             "value": True}), None, BASE)


# ---------------------------------------------------------------------- alarm
def test_the_fifty_first_deactivation_in_a_window_raises_the_alarm(fakes: Fakes) -> None:
    counts = [deactivations.count_deactivation("provisioning:t1") for _ in range(51)]
    assert counts[-1] == 51 and counts == list(range(1, 52))
    assert deactivations.count_deactivation("provisioning:t2") == 1  # per token


def test_a_burst_across_two_clock_windows_is_counted_over_ten_minutes(
        fakes: Fakes, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime, timedelta

    from roster import clock

    start = datetime(2026, 11, 29, 10, 9, 30, tzinfo=UTC)  # 30 s before 10:10
    moment = [start]
    monkeypatch.setattr(clock, "now", lambda: moment[0])
    for _ in range(30):
        deactivations.count_deactivation("provisioning:t1")
    moment[0] = start + timedelta(seconds=60)  # 10:10:30, another clock window
    counts = [deactivations.count_deactivation("provisioning:t1") for _ in range(30)]
    assert counts[20] == 51  # 30 + 21: past the limit within 10 minutes
    moment[0] = start + timedelta(minutes=10)  # 10:19:30: the first 30 are 10 minutes old
    assert deactivations.count_deactivation("provisioning:t1") == 31


def test_deletes_count_toward_the_alarm_too(fakes: Fakes, admin: Actor) -> None:
    jane = created_id(entra_user())
    users.delete_user(TOKEN, jane)
    assert deactivations.count_deactivation(TOKEN.id) == 2


def test_removing_roster_attributes_clears_them(fakes: Fakes, admin: Actor) -> None:
    from support.fakes.world import now_iso

    fakes.world.catalog[("queues", "sales")] = ({"id": "sales", "name": "Sales",
                                                 "createdAt": now_iso(),
                                                 "updatedAt": now_iso()}, 1)
    extension = {"numericId": 7, "businessUnit": "EMEA", "queues": ["sales"]}
    jane = created_id(entra_user(**{ROSTER_USER_SCHEMA: extension}))
    assert agents.get_agent(jane).queues == ["sales"]
    users.patch_user(TOKEN, jane, patch(*[
        {"op": "remove", "path": f"{ROSTER_USER_SCHEMA}:{name}"} for name in extension]),
        None, BASE)
    record = agents.get_agent(jane)
    assert (record.numericId, record.businessUnit, record.queues) == (None, None, [])


def test_a_password_the_agent_set_meanwhile_is_never_replaced(
        fakes: Fakes, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an invited agent (no password) that sets its own the moment SCIM checks
    from roster.errors import PasswordExists
    from roster.services.scim import users as scim_users
    from roster.services.sign_in import credentials as credential_rules

    jane = created_id(entra_user())
    checked = scim_users._check_first_password

    def check_then_agent_sets_its_own(record: Any, password: str) -> None:
        checked(record, password)
        fakes.world.update_agent(jane, passwordStatus="set")  # from the welcome mail

    monkeypatch.setattr(scim_users, "_check_first_password", check_then_agent_sets_its_own)
    writes: list[str] = []
    monkeypatch.setattr(credential_rules, "new_credential",
                        lambda *a, **k: writes.append("hashed") or pytest.fail("hashed"))
    # When the identity provider sends a first password
    with pytest.raises(PasswordExists):
        users.patch_user(TOKEN, jane, patch({"op": "replace", "path": "password",
                                             "value": "Idp-Chosen-Passw0rd-9"}), None, BASE)
    # Then the agent's own password stands
    assert jane not in fakes.world.passwords and writes == []

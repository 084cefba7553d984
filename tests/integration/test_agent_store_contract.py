"""One contract, two implementations: the agent store's DynamoDB adapter (on moto) and
its in-memory fake answer every operation alike, refusals included, so service tests
on the fake say what the adapter would do."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from roster.errors import (
    AccountTaken,
    ConcurrentChange,
    EmailTaken,
    ExternalIdTaken,
    HasAssignments,
    InvalidReassignTarget,
    NotFound,
    NumericIdTaken,
    UnknownReference,
    VersionConflict,
)
from roster.models.agent import AgentRecord
from roster.models.audit import AuditEvent
from roster.ports.agents import AgentFilter, AgentStore
from roster.ports.catalog import CatalogStore
from support.fakes import Fakes
from support.fakes.agents import MemoryAgentStore
from support.fakes.catalog import MemoryCatalogStore

STAMP = "2026-01-01T00:00:00Z"


@dataclass
class Stores:
    agents: AgentStore
    catalog: CatalogStore

    def add_catalog(self, kind: str, item_id: str, **fields: Any) -> None:
        self.catalog.create_catalog_item(
            kind, {"id": item_id, "name": item_id, **fields}, references=None,
            audit=AuditEvent(actorId=None, action="catalog.created", targetId=None))

    def add(self, account: str, **fields: Any) -> AgentRecord:
        record = agent(account, **fields)
        self.agents.create_agent(record, password=None)
        return record


def agent(name: str, **fields: Any) -> AgentRecord:
    return AgentRecord.model_validate({
        "id": str(uuid.uuid4()), "account": name, "email": f"{name}@example.com",
        "firstName": name.title(), "alias": name.title(), "createdAt": STAMP,
        "updatedAt": STAMP, **fields})


@pytest.fixture(params=["memory", "dynamodb"])
def stores(request: pytest.FixtureRequest) -> Iterator[Stores]:
    if request.param == "memory":
        world = Fakes().world
        yield Stores(MemoryAgentStore(world), MemoryCatalogStore(world))
        return
    request.getfixturevalue("runtime")
    from roster.repository import get_repository

    yield Stores(get_repository(), get_repository())


def _audit(action: str = "test") -> list[AuditEvent]:
    return [AuditEvent(actorId=None, action=action, targetId=None)]


def test_external_ids_are_claimed_once_moved_and_freed(stores: Stores) -> None:
    # Given an agent an identity provider knows as "oid-1" (case-exact)
    jdoe = stores.add("jdoe", externalId="oid-1")
    found, _ = stores.agents.agent_page(AgentFilter(external_id="oid-1"), limit=5, after=None)
    assert [record.id for record in found] == [jdoe.id]
    assert stores.agents.agent_page(AgentFilter(external_id="OID-1"), limit=5,
                                    after=None)[0] == []
    # When another agent claims it, the create is refused
    with pytest.raises(ExternalIdTaken):
        stores.add("bob", externalId="oid-1")
    # When the agent's external id changes, the old one is free and the new one found
    moved = stores.agents.update_agent(jdoe, {"externalId": "oid-2"}, expected_version=1)
    stores.add("amy", externalId="oid-1")
    found, _ = stores.agents.agent_page(AgentFilter(external_id="oid-2"), limit=5, after=None)
    assert [record.id for record in found] == [jdoe.id]
    with pytest.raises(ExternalIdTaken):
        stores.agents.update_agent(moved, {"externalId": "oid-1"}, expected_version=2)
    # When the agent is deleted, its external id is free again
    stores.agents.delete_agent(moved, _audit())
    stores.add("eve", externalId="oid-2")


def test_logins_and_numeric_ids_are_claimed_once(stores: Stores) -> None:
    # Given an agent
    jdoe = stores.add("jdoe", numericId=7)
    assert stores.agents.get_agent(jdoe.id) == jdoe
    assert stores.agents.find_agent_id("JDOE") == jdoe.id
    assert stores.agents.find_agent_id("JDoe@Example.com") == jdoe.id
    # When others claim its account, email or numeric id, each is refused, nothing written
    for fields, refusal in (({"account": "Jdoe"}, AccountTaken),
                            ({"email": "JDOE@example.com"}, EmailTaken),
                            ({"numericId": 7}, NumericIdTaken)):
        other = agent("other", **fields)
        with pytest.raises(refusal):
            stores.agents.create_agent(other, password=None)
        assert stores.agents.get_agent(other.id) is None
        assert stores.agents.find_agent_id("other@example.com") is None
    assert stores.agents.numeric_ids() == [7]


def test_references_must_exist_but_built_in_roles_always_do(stores: Stores) -> None:
    stores.add_catalog("queues", "sales")
    with pytest.raises(UnknownReference) as refused:
        stores.add("jdoe", queues=["sales", "nowhere"], roles=["agent"])
    assert refused.value.errors == [{"field": "queues", "message": "'nowhere' does not exist"}]
    assert stores.agents.find_agent_id("jdoe") is None
    created = stores.add("jdoe", queues=["sales"], roles=["agent"])
    assert stores.agents.catalog_items([("queues", "sales"), ("queues", "nowhere")]) == {
        ("queues", "sales"): stores.agents.get_catalog_item("queues", "sales")}
    assert stores.catalog.catalog_item_in_use("queues", "sales")
    assert stores.agents.get_agent(created.id) == created


def test_an_update_is_conditional_on_the_version(stores: Stores) -> None:
    # Given an agent at version 1
    jdoe = stores.add("jdoe", numericId=1)
    stores.add("taken", numericId=2)
    # When it is changed at version 1: the new record, one version on
    new = stores.agents.update_agent(jdoe, {"title": "Lead", "numericId": 3},
                                     expected_version=1, revoke_sessions=True)
    assert (new.title, new.version, new.sessionEpoch) == ("Lead", 2, 1)
    assert stores.agents.get_agent(jdoe.id) == new
    assert stores.agents.numeric_ids() == [2, 3]
    # Then a change at the old version is the conflict given (412 by default)
    with pytest.raises(VersionConflict):
        stores.agents.update_agent(jdoe, {"title": "x"}, expected_version=1)
    with pytest.raises(ConcurrentChange):
        stores.agents.update_agent(jdoe, {"title": "x"}, expected_version=1,
                                   conflict=ConcurrentChange())
    # And a taken numeric id or a missing reference changes nothing
    with pytest.raises(NumericIdTaken):
        stores.agents.update_agent(new, {"numericId": 2}, expected_version=2)
    with pytest.raises(UnknownReference):
        stores.agents.update_agent(new, {"queues": ["nowhere"]}, expected_version=2)
    assert stores.agents.get_agent(jdoe.id) == new


def test_listings_filter_and_continue_after_an_account(stores: Stores) -> None:
    stores.add_catalog("queues", "sales")
    for account in ("carol", "alice", "bob", "dave"):
        stores.add(account, queues=[] if account == "dave" else ["sales"],
                   active=account != "carol", alias=f"{account} {account}")
    every = AgentFilter()
    page, after = stores.agents.agent_page(every, limit=3, after=None)
    assert [r.account for r in page] == ["alice", "bob", "carol"] and after == "carol"
    page, after = stores.agents.agent_page(every, limit=3, after=after)
    assert [r.account for r in page] == ["dave"] and after is None
    for wanted, accounts in ((AgentFilter(queue="sales"), ["alice", "bob", "carol"]),
                             (AgentFilter(queue="sales", active=True), ["alice", "bob"]),
                             (AgentFilter(active=False), ["carol"]),
                             (AgentFilter(q="da"), ["dave"]),
                             (AgentFilter(q="bob@example"), ["bob"]),
                             (AgentFilter(role="agent", active=True),
                              ["alice", "bob", "dave"])):
        page, after = stores.agents.agent_page(wanted, limit=10, after=None)
        assert ([r.account for r in page], after) == (accounts, None), wanted


def _follow(stores: Stores, wanted: AgentFilter, *, limit: int) -> tuple[list[str], int]:
    """The accounts of every page of ``wanted``, following the positions, and how many
    pages that took."""
    found: list[str] = []
    pages = 0
    after: str | None = None
    while True:
        page, after = stores.agents.agent_page(wanted, limit=limit, after=after)
        pages += 1
        found += [record.account for record in page]
        if after is None:
            return found, pages


CROWD_FILTERS = [
    (AgentFilter(active=False), ["Bob", "erik"]),
    (AgentFilter(active=True), ["admin", "anna", "annabelle", "carl", "dina"]),
    (AgentFilter(role="manager"), ["carl", "erik"]),
    (AgentFilter(role="manager", active=True), ["carl"]),
    (AgentFilter(queue="sales"), ["anna", "Bob"]),
    (AgentFilter(queue="support", active=False), ["Bob"]),
    (AgentFilter(group_id="oslo"), ["anna", "dina"]),
    (AgentFilter(group_id="oslo", queue="support"), ["dina"]),
    (AgentFilter(q="ann"), ["anna", "annabelle"]),
    (AgentFilter(q="annab"), ["annabelle"]),
    (AgentFilter(q="zorro@"), ["carl"]),  # email prefix
    (AgentFilter(q="zed al"), ["anna"]),  # alias prefix, longer than the indexed prefix
    (AgentFilter(q="z"), ["anna", "carl"]),
    (AgentFilter(q="b", active=False), ["Bob"]),
    (AgentFilter(q="an", queue="sales"), ["anna"]),
    (AgentFilter(q="nobody"), []),
    (AgentFilter(skill="billing"), ["anna", "dina"]),
    (AgentFilter(skill="billing", queue="support"), ["dina"]),
    (AgentFilter(language="nb"), ["Bob", "dina"]),
    (AgentFilter(language="nb", active=True), ["dina"]),
    (AgentFilter(business_unit="north"), ["anna", "erik"]),
    (AgentFilter(business_unit="North"), []),  # exact
    (AgentFilter(queue_status="logged_on"), ["dina"]),
    (AgentFilter(queue_status="logged_off", language="nb"), ["Bob"]),
    (AgentFilter(password_status="set"), ["carl"]),
    (AgentFilter(password_status="none", active=False), ["Bob", "erik"]),
    (AgentFilter(locked=True), ["Bob", "dina"]),
    (AgentFilter(locked=False, active=False), ["erik"]),
    (AgentFilter(two_factor_enabled=True), ["anna", "dina"]),
    (AgentFilter(two_factor_enabled=False, locked=True), ["Bob"]),
    (AgentFilter(account="BOB"), ["Bob"]),  # exact, any letter case
    (AgentFilter(account="bo"), []),
    (AgentFilter(account="Bob", active=True), []),
    (AgentFilter(email="zorro@example.COM"), ["carl"]),
    (AgentFilter(email="zorro@example"), []),
    (AgentFilter(account="carl", email="carl@example.com"), []),  # AND
    (AgentFilter(), ["admin", "anna", "annabelle", "Bob", "carl", "dina", "erik"]),
]


def test_every_filter_pages_one_agent_at_a_time(stores: Stores) -> None:
    # Given agents across queues, skills, groups, roles, activity and attributes
    for kind, item_id in (("queues", "sales"), ("queues", "support"), ("groups", "oslo"),
                          ("skills", "billing")):
        stores.add_catalog(kind, item_id)
    billing = [{"skillId": "billing", "level": 3}]
    stores.add("admin", roles=["admin"])
    stores.add("anna", queues=["sales"], groupId="oslo", alias="Zed Alpha", skills=billing,
               businessUnit="north", twoFactorEnabled=True)
    stores.add("Bob", queues=["sales", "support"], active=False, language="nb", locked=True)
    stores.add("carl", roles=["manager"], email="Zorro@Example.com", passwordStatus="set")
    stores.add("dina", queues=["support"], groupId="oslo", skills=billing, language="nb",
               queueStatus="logged_on", locked=True, twoFactorEnabled=True)
    stores.add("erik", active=False, roles=["agent", "manager"], businessUnit="north")
    stores.add("annabelle")
    # When each filter is read one agent per page (every source's paging exercised)
    for wanted, expected in CROWD_FILTERS:
        found, _ = _follow(stores, wanted, limit=1)
        # Then exactly the matching agents come back (all conditions ANDed), in account order
        assert found == expected, wanted


@pytest.mark.parametrize(("q", "accounts"), [
    ("doe", ["jdoe"]),  # a word of lastName and alias
    ("DOE", ["jdoe"]),
    ("ase", ["aase"]),  # Åse: accents folded
    ("åse", ["aase"]),
    ("oyst", ["aase"]),  # Øystein: ø -> o
    ("strasse", ["sbauer"]),  # Straße: ß -> ss
    ("lodz", ["sbauer"]),  # Łódź: ł -> l, accents
    ("dakovic", ["mdj"]),  # Đaković
    ("aerø", ["mdj"]),  # Ærø -> aero
    ("jane d", ["jdoe"]),  # several terms ANDed
    ("jane x", []),
    ("jdo", ["jdoe"]),  # the start of the account
    ("jane.doe@corp", ["jdoe"]),  # the start of the whole email
    ("corp", ["jdoe"]),  # a word of the email
    ("oe", []),  # only word starts
], ids=lambda value: str(value))
def test_q_matches_word_starts_folded(stores: Stores, q: str, accounts: list[str]) -> None:
    stores.add("jdoe", firstName="Jane", lastName="Doe", alias="Jane Doe",
               email="jane.doe@corp.example")
    stores.add("aase", firstName="Åse", lastName="Øystein", alias="Åse Ø.")
    stores.add("sbauer", firstName="Sepp", lastName="Bauer", alias="Sepp (Straße, Łódź)")
    stores.add("mdj", firstName="Mia", lastName="Đaković", alias="Mia of Ærø")
    assert _follow(stores, AgentFilter(q=q), limit=1)[0] == accounts


def test_q_orders_by_matched_word_then_account(stores: Stores) -> None:
    stores.add("zed", lastName="Berg", alias="Zed Berg")
    stores.add("amy", lastName="Bakke", alias="Amy Bakke")
    stores.add("bob", alias="Bob")
    page, after = stores.agents.agent_page(AgentFilter(q="b"), limit=10, after=None)
    # bakke (amy), berg (zed), bob (bob): by word first
    assert [record.account for record in page] == ["amy", "zed", "bob"] and after is None
    page, after = stores.agents.agent_page(AgentFilter(q="be"), limit=10, after=None)
    assert [record.account for record in page] == ["zed"]


def test_a_request_reads_a_bounded_number_of_items(stores: Stores,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a filter the driving partition mostly does not satisfy, and a small budget
    from roster.repository import agents as repository_agents

    monkeypatch.setattr(repository_agents, "READ_BUDGET", 3)
    for index in range(8):
        stores.add(f"user{index}", language="nb" if index in (1, 6) else "en")
    wanted = AgentFilter(q="user", language="nb")
    # When the pages are followed to the end
    found, pages = _follow(stores, wanted, limit=10)
    # Then every match comes back, over as many short pages as the budget needs (the
    # store reads at most the budget per request; the fake reads everything at once)
    assert found == ["user1", "user6"]
    assert pages == (1 if isinstance(stores.agents, MemoryAgentStore) else 3)


def test_attribute_filters_follow_updates(stores: Stores) -> None:
    # Given an agent listed under its language and queue status
    record = stores.add("jdoe", language="en")
    assert [r.account for r in stores.agents.agent_page(
        AgentFilter(language="en"), limit=5, after=None)[0]] == ["jdoe"]
    # When its language and queue status change
    stores.agents.update_agent(record, {"language": "nb", "queueStatus": "logged_on",
                                        "businessUnit": "south"},
                               expected_version=record.version, audit=_audit())
    # Then it is listed under the new values only
    for wanted, accounts in ((AgentFilter(language="en"), []),
                             (AgentFilter(language="nb"), ["jdoe"]),
                             (AgentFilter(queue_status="logged_off"), []),
                             (AgentFilter(queue_status="logged_on"), ["jdoe"]),
                             (AgentFilter(business_unit="south"), ["jdoe"])):
        page, _ = stores.agents.agent_page(wanted, limit=5, after=None)
        assert [r.account for r in page] == accounts, wanted


def test_assignments_are_idempotent_and_conditional(stores: Stores) -> None:
    jdoe = stores.add("jdoe")
    assert stores.agents.add_assignment(jdoe.id, "chat", "c1", _audit(), expected_version=1)
    assert not stores.agents.add_assignment(jdoe.id, "chat", "c1", _audit())
    assert stores.agents.add_assignment(jdoe.id, "ticket", "t1", _audit())
    assert stores.agents.add_assignment(jdoe.id, "chat", "c2", _audit())
    assert stores.agents.assignment_counts(jdoe.id) == {"chat": 2, "ticket": 1}
    page, after = stores.agents.assignment_page(jdoe.id, limit=2, after=None)
    assert [(a.kind, a.ref) for a in page] == [("chat", "c1"), ("chat", "c2")]
    assert after == "chat#c2"
    rest, _ = stores.agents.assignment_page(jdoe.id, limit=2, after=after)
    assert [(a.kind, a.ref) for a in rest] == [("ticket", "t1")]
    assert stores.agents.remove_assignment(jdoe.id, "chat", "c1", _audit())
    assert not stores.agents.remove_assignment(jdoe.id, "chat", "c1", _audit())
    with pytest.raises(ConcurrentChange):
        stores.agents.add_assignment(jdoe.id, "chat", "c9", _audit(), expected_version=5)
    with pytest.raises(NotFound):
        stores.agents.add_assignment("nobody", "chat", "c9", _audit())
    assert stores.agents.assignment_counts(jdoe.id) == {"chat": 1, "ticket": 1}


def test_a_delete_needs_no_assignment_left_and_frees_the_logins(stores: Stores) -> None:
    # Given an agent with assignments, an active and an inactive colleague
    leaving = stores.add("leaving", numericId=4)
    staying, idle = stores.add("staying"), stores.add("idle", active=False)
    for ref in ("c1", "c2"):
        stores.agents.add_assignment(leaving.id, "chat", ref, _audit())
    stores.agents.add_assignment(staying.id, "chat", "c1", _audit())
    assert stores.agents.load_for_delete(leaving.id, staying.id) == (
        leaving, {"chat": 2}, staying)
    # When it is deleted with its assignments: refused
    with pytest.raises(HasAssignments):
        stores.agents.delete_agent(leaving, _audit())
    # And they go to an inactive agent: refused
    with pytest.raises(InvalidReassignTarget):
        stores.agents.move_assignments(leaving.id, idle.id, lambda moved: _audit()[0])
    # But to an active one they move (one it already had is just dropped)
    assert stores.agents.move_assignments(leaving.id, staying.id,
                                          lambda moved: _audit()[0]) == {"chat": 2}
    assert stores.agents.assignment_counts(staying.id) == {"chat": 2}
    # Then a delete at a stale version is refused, at the current one it frees the logins
    changed = stores.agents.update_agent(leaving, {"title": "x"}, expected_version=1)
    with pytest.raises(ConcurrentChange):
        stores.agents.delete_agent(leaving, _audit())
    stores.agents.delete_agent(changed, _audit())
    assert stores.agents.get_agent(leaving.id) is None
    assert stores.agents.find_agent_id("leaving") is None
    assert stores.agents.numeric_ids() == []
    assert stores.add("leaving", numericId=4).account == "leaving"


def test_a_queue_is_found_by_its_name_through_create_rename_and_delete(
        stores: Stores) -> None:
    def named(name: str) -> list[str]:
        return [str(item["id"]) for item in stores.catalog.find_catalog_by_name("queues", name)]

    # Given two queues named alike but for case (names need not be unique) and a skill
    stores.add_catalog("queues", "sales", name="Sales", createdAt=STAMP, updatedAt=STAMP)
    stores.add_catalog("queues", "sales-2", name="SALES", createdAt=STAMP, updatedAt=STAMP)
    stores.add_catalog("skills", "sales", name="Sales", createdAt=STAMP, updatedAt=STAMP)
    # Then the name finds both queues, case-insensitively (as SCIM compares displayName),
    # each with its public fields, and no other kind
    assert named("sales") == named("Sales") == ["sales", "sales-2"]
    assert stores.catalog.find_catalog_by_name("queues", "Sales")[0] == {
        "id": "sales", "name": "Sales", "createdAt": STAMP, "updatedAt": STAMP}
    assert stores.catalog.find_catalog_by_name("skills", "Sales") == []
    # When one is renamed, it moves to its new name
    found = stores.catalog.read_catalog_item("queues", "sales-2")
    assert found is not None
    stores.catalog.update_catalog_item(
        "queues", {**found[0], "name": "Support", "description": "Tier 1"},
        revision=found[1], name_before="SALES", added=None, removed=None,
        audit=_audit()[0])
    assert named("sales") == ["sales"]
    assert stores.catalog.find_catalog_by_name("queues", "support") == [
        {"id": "sales-2", "name": "Support", "description": "Tier 1", "createdAt": STAMP,
         "updatedAt": STAMP}]
    # When a queue is deleted, its name finds it no more
    found = stores.catalog.read_catalog_item("queues", "sales")
    assert found is not None
    stores.catalog.delete_catalog_item("queues", "sales", revision=found[1], name="Sales",
                                       references=None, audit=_audit()[0])
    assert named("Sales") == []

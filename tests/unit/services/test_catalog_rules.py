"""The catalogue rules on the fakes: built-in roles, who may hand out which permission,
immutable fields, references that must exist, items in use, revisions, the audit."""

from __future__ import annotations

from typing import Any

import pytest
from agent_builders import create
from roster.authorization import Actor
from roster.errors import (
    AlreadyExists,
    BuiltIn,
    ConcurrentChange,
    Forbidden,
    ImmutableField,
    InUse,
    NotFound,
    RosterError,
    UnknownReference,
)
from roster.models.catalog import (
    GroupCreate,
    GroupPatch,
    ProfileCreate,
    ProfilePatch,
    QueueCreate,
    QueuePatch,
    RoleCreate,
    RolePatch,
    SkillCreate,
    SkillPatch,
)
from roster.ports.catalog import catalog_store
from roster.services import catalog
from support.fakes import Fakes

CREATES = {"roles": RoleCreate, "queues": QueueCreate, "skills": SkillCreate,
           "profiles": ProfileCreate, "groups": GroupCreate}
PATCHES = {"roles": RolePatch, "queues": QueuePatch, "skills": SkillPatch,
           "profiles": ProfilePatch, "groups": GroupPatch}


def add(actor: Actor, kind: str, item_id: str, **fields: Any) -> Any:
    return catalog.create_item(actor, kind, CREATES[kind].model_validate(
        {"id": item_id, "name": item_id.title(), **fields}))


def patch(actor: Actor, kind: str, item_id: str, **fields: Any) -> Any:
    return catalog.update_item(actor, kind, item_id, PATCHES[kind].model_validate(fields))


def problem(error: pytest.ExceptionInfo[RosterError]) -> tuple[int, str]:
    return error.value.status, error.value.code


def seed(admin: Actor) -> None:
    """A queue, a skill, a profile using the skill, a group using the profile."""
    add(admin, "queues", "sales")
    add(admin, "skills", "billing")
    add(admin, "profiles", "evening", skills=[{"skillId": "billing", "level": 3}])
    add(admin, "groups", "oslo", profiles=["evening"], properties={"wrapUpSeconds": 60})


def test_an_item_is_created_once_and_read_back(fakes: Fakes, admin: Actor) -> None:
    created = add(admin, "queues", "sales", description="Sales")
    assert catalog.get_item("queues", "sales") == created
    with pytest.raises(AlreadyExists):
        add(admin, "queues", "sales")
    for item_id in ("ghost", "UPPER", "x" * 2000):
        with pytest.raises(NotFound):
            catalog.get_item("queues", item_id)


def test_built_in_roles_are_protected_but_may_be_renamed(fakes: Fakes, admin: Actor) -> None:
    with pytest.raises(AlreadyExists):
        add(admin, "roles", "manager")
    with pytest.raises(BuiltIn) as refused:
        catalog.delete_item(admin, "roles", "agent")
    assert problem(refused) == (409, "built_in")
    with pytest.raises(BuiltIn):
        patch(admin, "roles", "manager", permissions=["agents:read"])
    held = catalog.get_item("roles", "manager").model_dump()["permissions"]
    renamed = patch(admin, "roles", "manager", name="Team lead", permissions=held)
    assert renamed.name == "Team lead" and renamed.model_dump()["permissions"] == held


def test_nobody_hands_out_a_permission_they_do_not_hold(fakes: Fakes, admin: Actor) -> None:
    add(admin, "roles", "empty")
    editor = Actor("editor", frozenset({"catalog:write"}))
    with pytest.raises(Forbidden):
        add(editor, "roles", "spy", permissions=["audit:read"])
    with pytest.raises(Forbidden):
        patch(editor, "roles", "empty", permissions=["audit:read"])
    with pytest.raises(NotFound):
        catalog.get_item("roles", "spy")
    assert patch(editor, "roles", "empty", permissions=["catalog:write"]).model_dump()[
        "permissions"] == ["catalog:write"]


def test_a_patch_changes_only_what_it_names(fakes: Fakes, admin: Actor) -> None:
    created = add(admin, "skills", "fr", name="French", description="spoken")
    changed = patch(admin, "skills", "fr", name="Français")
    assert (changed.name, changed.description) == ("Français", "spoken")
    assert changed.createdAt == created.createdAt
    cleared = patch(admin, "skills", "fr", description=None)
    assert cleared.description is None and catalog.get_item("skills", "fr") == cleared
    revision = catalog_store().read_catalog_item("skills", "fr")[1]  # type: ignore[index]
    assert patch(admin, "skills", "fr", name="Français", id="fr") == cleared  # a no-op
    assert catalog_store().read_catalog_item("skills", "fr")[1] == revision  # type: ignore[index]


@pytest.mark.parametrize("body", [{"id": "other"}, {"createdAt": "2020-01-01T00:00:00Z"},
                                  {"builtIn": True}])
def test_immutable_fields_are_refused(fakes: Fakes, admin: Actor,
                                      body: dict[str, Any]) -> None:
    add(admin, "queues", "q1")
    with pytest.raises(ImmutableField) as refused:
        patch(admin, "queues", "q1", **body)
    assert problem(refused) == (422, "immutable_field")


def test_references_must_exist_and_a_refusal_writes_nothing(fakes: Fakes,
                                                            admin: Actor) -> None:
    seed(admin)
    with pytest.raises(UnknownReference) as refused:
        add(admin, "profiles", "p2", skills=[{"skillId": "billing", "level": 2},
                                             {"skillId": "ghost", "level": 2}])
    assert "ghost" in refused.value.detail
    with pytest.raises(UnknownReference):
        add(admin, "groups", "g2", profiles=["ghost"])
    with pytest.raises(UnknownReference):
        patch(admin, "groups", "oslo", profiles=["evening", "ghost"])
    for kind, item_id in (("profiles", "p2"), ("groups", "g2")):
        with pytest.raises(NotFound):
            catalog.get_item(kind, item_id)
    assert catalog.get_item("groups", "oslo").model_dump()["profiles"] == ["evening"]


def test_items_used_by_other_items_are_in_use_until_released(fakes: Fakes,
                                                            admin: Actor) -> None:
    seed(admin)
    for kind, item_id in (("skills", "billing"), ("profiles", "evening")):
        with pytest.raises(InUse) as refused:
            catalog.delete_item(admin, kind, item_id)
        assert problem(refused) == (409, "in_use")
    assert patch(admin, "groups", "oslo", profiles=[]).model_dump()["profiles"] == []
    catalog.delete_item(admin, "profiles", "evening")
    catalog.delete_item(admin, "skills", "billing")


def test_deleting_a_group_releases_its_profiles(fakes: Fakes, admin: Actor) -> None:
    seed(admin)
    catalog.delete_item(admin, "groups", "oslo")
    catalog.delete_item(admin, "profiles", "evening")


def test_a_profile_swapping_skills_moves_its_references(fakes: Fakes, admin: Actor) -> None:
    seed(admin)
    add(admin, "skills", "tech")
    patch(admin, "profiles", "evening", skills=[{"skillId": "tech", "level": 5}])
    catalog.delete_item(admin, "skills", "billing")
    with pytest.raises(InUse):
        catalog.delete_item(admin, "skills", "tech")


@pytest.mark.parametrize(("kind", "item_id", "references"), [
    ("roles", "planner", {"roles": ["planner"]}),
    ("queues", "sales", {"queues": ["sales"]}),
    ("skills", "billing", {"skills": [{"skillId": "billing", "level": 2}]}),
    ("groups", "oslo", {"groupId": "oslo"}),
    ("profiles", "evening", {"profiles": ["evening"]}),
])
def test_items_an_agent_refers_to_are_in_use(fakes: Fakes, admin: Actor, kind: str,
                                             item_id: str, references: dict[str, Any]) -> None:
    seed(admin)
    add(admin, "roles", "planner")
    patch(admin, "groups", "oslo", profiles=[])
    patch(admin, "profiles", "evening", skills=[])
    create(admin, "jdoe", **references)
    with pytest.raises(InUse):
        catalog.delete_item(admin, kind, item_id)
    assert catalog.get_item(kind, item_id).id == item_id


def test_an_unused_item_is_deleted_and_its_id_free_again(fakes: Fakes, admin: Actor) -> None:
    add(admin, "queues", "q1")
    catalog.delete_item(admin, "queues", "q1")
    with pytest.raises(NotFound):
        catalog.get_item("queues", "q1")
    assert add(admin, "queues", "q1").id == "q1"


def test_a_change_that_lost_a_race_is_concurrent_change(fakes: Fakes, admin: Actor,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a queue someone renames between our read and our write
    add(admin, "queues", "q1")
    store = catalog_store()
    read = store.read_catalog_item

    def read_then_someone_else_writes(kind: str, item_id: str) -> Any:
        found = read(kind, item_id)
        monkeypatch.setattr(store, "read_catalog_item", read)
        patch(admin, "queues", "q1", name="Theirs")
        return found

    monkeypatch.setattr(store, "read_catalog_item", read_then_someone_else_writes)
    with pytest.raises(ConcurrentChange):
        patch(admin, "queues", "q1", name="Ours")
    assert catalog.get_item("queues", "q1").name == "Theirs"


def test_a_use_that_lands_after_the_in_use_check_stops_the_delete(
        fakes: Fakes, admin: Actor, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(admin)
    patch(admin, "groups", "oslo", profiles=[])
    store = catalog_store()
    in_use = store.catalog_item_in_use

    def checked_then_a_group_starts_using_it(kind: str, item_id: str) -> bool:
        answer = in_use(kind, item_id)
        add(admin, "groups", "late", profiles=[item_id])
        return answer

    monkeypatch.setattr(store, "catalog_item_in_use", checked_then_a_group_starts_using_it)
    with pytest.raises(ConcurrentChange):
        catalog.delete_item(admin, "profiles", "evening")
    monkeypatch.undo()
    assert catalog.get_item("profiles", "evening").id == "evening"


def test_every_change_is_audited(fakes: Fakes, admin: Actor) -> None:
    add(admin, "queues", "q1")
    patch(admin, "queues", "q1", name="Renamed")
    catalog.delete_item(admin, "queues", "q1")
    page = catalog.audit_page(None, limit=10, cursor=None)
    assert [(e.action, e.details["id"]) for e in page.items] == [
        ("catalog.deleted", "q1"), ("catalog.updated", "q1"), ("catalog.created", "q1")]
    assert page.items[1].details["fields"] == ["name"]
    assert all(e.actorId == admin.id and e.targetId is None for e in page.items)

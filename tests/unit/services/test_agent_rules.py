"""The agent services' rules on the fakes: creation, changes, owner protection, versions,
references, deactivation, queue status, photos and listings."""

from __future__ import annotations

from typing import Any

import pytest
from agent_builders import catalog, create
from pydantic import ValidationError
from roster.authorization import Actor, held_by
from roster.errors import (
    AccountTaken,
    AgentLoggedOn,
    EmailTaken,
    Forbidden,
    NotFound,
    NumericIdTaken,
    OwnerProtected,
    RosterError,
    UnknownReference,
    VersionConflict,
)
from roster.models.agents_api import (
    MAX_PHOTO_BYTES,
    CreateAgentRequest,
    PhotoRequest,
    QueueStatusRequest,
    UpdateAgentRequest,
)
from roster.ports.agents import AgentFilter, agent_store
from roster.services import agents, assignments
from support.fakes import Fakes
from support.images import JPEG, WEBP


def _patch(actor: Actor, agent_id: str, body: dict[str, Any],
           if_match: str | None = None) -> agents.Changed:
    return agents.update_agent(actor, agent_id, UpdateAgentRequest.model_validate(body),
                               if_match)


def _refused(error: pytest.ExceptionInfo[RosterError]) -> tuple[int, str]:
    return error.value.status, error.value.code


def test_creation_writes_the_agent_its_audit_and_the_welcome(fakes: Fakes,
                                                            admin: Actor) -> None:
    # When an agent is created with a generated password and a welcome
    request = CreateAgentRequest.model_validate({
        "account": "jdoe", "firstName": "Jane", "email": "jdoe@example.com",
        "passwordMode": "generate"})
    created = agents.create_agent(admin, request)
    # Then the password is answered once, and travels only sealed in the welcome email
    assert created.temporary_password and created.agent.passwordStatus == "temporary"
    [welcome] = [entry.message for entry in fakes.world.deliveries.values()]
    assert (welcome.to, welcome.template) == ("jdoe@example.com", "welcome.temporary")
    assert welcome.secret_params == {"temporaryPassword": created.temporary_password}
    assert created.temporary_password not in str(welcome.params)
    assert fakes.world.passwords[created.agent.id].temporary
    assert fakes.world.actions() == ["agent.created"]


@pytest.mark.parametrize(("fields", "taken"), [
    ({"account": "JDOE"}, AccountTaken), ({"email": "JDoe@Example.com"}, EmailTaken),
    ({"numericId": 7}, NumericIdTaken)])
def test_account_email_and_numeric_id_are_unique(fakes: Fakes, admin: Actor,
                                                 fields: dict[str, Any],
                                                 taken: type[RosterError]) -> None:
    # Given an agent
    create(admin, "jdoe", numericId=7)
    # When another claims its account, email (any letter case) or numeric id
    claims = {"account": "other", "email": "other@example.com", **fields}
    with pytest.raises(taken):
        create(admin, claims.pop("account"), **claims)
    # Then nothing of it is written
    assert len(fakes.world.agents) == 1 and fakes.world.actions() == ["agent.created"]


@pytest.mark.parametrize(("fields", "status"), [
    ({"passwordMode": "set", "password": "Correct-Horse-Battery-9"}, "temporary"),
    ({"passwordMode": "set", "password": "Correct-Horse-Battery-9",
      "forcePasswordChange": False}, "set"),
    ({"passwordMode": "invite"}, "none"),
])
def test_a_password_mode_sets_the_status_and_returns_no_password(
        fakes: Fakes, admin: Actor, fields: dict[str, Any], status: str) -> None:
    request = CreateAgentRequest.model_validate({
        "account": "jdoe", "firstName": "Jane", "email": "jdoe@example.com", **fields})
    created = agents.create_agent(admin, request)
    assert created.agent.passwordStatus == status
    assert created.temporary_password is None
    assert "temporaryPassword" not in created.body().model_dump()
    assert (created.agent.id in fakes.world.passwords) is (status != "none")


def test_no_welcome_sends_nothing(fakes: Fakes, admin: Actor) -> None:
    create(admin, "quiet", sendWelcome=False)
    assert fakes.world.outbox == []
    create(admin, "inv", language="nb", sendWelcome=True)
    [(to, template)] = fakes.world.templates()
    assert (to, template) == ("inv@example.com", "welcome.invite")


@pytest.mark.parametrize(("fields", "field"), [
    ({"roles": ["ghost"]}, "roles"),
    ({"queues": ["nowhere"]}, "queues"),
    ({"skills": [{"skillId": "juggling", "level": 1}]}, "skills"),
    ({"groupId": "atlantis"}, "groupId"),
    ({"profiles": ["night"]}, "profiles"),
])
def test_each_unknown_reference_names_its_field(fakes: Fakes, admin: Actor,
                                                fields: dict[str, Any], field: str) -> None:
    with pytest.raises(UnknownReference) as refused:
        create(admin, "jdoe", **fields)
    assert _refused(refused) == (422, "unknown_reference")
    assert refused.value.errors[0]["field"] == field


def test_unknown_references_are_named_per_field(fakes: Fakes, admin: Actor) -> None:
    catalog(fakes, "queues", "sales")
    with pytest.raises(UnknownReference) as refused:
        create(admin, "jdoe", queues=["sales", "nowhere"], groupId="ghosts")
    assert refused.value.errors == [
        {"field": "groupId", "message": "unknown group 'ghosts'"},
        {"field": "queues", "message": "unknown queue 'nowhere'"}]
    assert fakes.world.agents == {}


def test_a_change_moves_the_version_and_a_no_op_does_not(fakes: Fakes,
                                                         admin: Actor) -> None:
    agent = create(admin, "jdoe", title="x")
    assert _patch(admin, agent.id, {"title": "x"}).record.version == 1
    changed = _patch(admin, agent.id, {"title": "y"}, '"1"').record
    assert (changed.version, changed.title) == (2, "y")
    assert fakes.world.actions() == ["agent.created", "agent.updated"]


@pytest.mark.parametrize("if_match", ['"1"', 'W/"2"', "2", "garbage", '"' + "9" * 19 + '"'])
def test_only_the_current_strong_version_matches(fakes: Fakes, admin: Actor,
                                                 if_match: str) -> None:
    # Given an agent at version 2
    agent = create(admin, "jdoe")
    _patch(admin, agent.id, {"title": "one"})
    # When a change names another version (or no entity tag at all): 412, nothing changes
    with pytest.raises(VersionConflict) as refused:
        _patch(admin, agent.id, {"title": "two"}, if_match)
    assert _refused(refused) == (412, "version_conflict")
    assert agent_store().get_agent(agent.id).title == "one"  # type: ignore[union-attr]
    # But the current one and "*" do
    assert _patch(admin, agent.id, {"title": "two"}, '"2"').record.version == 3
    assert _patch(admin, agent.id, {"title": "three"}, "*").record.version == 4


@pytest.mark.parametrize("body", [{"active": False}, {"roles": ["manager"]}])
def test_the_owner_keeps_the_admin_role_and_stays_active(fakes: Fakes, admin: Actor,
                                                         body: dict[str, Any]) -> None:
    owner = create(admin, "owner", roles=["admin"])
    fakes.world.agents[owner.id] = owner.model_copy(update={"isOwner": True})
    with pytest.raises(OwnerProtected) as refused:
        _patch(admin, owner.id, body)
    assert _refused(refused) == (409, "owner_protected")


def test_unknown_agent_and_unknown_reference_in_a_change(fakes: Fakes, admin: Actor) -> None:
    agent = create(admin, "jdoe")
    with pytest.raises(NotFound):
        _patch(admin, "nope", {"title": "x"})
    with pytest.raises(UnknownReference):
        _patch(admin, agent.id, {"queues": ["nowhere"]})
    create(admin, "one", numericId=1)
    with pytest.raises(NumericIdTaken) as refused:
        _patch(admin, agent.id, {"numericId": 1})
    assert _refused(refused) == (409, "numeric_id_taken")


def test_an_email_taken_changes_nothing_and_the_same_one_is_a_no_op(fakes: Fakes,
                                                                    admin: Actor) -> None:
    create(admin, "one")
    two = create(admin, "two")
    with pytest.raises(EmailTaken):
        _patch(admin, two.id, {"email": "ONE@example.com", "title": "t"})
    assert agent_store().get_agent(two.id).title == ""  # type: ignore[union-attr]
    same = _patch(admin, two.id, {"email": "TWO@example.com"}).record
    assert (same.email, same.pendingEmail, same.version) == ("two@example.com", None, 1)


def test_a_new_email_is_pending_until_verified(fakes: Fakes, admin: Actor) -> None:
    agent = create(admin, "jdoe")
    changed = _patch(admin, agent.id, {"email": "new@example.com"}).record
    assert changed.email == "jdoe@example.com"
    assert changed.pendingEmail is not None and changed.pendingEmail.email == "new@example.com"
    assert ("new@example.com", "email_change.verify") in fakes.world.templates()


def test_only_a_holder_of_a_roles_permissions_grants_it(fakes: Fakes, admin: Actor) -> None:
    # Given custom roles within and beyond a manager's permissions
    catalog(fakes, "roles", "supervisor", permissions=["agents:read", "agents:delete"])
    catalog(fakes, "roles", "helper", permissions=["agents:read"])
    boss = create(admin, "boss", roles=["manager"])
    worker = create(admin, "worker")
    manager = Actor(boss.id, held_by(boss))
    # When the manager grants the wider role (to another or itself), or admin: forbidden
    for target, roles in ((worker, ["agent", "supervisor"]), (boss, ["manager", "supervisor"]),
                          (worker, ["admin"])):
        with pytest.raises(Forbidden):
            _patch(manager, target.id, {"roles": roles})
    # Nor create an agent holding them
    for roles in (["supervisor"], ["admin"]):
        with pytest.raises(Forbidden):
            create(manager, "wannabe", roles=roles)
    assert create(manager, "plain").roles == ["agent"]
    # But a role within its permissions it may grant, and an admin any
    assert _patch(manager, worker.id, {"roles": ["agent", "helper"]}).record.roles == [
        "agent", "helper"]
    assert _patch(admin, worker.id, {"roles": ["admin"]}).record.roles == ["admin"]


def test_deactivating_logs_off_and_revokes_every_session(fakes: Fakes, admin: Actor) -> None:
    agent = create(admin, "jdoe")
    agents.set_queue_status(agent.id, "logged_on", None)
    before = agent_store().get_agent(agent.id)
    assert before is not None and before.queueStatus == "logged_on"
    after = _patch(admin, agent.id, {"active": False}).record
    assert (after.active, after.queueStatus) == (False, "logged_off")
    assert after.sessionEpoch == before.sessionEpoch + 1
    assert fakes.world.audit[-1].details["sessionsRevoked"] is True
    assignments.delete_agent(admin, agent.id, None)  # logged off: it may go


def test_a_logged_on_agent_does_not_change_group(fakes: Fakes, admin: Actor) -> None:
    catalog(fakes, "groups", "north")
    agent = create(admin, "jdoe")
    agents.set_queue_status(agent.id, "logged_on", None)
    with pytest.raises(AgentLoggedOn):
        agents.set_group(admin, agent.id, "north")
    with pytest.raises(AgentLoggedOn):
        _patch(admin, agent.id, {"groupId": "north"})
    agents.set_queue_status(agent.id, "logged_off", None)
    assert agents.set_group(admin, agent.id, "north").record.groupId == "north"
    with pytest.raises(UnknownReference):
        agents.set_group(admin, agent.id, "atlantis")
    with pytest.raises(NotFound):
        agents.set_group(admin, "nobody", "north")


def test_a_queue_profile_must_be_the_agents_or_its_groups(fakes: Fakes,
                                                         admin: Actor) -> None:
    for profile in ("own", "group", "other"):
        catalog(fakes, "profiles", profile)
    catalog(fakes, "groups", "north", profiles=["group"])
    agent = create(admin, "jdoe", profiles=["own"], groupId="north")
    for allowed in ("own", "group"):
        assert agents.set_queue_status(agent.id, "logged_on", allowed).record \
            .activeProfileId == allowed
    logged_off = agents.set_queue_status(agent.id, "logged_off", None).record
    assert (logged_off.queueStatus, logged_off.activeProfileId) == ("logged_off", None)
    for refused in ("other", "missing"):
        with pytest.raises(UnknownReference):
            agents.set_queue_status(agent.id, "logged_on", refused)
    with pytest.raises(ValidationError):  # the route's body: 422 validation_failed
        QueueStatusRequest.model_validate({"status": "away"})


def test_a_new_photo_replaces_and_deletes_the_previous(fakes: Fakes, admin: Actor) -> None:
    agent = create(admin, "jdoe")
    request = PhotoRequest.model_validate({"contentType": "image/png", "contentLength": 1000})
    upload = agents.start_photo_upload(admin, agent.id, request)
    first = agent_store().get_agent(agent.id).photoKey  # type: ignore[union-attr]
    assert first and first.startswith(f"photos/{agent.id}/") and first.endswith(".png")
    assert upload.fields["key"] == first and upload.maxBytes == 1000
    agents.start_photo_upload(admin, agent.id, request)
    agents.delete_photo(admin, agent.id)
    assert fakes.photos.deleted[0] == first and len(fakes.photos.deleted) == 2
    assert agent_store().get_agent(agent.id).photoKey is None  # type: ignore[union-attr]


def test_a_photo_put_itself_is_kept_and_replaces_the_previous(fakes: Fakes,
                                                              admin: Actor) -> None:
    agent = create(admin, "jdoe")
    first = agents.put_photo(admin, agent.id, JPEG, content_type="IMAGE/JPEG").record.photoKey
    assert first and first.startswith(f"photos/{agent.id}/") and first.endswith(".jpg")
    changed = agents.put_photo(admin, agent.id, WEBP, content_type="image/webp")
    second = changed.record.photoKey
    assert second and second.endswith(".webp") and changed.view().photoUrl
    assert fakes.photos.stored == {second: (WEBP, "image/webp")}
    assert fakes.photos.deleted == [first]


@pytest.mark.parametrize(("body", "content_type", "refusal"), [
    (b"RIFF\x00\x00\x00\x00WEB", "image/webp", (422, "validation_failed")),  # too short
    (WEBP, "image/png", (422, "validation_failed")),
    (b"", "image/jpeg", (422, "validation_failed")),
    (JPEG + b"\x00" * MAX_PHOTO_BYTES, "image/jpeg", (413, "payload_too_large")),
])
def test_a_photo_put_itself_is_checked_before_anything_is_kept(
        fakes: Fakes, admin: Actor, body: bytes, content_type: str,
        refusal: tuple[int, str]) -> None:
    agent = create(admin, "jdoe")
    with pytest.raises(RosterError) as refused:
        agents.put_photo(admin, agent.id, body, content_type=content_type)
    assert _refused(refused) == refusal
    assert fakes.photos.stored == {} and agent_store().get_agent(agent.id).photoKey is None  # type: ignore[union-attr]


def test_a_photo_for_an_agent_out_of_reach_is_not_kept(fakes: Fakes, admin: Actor) -> None:
    with pytest.raises(NotFound):
        agents.put_photo(admin, "nobody", JPEG, content_type="image/jpeg")
    assert fakes.photos.stored == {} and len(fakes.photos.deleted) == 1


def test_listings_filter_and_page_by_account(fakes: Fakes, admin: Actor) -> None:
    catalog(fakes, "queues", "sales")
    for account in ("carol", "alice", "bob", "dave"):
        create(admin, account, queues=["sales"] if account != "dave" else [],
               active=account != "carol")
    first = agents.list_agents(limit=2, page_cursor=None, q=None,
                               wanted=AgentFilter(queue="sales"))
    assert [a.account for a in first.items] == ["alice", "bob"]
    rest = agents.list_agents(limit=2, page_cursor=first.nextCursor, q=None,
                              wanted=AgentFilter(queue="sales"))
    assert [a.account for a in rest.items] == ["carol"] and rest.nextCursor is None
    active = agents.list_agents(limit=10, page_cursor=None, q=" B ",
                                wanted=AgentFilter(active=True))
    assert [a.account for a in active.items] == ["bob"]

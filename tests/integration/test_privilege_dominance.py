"""Who may act on whom (``roster.authorization``), route by route, through the runtime.

Each test names the rule it holds; each fails when that rule is taken out of
``roster.authorization.authorize`` (checked by hand: dominance, owner, self-service and
role-edit rules each removed once, the matching tests went red).
"""

from __future__ import annotations

from typing import Any

import pytest
from roster.repository import get_repository
from roster_local import Runtime
from support.agents import AGENT_PASSWORD, OWNER_PASSWORD, make_agent, stored_agent
from support.api import access_token, bearer, login

# Every route that acts on another agent (API.md "Security rules (v2)"), with a body
# that would succeed if the caller were allowed.
ACTS_ON_ANOTHER: list[tuple[str, str, dict[str, Any] | None]] = [
    ("PATCH", "/agents/{id}", {"title": "moved"}),
    ("DELETE", "/agents/{id}", None),
    ("POST", "/agents/{id}/password", {"generate": True}),
    ("POST", "/agents/{id}/backup-codes", {"count": 1}),
    ("POST", "/agents/{id}/unlock", None),
    ("DELETE", "/agents/{id}/two-factor", None),
    ("DELETE", "/agents/{id}/sessions", None),
    ("POST", "/agents/{id}/email-change/resend", None),
    ("DELETE", "/agents/{id}/email-change", None),
    ("PUT", "/agents/{id}/assignments/chat/c-1", None),
    ("DELETE", "/agents/{id}/assignments/chat/c-1", None),
    ("PUT", "/agents/{id}/group", {"groupId": None}),
    ("POST", "/agents/{id}/photo", {"contentType": "image/png", "contentLength": 10}),
    ("DELETE", "/agents/{id}/photo", None),
]


def _owner(runtime: Runtime) -> str:
    return access_token(runtime, "admin", OWNER_PASSWORD)


def _create_role(runtime: Runtime, role_id: str, permissions: list[str]) -> None:
    answer = runtime.invoke("POST", "/roles", headers=bearer(_owner(runtime)),
                            body={"id": role_id, "name": role_id, "permissions": permissions})
    assert answer.status == 201, answer.json()


def _problem(answer: Any) -> tuple[int, str]:
    return answer.status, answer.json()["code"]


@pytest.fixture
def owner_runtime(runtime: Runtime) -> Runtime:
    runtime.create_owner(OWNER_PASSWORD)
    return runtime


@pytest.mark.parametrize(("method", "path", "body"), ACTS_ON_ANOTHER,
                         ids=[f"{m} {p}" for m, p, _ in ACTS_ON_ANOTHER])
def test_dominance_a_manager_cannot_act_on_an_admin(owner_runtime: Runtime, method: str,
                                                    path: str, body: Any) -> None:
    """Rule: acting on another agent needs every permission it holds. A manager (no
    ``agents:delete``, ``catalog:write``, ``audit:read``) acting on an admin: ``403``, and
    the admin's version is unchanged (nothing written)."""
    runtime = owner_runtime
    target = make_agent("boss", roles=["admin"])
    make_agent("mgr", roles=["manager"])
    manager = access_token(runtime, "mgr", AGENT_PASSWORD)
    answer = runtime.invoke(method, path.format(id=target.id), headers=bearer(manager),
                            body=body)
    assert _problem(answer) == (403, "forbidden")
    assert stored_agent(target.id).version == target.version


def test_dominance_a_custom_role_above_the_manager_protects_its_holder(
        owner_runtime: Runtime) -> None:
    """Rule: dominance counts custom roles' permissions, not role names. The red team's
    takeover: a manager generated a password for an agent whose custom role carried
    ``agents:delete`` and ``audit:read``, signed in as it and used them."""
    runtime = owner_runtime
    _create_role(runtime, "supervisor", ["agents:read", "agents:delete", "audit:read"])
    target = make_agent("sup", roles=["supervisor"])
    make_agent("mgr", roles=["manager"])
    manager = access_token(runtime, "mgr", AGENT_PASSWORD)
    answer = runtime.invoke("POST", f"/agents/{target.id}/password",
                            headers=bearer(manager), body={"generate": True})
    assert _problem(answer) == (403, "forbidden")
    assert "agents:delete" in answer.json()["detail"]
    assert login(runtime, "sup", AGENT_PASSWORD).status == 200  # old password still good


def test_dominance_a_manager_still_manages_the_agents_below_it(owner_runtime: Runtime) -> None:
    """The rule does not over-reach: a manager resets a plain agent's password, moves it,
    assigns to it and signs it out."""
    runtime = owner_runtime
    target = make_agent("jdoe")
    make_agent("mgr", roles=["manager"])
    manager = bearer(access_token(runtime, "mgr", AGENT_PASSWORD))
    assert runtime.invoke("POST", f"/agents/{target.id}/password", headers=manager,
                          body={"generate": True}).status == 200
    assert runtime.invoke("PUT", f"/agents/{target.id}/assignments/chat/c-1",
                          headers=manager).status == 204
    assert runtime.invoke("DELETE", f"/agents/{target.id}/sessions",
                          headers=manager).status == 204


def test_dominance_agents_delete_alone_cannot_delete_an_admin(owner_runtime: Runtime) -> None:
    """Rule: holding the route's permission is not enough: a non-admin holding
    ``agents:delete`` deleted an admin in the red team's run; now ``403`` and the admin
    stays."""
    runtime = owner_runtime
    _create_role(runtime, "remover", ["agents:read", "agents:delete"])
    target = make_agent("boss", roles=["admin"])
    make_agent("rem", roles=["remover"])
    remover = access_token(runtime, "rem", AGENT_PASSWORD)
    answer = runtime.invoke("DELETE", f"/agents/{target.id}", headers=bearer(remover))
    assert _problem(answer) == (403, "forbidden")
    assert get_repository().get_agent(target.id) is not None
    plain = make_agent("jdoe")
    assert runtime.invoke("DELETE", f"/agents/{plain.id}",
                          headers=bearer(remover)).status == 204


def test_dominance_granting_a_role_needs_every_permission_it_carries(
        owner_runtime: Runtime) -> None:
    """Rule: granting a role needs every permission it carries (so only a holder of every
    permission grants ``admin``)."""
    runtime = owner_runtime
    _create_role(runtime, "auditor", ["audit:read"])
    target = make_agent("jdoe")
    make_agent("mgr", roles=["manager"])
    manager = bearer(access_token(runtime, "mgr", AGENT_PASSWORD))
    for roles in (["agent", "auditor"], ["admin"]):
        answer = runtime.invoke("PATCH", f"/agents/{target.id}", headers=manager,
                                body={"roles": roles})
        assert _problem(answer) == (403, "forbidden"), roles
    assert stored_agent(target.id).roles == ["agent"]
    answer = runtime.invoke("PATCH", f"/agents/{target.id}", headers=bearer(_owner(runtime)),
                            body={"roles": ["agent", "auditor"]})
    assert answer.status == 200 and answer.json()["roles"] == ["agent", "auditor"]


@pytest.mark.parametrize("change", [{"name": "Renamed"},
                                    {"permissions": ["agents:read"]},
                                    {"permissions": ["agents:read", "agents:delete"]}])
def test_role_edit_needs_every_permission_before_and_after(owner_runtime: Runtime,
                                                           change: dict[str, Any]) -> None:
    """Rule: editing a role (renaming, narrowing or widening it) needs every permission it
    carries before and after the change: a catalogue writer without ``audit:read``
    cannot touch a role carrying it."""
    runtime = owner_runtime
    _create_role(runtime, "auditor", ["agents:read", "audit:read"])
    _create_role(runtime, "cataloguer", ["agents:read", "catalog:write"])
    make_agent("cat", roles=["cataloguer"])
    cataloguer = bearer(access_token(runtime, "cat", AGENT_PASSWORD))
    answer = runtime.invoke("PATCH", "/roles/auditor", headers=cataloguer, body=change)
    assert _problem(answer) == (403, "forbidden")
    assert _problem(runtime.invoke("DELETE", "/roles/auditor",
                                   headers=cataloguer)) == (403, "forbidden")
    role = runtime.invoke("GET", "/roles/auditor", headers=cataloguer).json()
    assert (role["name"], role["permissions"]) == ("auditor", ["agents:read", "audit:read"])


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/agents/{id}/password", {"generate": True}),
    ("DELETE", "/agents/{id}/two-factor", None),
    ("POST", "/agents/{id}/backup-codes", {"count": 1}),
    ("DELETE", "/agents/{id}/sessions", None),
    ("PATCH", "/agents/{id}", {"email": "takeover@example.com"}),
    ("POST", "/agents/{id}/email-change/resend", None),
    ("DELETE", "/agents/{id}/email-change", None),
])
def test_owner_credentials_only_the_owner_changes_them(owner_runtime: Runtime, method: str,
                                                       path: str, body: Any) -> None:
    """Rule: only the owner changes the owner's credentials (password, email, two-factor,
    backup codes, sessions): another admin, holding every permission, gets
    ``409 owner_protected``."""
    runtime = owner_runtime
    owner = get_repository().find_agent_id("admin")
    assert owner is not None
    make_agent("second", roles=["admin"])
    other = access_token(runtime, "second", AGENT_PASSWORD)
    version = stored_agent(owner).version
    answer = runtime.invoke(method, path.format(id=owner), headers=bearer(other), body=body)
    assert _problem(answer) == (409, "owner_protected")
    assert stored_agent(owner).version == version


def test_owner_credentials_another_admin_may_unlock_the_owner(owner_runtime: Runtime) -> None:
    """Unlocking gives nobody a way in, and a locked-out owner needs it: allowed."""
    runtime = owner_runtime
    owner = get_repository().find_agent_id("admin")
    assert owner is not None
    make_agent("second", roles=["admin"])
    other = access_token(runtime, "second", AGENT_PASSWORD)
    assert runtime.invoke("POST", f"/agents/{owner}/unlock",
                          headers=bearer(other)).status == 204


@pytest.mark.parametrize("change", [{"ipAllowlist": ["192.0.2.1/32"]},
                                    {"mobilePhone": "+4799999999"}, {"phone": "+4788888888"}])
def test_owner_credentials_include_its_phones_and_allowlist(owner_runtime: Runtime,
                                                             change: dict[str, Any]) -> None:
    """Rule: the owner's phones (where SMS recovery codes go) and IP allowlist (narrowed,
    it locks the owner out as the forbidden deactivation would) are the owner's to
    change: another admin gets ``409 owner_protected`` (red team: an admin set the
    owner's allowlist and locked it out). Values sent back unchanged are no change."""
    runtime = owner_runtime
    owner = get_repository().find_agent_id("admin")
    assert owner is not None
    make_agent("second", roles=["admin"])
    other = bearer(access_token(runtime, "second", AGENT_PASSWORD))
    answer = runtime.invoke("PATCH", f"/agents/{owner}", headers=other, body=change)
    assert _problem(answer) == (409, "owner_protected")
    assert login(runtime, "admin", OWNER_PASSWORD).status == 200
    current = {name: getattr(stored_agent(owner), name) for name in change}
    unchanged = runtime.invoke("PATCH", f"/agents/{owner}", headers=other,
                               body={**current, "title": "Founder"})
    assert unchanged.status == 200, unchanged.json()


def test_dominance_reassigning_to_an_agent_needs_acting_on_it(owner_runtime: Runtime) -> None:
    """Rule: ``DELETE /agents/{id}?reassignTo=`` hands the assignments to the target: an
    act on it too, so dominance applies to it (red team: a deleter pushed assignments
    onto an agent it could not assign to directly)."""
    runtime = owner_runtime
    _create_role(runtime, "remover", ["agents:read", "agents:write", "agents:delete"])
    above = make_agent("sup", roles=["admin"])
    victim = make_agent("jdoe")
    make_agent("rem", roles=["remover"])
    remover = bearer(access_token(runtime, "rem", AGENT_PASSWORD))
    assert runtime.invoke("PUT", f"/agents/{victim.id}/assignments/ticket/t-1",
                          headers=remover).status == 204
    answer = runtime.invoke("DELETE", f"/agents/{victim.id}",
                            query={"reassignTo": above.id}, headers=remover)
    assert _problem(answer) == (403, "forbidden")
    assert get_repository().get_agent(victim.id) is not None
    assert get_repository().assignment_counts(above.id) == {}


@pytest.mark.parametrize(("method", "path", "body"), [
    ("PATCH", "/agents/{id}", {"email": "elsewhere@example.com"}),
    ("PATCH", "/agents/{id}", {"mobilePhone": "+4799999999"}),
    ("PATCH", "/agents/{id}", {"ipAllowlist": ["192.0.2.0/24"]}),
    ("POST", "/agents/{id}/password", {"generate": True}),
    ("DELETE", "/agents/{id}/two-factor", None),
    ("POST", "/agents/{id}/backup-codes", {"count": 1}),
    ("POST", "/agents/{id}/unlock", None),
])
def test_self_credentials_go_through_me(owner_runtime: Runtime, method: str, path: str,
                                        body: Any) -> None:
    """Rule: on oneself, the administrators' credential routes answer ``403`` ("use
    /me"), so a stolen access token cannot skip the /me routes' re-authentication."""
    runtime = owner_runtime
    me = make_agent("boss", roles=["admin"])
    token = access_token(runtime, "boss", AGENT_PASSWORD)
    answer = runtime.invoke(method, path.format(id=me.id), headers=bearer(token), body=body)
    assert _problem(answer) == (403, "forbidden")
    assert "/me" in answer.json()["detail"] or "administrator" in answer.json()["detail"] \
        or "enrolment" in answer.json()["detail"]
    assert stored_agent(me.id).version == me.version


def test_self_an_admin_may_still_edit_its_own_profile_and_sign_itself_out(
        owner_runtime: Runtime) -> None:
    """Non-credential acts on oneself stay allowed through the admin routes."""
    runtime = owner_runtime
    me = make_agent("boss", roles=["admin"])
    token = bearer(access_token(runtime, "boss", AGENT_PASSWORD))
    assert runtime.invoke("PATCH", f"/agents/{me.id}", headers=token,
                          body={"title": "Lead"}).status == 200
    assert runtime.invoke("DELETE", f"/agents/{me.id}/sessions", headers=token).status == 204


def test_dominance_a_role_granted_between_check_and_write_fails_the_write(
        owner_runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule: the target's ``version`` is part of the write's condition, so a role granted
    between the dominance check and the write cannot be outrun: the manager's password
    reset fails (``409 concurrent_change``) and the agent keeps its password."""
    from roster.services.sign_in import credentials

    runtime = owner_runtime
    target = make_agent("jdoe")
    make_agent("mgr", roles=["manager"])
    manager = access_token(runtime, "mgr", AGENT_PASSWORD)
    checked = credentials.authorize

    def check_then_promote(*args: Any, **kwargs: Any) -> None:
        checked(*args, **kwargs)
        record = stored_agent(target.id)
        get_repository().update_agent(record, {"roles": ["admin"]},
                                      expected_version=record.version, audit=[])

    monkeypatch.setattr(credentials, "authorize", check_then_promote)
    answer = runtime.invoke("POST", f"/agents/{target.id}/password",
                            headers=bearer(manager), body={"generate": True})
    assert _problem(answer) == (409, "concurrent_change")
    monkeypatch.undo()
    assert login(runtime, "jdoe", AGENT_PASSWORD).status == 200

"""Every route of the template x every kind of caller → the status the contract promises.

The matrix is generated from ``template.yaml``'s routes and ``roster.permissions``: a
route without an entry in ``ROUTE_PERMISSIONS`` fails here, so no route can go out
unguarded (or guarded by accident) without someone deciding it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from roster import clock, passwords
from roster.local import Runtime
from roster.local.template import Template
from roster.models.agent import AgentRecord
from roster.models.credentials import PasswordCredential
from roster.permissions import ROUTE_PERMISSIONS, allows, permissions_of
from roster.repository import get_repository, keys

PASSWORD = "Matrix-Passw0rd-Local"
ROUTES = sorted({(route.method, route.path) for route in Template.load().routes})
CALLERS = ("none", "expired", "tampered", "agent", "manager", "admin", "deactivated")


# Who may call each route, as API.md states it: "public", or the built-in roles that pass.
ANY = ("agent", "manager", "admin")
STAFF = ("manager", "admin")
ADMIN = ("admin",)
CATALOG = {
    **{("GET", f"/{kind}"): STAFF for kind in ("roles", "queues", "skills", "groups", "profiles")},
    **{("GET", f"/{kind}/{{id}}"): STAFF
       for kind in ("roles", "queues", "skills", "groups", "profiles")},
    **{(method, path): ADMIN
       for kind in ("roles", "queues", "skills", "groups", "profiles")
       for method, path in (("POST", f"/{kind}"), ("PATCH", f"/{kind}/{{id}}"),
                            ("DELETE", f"/{kind}/{{id}}"))},
}
CONTRACT: dict[tuple[str, str], str | tuple[str, ...]] = {
    ("POST", "/auth/login"): "public",
    ("POST", "/auth/challenge"): "public",
    ("POST", "/auth/refresh"): "public",
    ("POST", "/auth/logout"): ANY,
    ("POST", "/password/forgot"): "public",
    ("POST", "/password/reset"): "public",
    ("POST", "/email-verification"): "public",
    ("GET", "/openapi.json"): "public",
    ("GET", "/me"): ANY,
    ("PATCH", "/me"): ANY,
    ("POST", "/me/password"): ANY,
    ("POST", "/me/two-factor"): ANY,
    ("POST", "/me/two-factor/confirm"): ANY,
    ("DELETE", "/me/two-factor"): ANY,
    ("PUT", "/me/queue-status"): ANY,
    ("POST", "/me/photo"): ANY,
    ("DELETE", "/me/photo"): ANY,
    ("POST", "/agents"): STAFF,
    ("GET", "/agents"): STAFF,
    ("GET", "/agents/numeric-ids"): STAFF,
    ("GET", "/agents/{id}"): STAFF,
    ("PATCH", "/agents/{id}"): STAFF,
    ("DELETE", "/agents/{id}"): ADMIN,
    ("POST", "/agents/{id}/password"): STAFF,
    ("POST", "/agents/{id}/backup-codes"): STAFF,
    ("POST", "/agents/{id}/unlock"): STAFF,
    ("DELETE", "/agents/{id}/two-factor"): STAFF,
    ("DELETE", "/agents/{id}/sessions"): STAFF,
    ("POST", "/agents/{id}/email-change/resend"): STAFF,
    ("DELETE", "/agents/{id}/email-change"): STAFF,
    ("PUT", "/agents/{id}/assignments/{kind}/{ref}"): STAFF,
    ("DELETE", "/agents/{id}/assignments/{kind}/{ref}"): STAFF,
    ("GET", "/agents/{id}/assignments"): STAFF,
    ("PUT", "/agents/{id}/group"): STAFF,
    ("POST", "/agents/{id}/photo"): STAFF,
    ("DELETE", "/agents/{id}/photo"): STAFF,
    ("GET", "/audit"): ADMIN,
    **CATALOG,
}


def test_every_template_route_is_in_the_contract_table_and_the_permission_table() -> None:
    assert [route for route in ROUTES if route not in CONTRACT] == []
    assert [route for route in ROUTES if route not in ROUTE_PERMISSIONS] == []


@pytest.mark.parametrize("route", sorted(CONTRACT))
def test_permission_table_agrees_with_the_contract(route: tuple[str, str]) -> None:
    allowed = CONTRACT[route]
    requirement = ROUTE_PERMISSIONS[route]
    if allowed == "public":
        assert requirement is None
        return
    for role in ANY:
        assert allows(requirement, permissions_of([role], {})) == (role in allowed), role


def _agent(account: str, roles: list[str]) -> AgentRecord:
    stamp = clock.iso(clock.now())
    record = AgentRecord(id=str(uuid.uuid4()), account=account,
                         email=f"{account}@example.com", firstName=account, alias=account,
                         roles=roles, passwordStatus="set", createdAt=stamp, updatedAt=stamp)
    get_repository().create_agent(record, password=PasswordCredential(
        hash=passwords.hash_password(PASSWORD), setAt=stamp))
    return record


def _token(runtime: Runtime, account: str) -> str:
    response = runtime.invoke("POST", "/auth/login",
                              body={"login": account, "password": PASSWORD})
    assert response.status == 200, response.json()
    return str(response.json()["accessToken"])


@pytest.fixture(scope="module")
def callers() -> Any:
    """Built once per module: a runtime with one caller of each kind."""
    from moto import mock_aws
    from support.stack import AWS_ENV, forget_cached_configuration

    patcher = pytest.MonkeyPatch()
    for name, value in AWS_ENV.items():
        patcher.setenv(name, value)
    patcher.delenv("AWS_ENDPOINT_URL", raising=False)
    forget_cached_configuration()
    with mock_aws():
        runtime = Runtime().provision()
        runtime.create_owner(PASSWORD)
        tokens: dict[str, str | None] = {"none": None}
        for kind in ("agent", "manager", "admin"):
            _agent(f"{kind}-caller", [kind])
            tokens[kind] = _token(runtime, f"{kind}-caller")
        gone = _agent("deactivated-caller", ["admin"])
        tokens["deactivated"] = _token(runtime, "deactivated-caller")
        get_repository().table.update(keys.agent(gone.id), "SET active = :f",
                                      values={":f": False})
        valid = tokens["admin"]
        assert valid is not None
        middle = len(valid) // 2
        tokens["tampered"] = valid[:middle] + ("A" if valid[middle] != "A" else "B") + \
            valid[middle + 1:]
        past = datetime.now(UTC) - timedelta(hours=1)
        patcher.setattr(clock, "now", lambda: past)
        tokens["expired"] = _token(runtime, "admin-caller")
        patcher.undo()
        for name, value in AWS_ENV.items():
            patcher.setenv(name, value)
        fresh = {kind: (lambda k=kind: _token(runtime, f"{k}-caller"))
                 for kind in ("agent", "manager", "admin")}
        yield runtime, tokens, fresh
    patcher.undo()
    forget_cached_configuration()


def expected(route: tuple[str, str], caller: str) -> set[int] | str:
    """The statuses allowed for ``caller`` on ``route`` ('through' = past the gate)."""
    allowed = CONTRACT[route]
    if allowed == "public":
        return "through"
    if caller in {"none", "expired", "tampered", "deactivated"}:
        return {401}
    return "through" if caller in allowed else {403}


@pytest.mark.parametrize("route", ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_route_answers_each_caller_as_promised(callers: Any, route: tuple[str, str]) -> None:
    runtime, tokens, fresh = callers
    method, path = route
    concrete = path.replace("{id}", str(uuid.uuid4())).replace("{kind}", "chat") \
        .replace("{ref}", "ref-1")
    for caller in CALLERS:
        token = tokens[caller]
        if route == ("POST", "/auth/logout") and caller in fresh:
            token = fresh[caller]()  # logging out must not end the session other rows use
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = runtime.invoke(method, concrete, headers=headers, body={})
        want = expected(route, caller)
        if want == "through":
            assert response.status not in {401, 403} or \
                response.json().get("code") not in {"unauthorized", "forbidden"}, \
                (caller, response.status, response.body[:200])
            assert response.status < 500, (caller, response.status, response.body[:300])
        else:
            assert response.status in want, (caller, response.status, response.body[:200])
            code = response.json()["code"]
            assert code == ("unauthorized" if response.status == 401 else "forbidden")

"""Every declared route x every kind of caller → what its declaration promises.

The routes and their requirements come from ``roster.routes`` (the template is held equal
to it in tests/unit/test_api_routes.py); the built-in roles' permissions decide which
signed-in caller passes: without the permission → ``403 forbidden``, with it → past
the gate; a public route needs no token; a bad, expired or deactivated token → ``401``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from roster import clock, passwords
from roster.models.agent import AgentRecord
from roster.models.credentials import PasswordCredential
from roster.permissions import (
    BUILT_IN_ROLES,
    PROVISIONING_MANAGE,
    PROVISIONING_PERMISSIONS,
    allows,
)
from roster.repository import get_repository, keys
from roster.routes import REST_API, ROUTES, SCIM_API, Route
from roster_local import Runtime
from support.api import Caller
from support.scim import scim_caller

PASSWORD = "Matrix-Passw0rd-Local"
CALLERS = ("none", "expired", "tampered", "agent", "manager", "admin", "deactivated")
ROLES = ("agent", "manager", "admin")
REST = [route for route in ROUTES if route.api == REST_API]
SCIM = [route for route in ROUTES if route.api == SCIM_API]


def test_the_roles_split_the_routes_as_the_contract_says() -> None:
    """API.md's table, in counts: what each built-in role may call."""
    def callable_by(role: str) -> int:
        granted = frozenset(BUILT_IN_ROLES[role])
        return sum(1 for route in REST if not route.public
                   and allows(route.requirement, granted))

    signed_in = [route for route in REST if route.requirement == frozenset()]
    assert callable_by("admin") == sum(1 for route in REST if not route.public)
    assert callable_by("agent") == len(signed_in) == 11  # /me..., logout
    # a manager: agents (but delete), credentials, email changes, catalogue reads; not
    # the three provisioning-token routes
    assert callable_by("manager") == callable_by("admin") - 1 - 1 - 3 * 5 - 3
    managing = [route for route in REST if route.requirement == {PROVISIONING_MANAGE}]
    assert len(managing) == 3
    # a provisioning token: on ScimApi every route, on the main API none
    assert all(allows(route.requirement, PROVISIONING_PERMISSIONS) for route in SCIM)


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
        for kind in ROLES:
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
                 for kind in ROLES}
        yield runtime, tokens, fresh
    patcher.undo()
    forget_cached_configuration()


def expected(route: Route, caller: str) -> set[int] | str:
    """The statuses allowed for ``caller`` on ``route`` ('through' = past the gate)."""
    if route.public:
        return "through"
    if caller in {"none", "expired", "tampered", "deactivated"}:
        return {401}
    return "through" if allows(route.requirement, frozenset(BUILT_IN_ROLES[caller])) else {403}


def _concrete(path: str) -> str:
    return path.replace("{id}", str(uuid.uuid4())).replace("{kind}", "chat") \
        .replace("{ref}", "ref-1")


@pytest.mark.parametrize("route", REST, ids=[f"{r.method} {r.path}" for r in REST])
def test_route_answers_each_caller_as_promised(callers: Any, route: Route) -> None:
    runtime, tokens, fresh = callers
    method, path = route.key
    concrete = _concrete(path)
    for caller in CALLERS:
        token = tokens[caller]
        if route.key == ("POST", "/auth/logout") and caller in fresh:
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


@pytest.mark.parametrize("route", SCIM, ids=[f"{r.method} {r.path}" for r in SCIM])
def test_scim_takes_a_provisioning_token_and_refuses_every_jwt_with_a_scim_401(
        callers: Any, route: Route) -> None:
    """ScimApi takes provisioning tokens only: no sign-in token, however privileged,
    gets past its authorizer; the refusal is a SCIM error."""
    runtime, tokens, _ = callers
    admin = Caller(runtime, str(tokens["admin"]))
    through = runtime.invoke(route.method, _concrete(route.path), body={},
                             headers=scim_caller(admin).headers)
    assert through.status not in {401, 403}, through.body[:200]
    assert through.status < 500, through.body[:300]
    for caller in CALLERS:
        token = tokens[caller]
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = runtime.invoke(route.method, _concrete(route.path), headers=headers,
                                  body={})
        assert response.status == 401, (caller, response.status, response.body[:200])
        assert response.header("Content-Type") == "application/scim+json"
        assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
        assert response.json()["status"] == "401"

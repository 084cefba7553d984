"""Session rules (API.md "Security rules (v2)" -> "Sessions"): one-use refresh tokens
under concurrency, and ``active`` / ``ipAllowlist`` applied on every request."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from roster.errors import RosterError
from roster.models.auth import Tokens
from roster.repository import get_repository, keys
from roster.services.sign_in import sessions
from roster.tokens import RefreshToken
from roster_local import Runtime
from support.agents import AGENT_PASSWORD, OWNER_PASSWORD, make_agent, stored_agent
from support.api import bearer, sign_in
from support.audit import audit_actions
from support.concurrency import atomic_aws, race

THREADS = 10
OFFICE = "203.0.113.0/24"
AT_OFFICE = "203.0.113.7"
ELSEWHERE = "198.51.100.9"


def set_allowlist(runtime: Runtime, agent_id: str, allowlist: list[str]) -> None:
    """An administrator narrows (or widens) the agent's allowlist."""
    runtime.create_owner(OWNER_PASSWORD)
    admin = sign_in(runtime, "admin", OWNER_PASSWORD)["accessToken"]
    response = runtime.invoke("PATCH", f"/agents/{agent_id}", headers=bearer(admin),
                              body={"ipAllowlist": allowlist})
    assert response.status == 200, response.json()


def refresh(runtime: Runtime, token: str,
            source_ip: str = "127.0.0.1") -> tuple[int, dict[str, Any]]:
    response = runtime.invoke("POST", "/auth/refresh", body={"refreshToken": token},
                              source_ip=source_ip)
    return response.status, response.json()


def session_exists(agent_id: str, session_id: str) -> bool:
    return get_repository().table.get(keys.session(agent_id, session_id)) is not None


def test_concurrent_refresh_with_one_token_gives_at_most_one_pair_and_ends_the_session(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule: of concurrent presentations of one refresh token at most one gets tokens and
    any second one ends the session, the winner's tokens included. Fails without the
    loser's conditional end of the session (before: one 200, nine 401, session alive)."""
    atomic_aws(monkeypatch)
    agent = make_agent("jdoe")
    first = sign_in(runtime, "jdoe", AGENT_PASSWORD)
    # Every presentation reads the session before any of them writes (truly concurrent)
    repository = get_repository()
    real_load = type(repository).load_session
    all_read = threading.Barrier(THREADS)

    def load_together(self: object, *args: Any, **kwargs: Any) -> Any:
        found = real_load(repository, *args, **kwargs)
        all_read.wait(timeout=30)
        return found

    monkeypatch.setattr(type(repository), "load_session", load_together)
    # When 10 clients present the same refresh token at once
    outcomes = race(lambda token: sessions.refresh(token, "127.0.0.1"),
                    [first["refreshToken"]] * THREADS)
    # Then at most one got tokens; the others are 401 invalid_token
    winners = [o for o in outcomes if isinstance(o, Tokens)]
    refused = [o for o in outcomes if isinstance(o, RosterError)]
    assert len(winners) <= 1, outcomes
    assert {(e.status, e.code) for e in refused} == {(401, "invalid_token")}
    # And the session is ended: the winner's access and refresh tokens no longer work
    monkeypatch.setattr(type(repository), "load_session", real_load)
    parsed = RefreshToken.parse(first["refreshToken"])
    assert parsed is not None and not session_exists(agent.id, parsed.session_id)
    for tokens in winners:
        me = runtime.invoke("GET", "/me", headers=bearer(tokens.accessToken))
        assert (me.status, me.json()["code"]) == (401, "unauthorized")
        assert refresh(runtime, tokens.refreshToken)[0] == 401
    assert runtime.invoke("GET", "/me", headers=bearer(first["accessToken"])).status == 401
    # And the reuse is audited once
    assert audit_actions(agent.id).count("session.refresh_reused") == 1


def test_a_loser_of_the_rotate_ends_the_session(runtime: Runtime,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule: a presentation that read the token as current but lost the conditional
    rotate is a second presentation: it ends the session. Fails when a lost rotate only
    answers 401 (the winner's session would live on)."""
    agent = make_agent("jdoe")
    first = sign_in(runtime, "jdoe", AGENT_PASSWORD)
    repository = get_repository()
    real_load = type(repository).load_session
    winner: list[Tokens] = []

    def load_then_lose(self: object, agent_id: str, session_id: str, roles: Any = ()) -> Any:
        # The read happens, then another presentation of the token wins the rotate.
        found = real_load(repository, agent_id, session_id)
        if not winner:
            monkeypatch.setattr(type(repository), "load_session", real_load)
            winner.append(sessions.refresh(first["refreshToken"], "127.0.0.1"))
        return found

    monkeypatch.setattr(type(repository), "load_session", load_then_lose)
    with pytest.raises(RosterError) as refused:
        sessions.refresh(first["refreshToken"], "127.0.0.1")
    assert (refused.value.status, refused.value.code) == (401, "invalid_token")
    me = runtime.invoke("GET", "/me", headers=bearer(winner[0].accessToken))
    assert me.status == 401
    assert audit_actions(agent.id).count("session.refresh_reused") == 1


def test_a_narrowed_allowlist_refuses_the_next_bearer_request_with_403_ip_not_allowed(
        runtime: Runtime) -> None:
    """Rule: the authorizer applies the agent's ipAllowlist on every request. Fails
    without the authorizer's check (the session would work from anywhere for 12 h)."""
    agent = make_agent("jdoe")
    tokens = sign_in(runtime, "jdoe", AGENT_PASSWORD, source_ip=ELSEWHERE)
    assert runtime.invoke("GET", "/me", headers=bearer(tokens["accessToken"]),
                          source_ip=ELSEWHERE).status == 200
    # When an administrator narrows the allowlist to the office
    set_allowlist(runtime, agent.id, [OFFICE])
    # Then the very next request from elsewhere is refused, naming the reason
    refused = runtime.invoke("GET", "/me", headers=bearer(tokens["accessToken"]),
                             source_ip=ELSEWHERE)
    assert refused.status == 403
    assert refused.header("Content-Type") == "application/problem+json"
    assert refused.json()["code"] == "ip_not_allowed"
    # And from the office the same token still works; X-Forwarded-For is never believed
    assert runtime.invoke("GET", "/me", headers=bearer(tokens["accessToken"]),
                          source_ip=AT_OFFICE).status == 200
    spoofed = runtime.invoke("GET", "/me", source_ip=ELSEWHERE,
                             headers={**bearer(tokens["accessToken"]),
                                      "X-Forwarded-For": AT_OFFICE})
    assert spoofed.json()["code"] == "ip_not_allowed"


def test_a_missing_permission_is_still_403_forbidden(runtime: Runtime) -> None:
    """The Deny's context names the problem: a plain permission refusal stays
    ``403 forbidden`` through the same gateway response."""
    make_agent("jdoe")
    token = sign_in(runtime, "jdoe", AGENT_PASSWORD)["accessToken"]
    refused = runtime.invoke("GET", "/agents", headers=bearer(token))
    assert refused.status == 403
    assert refused.json()["code"] == "forbidden"
    assert refused.json()["type"].endswith("/forbidden")


def test_refresh_applies_the_allowlist(runtime: Runtime) -> None:
    """Rule: /auth/refresh applies ipAllowlist too. Fails without the check in refresh
    (a refresh from outside the allowlist would get fresh tokens)."""
    agent = make_agent("jdoe")
    tokens = sign_in(runtime, "jdoe", AGENT_PASSWORD, source_ip=ELSEWHERE)
    set_allowlist(runtime, agent.id, [OFFICE])
    status, body = refresh(runtime, tokens["refreshToken"], ELSEWHERE)
    assert (status, body["code"]) == (403, "ip_not_allowed")
    # And the refused refresh did not use the token up: from the office it works
    status, body = refresh(runtime, tokens["refreshToken"], AT_OFFICE)
    assert status == 200, body


def test_refresh_refuses_an_inactive_agent(runtime: Runtime) -> None:
    """Rule: /auth/refresh applies ``active``. Fails without the check (the epoch moves
    on deactivation, so this stores the inactive flag without moving it)."""
    agent = make_agent("jdoe")
    tokens = sign_in(runtime, "jdoe", AGENT_PASSWORD)
    get_repository().table.update(keys.agent(agent.id), "SET active = :no",
                                  values={":no": False})
    assert not stored_agent(agent.id).active
    status, body = refresh(runtime, tokens["refreshToken"])
    assert (status, body["code"]) == (401, "invalid_token")
    me = runtime.invoke("GET", "/me", headers=bearer(tokens["accessToken"]))
    assert (me.status, me.json()["code"]) == (401, "unauthorized")

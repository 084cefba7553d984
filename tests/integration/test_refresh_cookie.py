"""The refresh token as a cookie (API.md v2 decisions, "Tokens in the app"), through the
emulated stack: ``"refreshTokenAs": "cookie"`` on sign-in and challenge answers, refresh
and logout by cookie, reuse detection by cookie, and every other client unchanged."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from roster import routes
from roster.config import get_settings
from roster_local import LocalResponse, Runtime
from support.agents import AGENT_PASSWORD, make_agent
from support.api import bearer, login
from support.clocks import SteerableClock, steer_clock
from support.two_factor import enrol, tokens_for

NEW_PASSWORD = "Fresh-Passw0rd-2026"


def cookie_login(runtime: Runtime, account: str = "jdoe",
                 password: str = AGENT_PASSWORD) -> LocalResponse:
    return runtime.invoke("POST", "/auth/login", body={
        "login": account, "password": password, "refreshTokenAs": "cookie"})


def attributes(response: LocalResponse) -> tuple[str, str, dict[str, str]]:
    """The refresh cookie ``Set-Cookie`` sets: its name, value and attributes (names
    lower-cased; a flag maps to ``""``)."""
    header = response.header("Set-Cookie")
    assert header is not None, response.headers
    first, *rest = (part.strip() for part in header.split(";"))
    name, _, value = first.partition("=")
    flags = {key.lower(): val for key, _, val in (part.partition("=") for part in rest)}
    return name, value, flags


def cookie_of(response: LocalResponse) -> dict[str, str]:
    """The ``Cookie`` header a browser sends to ``/auth`` after that answer."""
    name, value, _ = attributes(response)
    return {"Cookie": f"{name}={value}"}


def refresh_by_cookie(runtime: Runtime, cookie: dict[str, str], body: Any = None,
                      ) -> LocalResponse:
    return runtime.invoke("POST", "/auth/refresh", headers=cookie, body=body)


def assert_cleared(response: LocalResponse) -> None:
    name, value, flags = attributes(response)
    assert (name, value, flags["max-age"], flags["path"]) == ("roster_refresh", "", "0", "/auth")


# ---------------------------------------------------------------------- sign-in
def test_a_cookie_sign_in_sets_an_http_only_strict_cookie_scoped_to_auth(
        runtime: Runtime) -> None:
    # Given an agent signing in as the web app does
    make_agent("jdoe")
    response = cookie_login(runtime)
    # Then the body has the access token but no refresh token
    assert response.status == 200, response.json()
    body = response.json()
    assert body["status"] == "authenticated" and body["accessToken"]
    assert "refreshToken" not in body
    # And the refresh token is a cookie scripts cannot read, sent back to /auth only
    name, value, flags = attributes(response)
    assert name == "roster_refresh" and value.count(".") == 2
    assert flags["path"] == "/auth" and flags["samesite"] == "Strict" and "httponly" in flags
    assert int(flags["max-age"]) == get_settings().session_ttl_seconds
    # And the local server, plain HTTP on the loopback address, leaves Secure out
    assert "secure" not in flags and "domain" not in flags
    # And the access token works
    assert runtime.invoke("GET", "/me", headers=bearer(body["accessToken"])).status == 200


def test_deployed_the_cookie_is_secure(runtime: Runtime, monkeypatch: pytest.MonkeyPatch,
                                       ) -> None:
    # Given the functions' setting as deployed (the template leaves it at its default)
    monkeypatch.delenv("ROSTER_REFRESH_COOKIE_SECURE")
    get_settings.cache_clear()
    make_agent("jdoe")
    # Then the cookie is Secure too
    _, _, flags = attributes(cookie_login(runtime))
    assert "secure" in flags and flags["samesite"] == "Strict" and "httponly" in flags


def test_the_body_sign_in_is_unchanged(runtime: Runtime) -> None:
    # Given a client that asks for nothing (every client but the web app)
    make_agent("jdoe")
    for extra in ({}, {"refreshTokenAs": "body"}):
        response = runtime.invoke("POST", "/auth/login", body={
            "login": "jdoe", "password": AGENT_PASSWORD, **extra})
        # Then the refresh token is in the body and no cookie is set
        assert response.status == 200 and response.json()["refreshToken"]
        assert response.header("Set-Cookie") is None


def test_an_unknown_delivery_is_422(runtime: Runtime) -> None:
    response = runtime.invoke("POST", "/auth/login", body={
        "login": "jdoe", "password": AGENT_PASSWORD, "refreshTokenAs": "header"})
    assert response.status == 422
    assert [e["field"] for e in response.json()["errors"]] == ["refreshTokenAs"]


def test_a_failed_cookie_sign_in_sets_no_cookie(runtime: Runtime) -> None:
    make_agent("jdoe")
    response = cookie_login(runtime, password="Wrong-Passw0rd-123")
    assert (response.status, response.json()["code"]) == (401, "invalid_credentials")
    assert response.header("Set-Cookie") is None


def test_the_new_password_challenge_answers_by_cookie(runtime: Runtime) -> None:
    # Given an agent with a temporary password, signing in by cookie
    make_agent("jdoe", temporary=True)
    first = cookie_login(runtime)
    # Then the challenge itself sets no cookie (there is no token yet)
    assert first.json()["challenge"] == "NEW_PASSWORD_REQUIRED"
    assert first.header("Set-Cookie") is None
    # When the app answers it, asking for the cookie again
    answered = runtime.invoke("POST", "/auth/challenge", body={
        "session": first.json()["session"], "challenge": "NEW_PASSWORD_REQUIRED",
        "newPassword": NEW_PASSWORD, "refreshTokenAs": "cookie"})
    # Then the tokens come with the refresh token as the cookie only
    assert answered.status == 200, answered.json()
    assert "refreshToken" not in answered.json()
    assert refresh_by_cookie(runtime, cookie_of(answered)).status == 200


def test_the_totp_challenge_answers_by_cookie(runtime: Runtime,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    steered: SteerableClock = steer_clock(monkeypatch)
    make_agent("jdoe")
    secret, _ = enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    steered.advance(30)
    session = cookie_login(runtime).json()["session"]
    answered = runtime.invoke("POST", "/auth/challenge", body={
        "session": session, "challenge": "TOTP_REQUIRED",
        "code": pyotp.TOTP(secret).at(steered.epoch), "refreshTokenAs": "cookie"})
    assert answered.status == 200, answered.json()
    assert "refreshToken" not in answered.json()
    _, _, flags = attributes(answered)
    assert flags["path"] == "/auth" and "httponly" in flags


# ---------------------------------------------------------------------- refresh
def test_a_refresh_by_cookie_rotates_the_cookie_and_never_returns_it_in_the_body(
        runtime: Runtime) -> None:
    make_agent("jdoe")
    signed = cookie_login(runtime)
    # When the app refreshes with the cookie alone (no body, or an empty one)
    for body in (None, {}):
        renewed = refresh_by_cookie(runtime, cookie_of(signed), body)
        # Then it gets a new access token in the body and a new refresh cookie
        assert renewed.status == 200, renewed.json()
        assert "refreshToken" not in renewed.json()
        assert attributes(renewed)[1] != attributes(signed)[1]
        assert attributes(renewed)[2]["path"] == "/auth"
        assert runtime.invoke("GET", "/me",
                              headers=bearer(renewed.json()["accessToken"])).status == 200
        signed = renewed


def test_reusing_a_rotated_cookie_ends_the_session(runtime: Runtime) -> None:
    # Given a cookie that was rotated away, and the tokens its rotation gave
    make_agent("jdoe")
    signed = cookie_login(runtime)
    renewed = refresh_by_cookie(runtime, cookie_of(signed))
    assert renewed.status == 200
    # When the old cookie is presented again (a stolen copy)
    reused = refresh_by_cookie(runtime, cookie_of(signed))
    # Then it is refused, the browser is told to drop it
    assert (reused.status, reused.json()["code"]) == (401, "invalid_token")
    assert_cleared(reused)
    # And the whole session ended: the winner's access token and cookie are dead too
    me = runtime.invoke("GET", "/me", headers=bearer(renewed.json()["accessToken"]))
    assert me.status == 401
    assert refresh_by_cookie(runtime, cookie_of(renewed)).status == 401


def test_a_body_token_wins_over_a_cookie_and_answers_in_the_body(runtime: Runtime) -> None:
    make_agent("jdoe")
    by_cookie = cookie_login(runtime)
    by_body = login(runtime, "jdoe", AGENT_PASSWORD).json()
    renewed = refresh_by_cookie(runtime, cookie_of(by_cookie),
                                {"refreshToken": by_body["refreshToken"]})
    assert renewed.status == 200 and renewed.json()["refreshToken"]
    assert renewed.header("Set-Cookie") is None
    # And the cookie's session was not touched: its cookie still works once
    assert refresh_by_cookie(runtime, cookie_of(by_cookie)).status == 200


def test_a_refresh_in_the_body_is_unchanged(runtime: Runtime) -> None:
    make_agent("jdoe")
    tokens = login(runtime, "jdoe", AGENT_PASSWORD).json()
    renewed = runtime.invoke("POST", "/auth/refresh", body={"refreshToken": tokens["refreshToken"]})
    assert renewed.status == 200 and renewed.json()["refreshToken"] != tokens["refreshToken"]
    assert renewed.header("Set-Cookie") is None


@pytest.mark.parametrize("headers", [{}, {"Cookie": "other=1; roster_refresh="},
                                     {"Cookie": "garbage;;=;"}])
def test_a_refresh_without_a_token_anywhere_is_422(runtime: Runtime,
                                                   headers: dict[str, str]) -> None:
    response = runtime.invoke("POST", "/auth/refresh", headers=headers, body={})
    assert response.status == 422
    assert [e["field"] for e in response.json()["errors"]] == ["refreshToken"]


def test_a_made_up_cookie_is_invalid_token_and_cleared(runtime: Runtime) -> None:
    response = refresh_by_cookie(runtime, {"Cookie": "theme=dark; roster_refresh=not.a.token"})
    assert (response.status, response.json()["code"]) == (401, "invalid_token")
    assert_cleared(response)


# ---------------------------------------------------------------------- logout
def test_logout_ends_the_session_and_clears_the_cookie(runtime: Runtime) -> None:
    make_agent("jdoe")
    signed = cookie_login(runtime)
    access = signed.json()["accessToken"]
    response = runtime.invoke("POST", "/auth/logout",
                              headers={**bearer(access), **cookie_of(signed)})
    assert response.status == 204
    assert_cleared(response)
    assert refresh_by_cookie(runtime, cookie_of(signed)).status == 401
    assert runtime.invoke("GET", "/me", headers=bearer(access)).status == 401


def test_logout_also_ends_the_cookies_other_session_of_the_same_agent(
        runtime: Runtime) -> None:
    # Given two tabs: the first's access token, and the cookie of the second's sign-in
    make_agent("jdoe")
    first = cookie_login(runtime)
    second = cookie_login(runtime)
    response = runtime.invoke("POST", "/auth/logout", headers={
        **bearer(first.json()["accessToken"]), **cookie_of(second)})
    # Then both sessions end
    assert response.status == 204
    assert runtime.invoke("GET", "/me", headers=bearer(second.json()["accessToken"])).status == 401
    assert refresh_by_cookie(runtime, cookie_of(second)).status == 401


def test_logout_never_ends_another_agents_session_by_its_cookie(runtime: Runtime) -> None:
    make_agent("jdoe")
    make_agent("mary")
    mine = cookie_login(runtime, "jdoe")
    theirs = cookie_login(runtime, "mary")
    response = runtime.invoke("POST", "/auth/logout", headers={
        **bearer(mine.json()["accessToken"]), **cookie_of(theirs)})
    assert response.status == 204
    assert refresh_by_cookie(runtime, cookie_of(theirs)).status == 200


def test_a_body_client_logout_sets_no_cookie(runtime: Runtime) -> None:
    make_agent("jdoe")
    tokens = login(runtime, "jdoe", AGENT_PASSWORD).json()
    response = runtime.invoke("POST", "/auth/logout", headers=bearer(tokens["accessToken"]))
    assert response.status == 204 and response.header("Set-Cookie") is None


# ---------------------------------------------------------------------- nowhere else
SIGNED_IN_ROUTES = [route for route in routes.ROUTES if not route.public]


@pytest.mark.parametrize("route", SIGNED_IN_ROUTES,
                         ids=lambda route: f"{route.method} {route.path}")
def test_the_cookie_is_never_a_credential(runtime: Runtime, route: routes.Route) -> None:
    """Rule: the refresh cookie authenticates nothing: every route that needs a caller
    (``/auth/logout`` included) still wants the bearer token."""
    make_agent("jdoe")
    cookie = cookie_of(cookie_login(runtime))
    path = route.path.replace("{id}", "jdoe").replace("{kind}", "chat").replace("{ref}", "x")
    response = runtime.invoke(route.method, path, headers=cookie, body={})
    assert response.status == 401
    if route.api == "rest":
        assert response.json()["code"] == "unauthorized"
    else:  # SCIM's gateway answers in the SCIM error schema
        assert response.json()["status"] == "401"


# ---------------------------------------------------------------------- the document
def test_the_openapi_document_describes_the_cookie(runtime: Runtime) -> None:
    document = runtime.invoke("GET", "/openapi.json").json()
    schemas = document["components"]["schemas"]
    for request in ("LoginRequest", "ChallengeRequest"):
        field = schemas[request]["properties"]["refreshTokenAs"]
        assert field["enum"] == ["body", "cookie"] and field["default"] == "body"
    assert "refreshToken" not in schemas["CookieTokens"]["properties"]
    assert "refreshToken" not in schemas["RefreshRequest"].get("required", [])
    for path, status in [("/auth/login", "200"), ("/auth/challenge", "200"),
                         ("/auth/refresh", "200"), ("/auth/logout", "204")]:
        answer = document["paths"][path]["post"]["responses"][status]
        assert "HttpOnly" in answer["headers"]["Set-Cookie"]["description"], path
    assert {"$ref": "#/components/schemas/CookieTokens"} in (
        document["paths"]["/auth/login"]["post"]["responses"]["200"]["content"]
        ["application/json"]["schema"]["anyOf"])

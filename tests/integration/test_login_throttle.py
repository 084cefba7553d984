"""The password-failure throttle of ``POST /auth/login`` (moto).

Rules held: NIST SP 800-63B 5.2.2 (rate limiting: no more than 100 consecutive failed
attempts on one account — here ROSTER_PASSWORD_MAX_FAILURES, default 10, at most 100),
OWASP Authentication Cheat Sheet (the throttle counts per login string, known or not,
so it reveals nothing; unknown and known logins cost the same).
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from roster.config import Settings, get_settings
from roster.errors import InvalidCredentials, RosterError
from roster.models.auth import LoginRequest
from roster.repository import get_repository, keys
from roster.services import auth
from support.agents import AGENT_PASSWORD, OWNER_PASSWORD, make_agent
from support.api import bearer, login, sign_in
from support.aws_calls import dynamodb_calls
from support.clocks import ShiftedClock
from support.concurrency import atomic_aws, race

WRONG = "Wrong-Passw0rd-000"


def fail(runtime: Any, who: str, times: int) -> list[Any]:
    return [login(runtime, who, WRONG) for _ in range(times)]


def test_ten_wrong_passwords_throttle_the_login_for_fifteen_minutes(
        runtime: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    moved_clock = ShiftedClock(monkeypatch)
    make_agent(account="jdoe")
    # Given 10 wrong passwords, each answered invalid_credentials
    assert {a.json()["code"] for a in fail(runtime, "jdoe", 10)} == {"invalid_credentials"}
    # When the right password comes next
    answer = login(runtime, "jdoe", AGENT_PASSWORD)
    # Then 429 too_many_attempts with Retry-After of the lockout (900 s)
    assert (answer.status, answer.json()["code"]) == (429, "too_many_attempts")
    assert 890 <= int(answer.headers["Retry-After"]) <= 900
    # And once the lockout has passed, the right password signs in
    moved_clock.advance(seconds=901)
    sign_in(runtime, "jdoe", AGENT_PASSWORD)


def test_the_lockout_doubles_on_repeat_and_a_success_resets_it(
        runtime: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    moved_clock = ShiftedClock(monkeypatch)
    make_agent(account="jdoe")
    fail(runtime, "jdoe", 10)
    moved_clock.advance(seconds=901)
    # When 10 more wrong passwords follow the first lockout
    fail(runtime, "jdoe", 10)
    answer = login(runtime, "jdoe", AGENT_PASSWORD)
    # Then the second lockout lasts twice as long
    assert answer.status == 429 and 1790 <= int(answer.headers["Retry-After"]) <= 1800
    moved_clock.advance(seconds=1801)
    # And a success resets everything: 10 failures give the base period again
    sign_in(runtime, "jdoe", AGENT_PASSWORD)
    fail(runtime, "jdoe", 10)
    answer = login(runtime, "jdoe", AGENT_PASSWORD)
    assert answer.status == 429 and int(answer.headers["Retry-After"]) <= 900


def test_failures_must_be_consecutive(runtime: Any) -> None:
    make_agent(account="jdoe")
    fail(runtime, "jdoe", 9)
    sign_in(runtime, "jdoe", AGENT_PASSWORD)
    fail(runtime, "jdoe", 9)
    sign_in(runtime, "jdoe", AGENT_PASSWORD)


def test_unknown_logins_are_throttled_the_same_way(runtime: Any) -> None:
    """OWASP: the throttle does not tell known logins from unknown ones."""
    make_agent(account="jdoe")
    known = fail(runtime, "jdoe", 11)
    unknown = fail(runtime, "ghost", 11)
    assert [(a.status, a.json()["code"]) for a in known] == [
        (a.status, a.json()["code"]) for a in unknown]
    assert known[-1].status == 429


def test_the_throttle_is_per_login_string_ignoring_case(runtime: Any) -> None:
    make_agent(account="jdoe")
    fail(runtime, "JDoe", 5)
    fail(runtime, "jdoe", 5)
    assert login(runtime, "JDOE", AGENT_PASSWORD).status == 429
    # The email is another login string: not throttled
    sign_in(runtime, "jdoe@example.com", AGENT_PASSWORD)


def test_the_lockout_is_not_ended_early_by_the_items_ttl(runtime: Any) -> None:
    make_agent(account="jdoe")
    fail(runtime, "jdoe", 10)
    item = get_repository().table.get(keys.login_throttle("jdoe"))
    assert item is not None
    from roster import clock

    assert item["ttl"] > clock.epoch(clock.parse(item["lockedUntil"]))


def test_the_failure_limit_follows_the_setting(runtime: Any,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROSTER_PASSWORD_MAX_FAILURES", "3")
    get_settings.cache_clear()
    make_agent(account="jdoe")
    fail(runtime, "jdoe", 3)
    assert login(runtime, "jdoe", AGENT_PASSWORD).status == 429


def test_the_failure_limit_cannot_exceed_one_hundred(monkeypatch: pytest.MonkeyPatch) -> None:
    """NIST SP 800-63B 5.2.2: at most 100 consecutive failed attempts."""
    monkeypatch.setenv("ROSTER_PASSWORD_MAX_FAILURES", "101")
    with pytest.raises(ValidationError):
        Settings()  # type: ignore[call-arg]


def test_unknown_and_known_logins_make_the_same_round_trips(runtime: Any) -> None:
    """OWASP: an unknown login costs what a wrong password costs (no timing oracle)."""
    make_agent(account="jdoe")
    shapes = []
    for who in ("jdoe", "ghost"):
        with dynamodb_calls() as calls, pytest.raises(InvalidCredentials):
            auth.login(LoginRequest(login=who, password=WRONG), "127.0.0.1")
        shapes.append(calls)
    assert shapes[0] == shapes[1]


def test_concurrent_failures_start_one_lockout(runtime: Any,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The count is an atomic ADD; only the request reaching the limit locks."""
    atomic_aws(monkeypatch)
    make_agent(account="jdoe")
    fail(runtime, "jdoe", 8)
    # When four more wrong passwords arrive at once (every one refused)
    outcomes = race(lambda _: auth.login(LoginRequest(login="jdoe", password=WRONG),
                                         "127.0.0.1"), range(4))
    assert all(isinstance(outcome, RosterError) for outcome in outcomes)
    # Then the limit (10) was crossed by exactly one of them: one lockout
    item = get_repository().table.get(keys.login_throttle("jdoe"))
    assert item is not None and item["lockouts"] == 1


def test_an_attempt_refused_by_the_throttle_is_recorded(runtime: Any) -> None:
    """API.md: every sign-in success or failure is recorded (a 429 is a failure too)."""
    runtime.create_owner(OWNER_PASSWORD)
    agent = make_agent(account="jdoe")
    fail(runtime, "jdoe", 10)
    fail(runtime, "ghost", 10)
    # When the throttled logins are tried again, once known and once unknown
    assert login(runtime, "jdoe", AGENT_PASSWORD).status == 429
    assert login(runtime, "ghost", WRONG).status == 429
    # Then the audit feed holds a sign_in.refused (reason throttled) for each
    token = sign_in(runtime, "admin", OWNER_PASSWORD)["accessToken"]
    feed = runtime.invoke("GET", "/audit?limit=100", headers=bearer(token)).json()["items"]
    refused = [(event["targetId"], event["details"]) for event in feed
               if event["action"] == "sign_in.refused"]
    assert refused == [(None, {"reason": "throttled", "sourceIp": "127.0.0.1"}),
                       (agent.id, {"reason": "throttled", "sourceIp": "127.0.0.1"})]
    # And nothing in it names the unknown login string that was typed
    assert "ghost" not in str(feed)

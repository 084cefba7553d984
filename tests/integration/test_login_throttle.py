"""The password-failure throttle of ``POST /auth/login`` (moto).

Rules held: NIST SP 800-63B 5.2.2 (rate limiting: no more than 100 consecutive failed
attempts on one account — here ROSTER_PASSWORD_MAX_FAILURES, default 10, at most 100),
OWASP Authentication Cheat Sheet (unknown logins are counted exactly like known ones,
so it reveals nothing; they cost the same), and API.md v2: every guess is counted
before it is compared; failures count per agent (account and email share one count)
and per (agent, source IP); ten from one source throttle that source, the per-agent
ceiling (100) throttles every source but those the agent signed in from in the last
30 days, so a stranger cannot lock the owner out of its own address.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from roster.config import Settings, get_settings
from roster.errors import InvalidCredentials, RosterError
from roster.models.auth import LoginRequest
from roster.ports.attempts import Throttle
from roster.repository import get_repository, keys
from roster.services.sign_in import steps
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


def _source_throttle(account: str, source_ip: str = "127.0.0.1") -> dict[str, Any] | None:
    agent_id = get_repository().find_agent_id(account)
    assert agent_id is not None
    return get_repository().table.get(
        keys.sign_in_source_throttle(keys.agent_subject(agent_id), source_ip))


def test_the_lockout_is_not_ended_early_by_the_items_ttl(runtime: Any) -> None:
    make_agent(account="jdoe")
    fail(runtime, "jdoe", 10)
    item = _source_throttle("jdoe")
    assert item is not None
    from roster import clock

    assert item["ttl"] > clock.epoch(clock.parse(item["lockedUntil"]))


def test_lockout_doubling_is_capped_at_a_day() -> None:
    """Rule (v2): doubling stops at 24 hours."""
    from roster.repository.password_attempts import lockout_period

    assert [lockout_period(900, n) for n in range(4)] == [900, 1800, 3600, 7200]
    assert lockout_period(900, 7) == 86400 and lockout_period(900, 40) == 86400


def test_an_attempt_whose_request_died_still_counts_and_locks(
        runtime: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Attempts spent by requests that died before deciding them are failures: once
    none has been spent for 30 s, the full count starts its lockout instead of refusing
    with a 1 s Retry-After for ever."""
    moved_clock = ShiftedClock(monkeypatch)
    agent = make_agent(account="jdoe")
    throttle = Throttle(agent.id, source_ip="127.0.0.1")
    for _ in range(10):  # spent, never settled
        get_repository().spend_password_attempt(throttle, max_failures=10,
                                                lockout_seconds=900)
    in_flight = login(runtime, "jdoe", AGENT_PASSWORD)
    assert in_flight.status == 429 and int(in_flight.headers["Retry-After"]) == 1
    moved_clock.advance(seconds=31)
    abandoned = login(runtime, "jdoe", AGENT_PASSWORD)
    assert abandoned.status == 429 and int(abandoned.headers["Retry-After"]) >= 860


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
            steps.login(LoginRequest(login=who, password=WRONG), "127.0.0.1")
        shapes.append(calls)
    assert shapes[0] == shapes[1]


def test_concurrent_failures_start_one_lockout(runtime: Any,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The count is an atomic ADD; only the request reaching the limit locks."""
    atomic_aws(monkeypatch)
    make_agent(account="jdoe")
    fail(runtime, "jdoe", 8)
    # When four more wrong passwords arrive at once (every one refused)
    outcomes = race(lambda _: steps.login(LoginRequest(login="jdoe", password=WRONG),
                                         "127.0.0.1"), range(4))
    assert all(isinstance(outcome, RosterError) for outcome in outcomes)
    # Then the limit (10) was crossed by exactly one of them: one lockout
    item = _source_throttle("jdoe")
    assert item is not None and item["lockouts"] == 1


def test_every_guess_counted_before_compare_20_concurrent_passwords_get_10_comparisons(
        runtime: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule (v2): each guess spends an attempt (a conditional write) before the password
    is compared: of 20 concurrent wrong passwords exactly 10 are compared (401) and 10
    refused (429), and the right password sent after them cannot get in. Fails when the
    attempt is counted after the comparison (the red team: 20 x 401, then 19 wrong + the
    right one signed in)."""
    atomic_aws(monkeypatch)
    make_agent(account="jdoe")
    compared = 0
    verify = steps.passwords.verify_password

    def counting(stored: str | None, given: str) -> bool:
        nonlocal compared
        compared += 1
        return verify(stored, given)

    monkeypatch.setattr(steps.passwords, "verify_password", counting)
    outcomes = race(lambda _: steps.login(LoginRequest(login="jdoe", password=WRONG),
                                         "127.0.0.1"), range(20))
    codes = sorted(outcome.code for outcome in outcomes if isinstance(outcome, RosterError))
    assert codes == ["invalid_credentials"] * 10 + ["too_many_attempts"] * 10
    assert compared == 10
    assert login(runtime, "jdoe", AGENT_PASSWORD).status == 429


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


def test_an_attempt_the_ceiling_refuses_leaves_the_sources_count_as_it_was(
        runtime: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """An attempt spent from the source and then refused by the per-agent ceiling was
    never compared: it is returned, and the source's earlier failures stay counted (they
    were wiped when it was handed back like a right password's)."""
    monkeypatch.setenv("ROSTER_PASSWORD_MAX_FAILURES_PER_AGENT", "15")
    get_settings.cache_clear()
    agent = make_agent(account="jdoe")
    for _ in range(5):
        login(runtime, "jdoe", WRONG, source_ip="203.0.113.1")
    for _ in range(10):
        login(runtime, "jdoe", WRONG, source_ip="203.0.113.2")
    refused = login(runtime, "jdoe", WRONG, source_ip="203.0.113.1")
    assert (refused.status, refused.json()["code"]) == (429, "too_many_attempts")
    item = get_repository().table.get(
        keys.sign_in_source_throttle(keys.agent_subject(agent.id), "203.0.113.1"))
    assert item is not None and (item["failures"], item["pending"]) == (5, 0)

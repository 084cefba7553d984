"""The red team's races, replayed over HTTP against the local server: 20 clients, each on
its own connection, released together (``support.parallel.race``).

Each test names the rule it holds (API.md "Security rules (v2)"); the figures are
"compared out of N sent" and are written down in docs/security.md.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pyotp
import pytest
import requests
from support.http import LocalServer, admin_token, call, login, outbox, post
from support.parallel import race

pytestmark = pytest.mark.acceptance
CLIENTS = 20
PASSWORD = "Racing-Passw0rd-2026"
WRONG = "Wrong-Passw0rd-2026"


def new_agent(server: LocalServer, **fields: Any) -> tuple[str, str]:
    """A fresh agent with ``PASSWORD`` (not temporary); its account and id."""
    account = f"race-{uuid.uuid4().hex[:10]}"
    created = call(server, "POST", "/agents", token=admin_token(server), json={
        "account": account, "email": f"{account}@example.com", "firstName": "Rita",
        "password": PASSWORD, "passwordMode": "set", "forcePasswordChange": False,
        "sendWelcome": False, **fields})
    assert created.status_code == 201, created.text
    return account, str(created.json()["id"])


def statuses(answers: list[requests.Response]) -> list[int]:
    return [answer.status_code for answer in answers]


def test_every_guess_counted_before_compare_20_wrong_passwords_get_10_comparisons(
        local_server: LocalServer) -> None:
    """Rule: every password guess spends an attempt before it is compared. 20 parallel
    wrong passwords: exactly 10 compared (401), 10 refused (429 with Retry-After); then
    even the right password is refused. (Red team, v1: 20 x 401.)"""
    account, _ = new_agent(local_server)
    answers = race(CLIENTS, lambda session, _: call(
        local_server, "POST", "/auth/login", session=session,
        json={"login": account, "password": WRONG}))
    assert sorted(statuses(answers)) == [401] * 10 + [429] * 10
    assert all(a.headers.get("Retry-After") for a in answers if a.status_code == 429)
    assert login(local_server, account, PASSWORD).status_code == 429


def test_every_guess_counted_before_compare_the_right_password_in_a_burst(
        local_server: LocalServer) -> None:
    """Rule: 19 wrong passwords and the right one sent together: at most 10 wrong ones
    are compared (the right one's attempt is given back when it wins, and the failures
    before it are not forgiven while the burst is in flight, so it frees no slot for
    more). (Red team, v1: all 20 compared and the right one signed in.)"""
    account, _ = new_agent(local_server)
    answers = race(CLIENTS, lambda session, index: call(
        local_server, "POST", "/auth/login", session=session,
        json={"login": account, "password": PASSWORD if index == CLIENTS - 1 else WRONG}))
    codes = statuses(answers)
    assert codes.count(401) <= 10 and codes.count(200) <= 1, codes
    # every guess beyond the 10 wrong ones compared and the right one is refused unread
    # (the right one, once it wins, may free its own slot for a wrong guess: still 10)
    assert codes.count(429) >= CLIENTS - 10 - codes.count(200), codes
    assert set(codes) <= {200, 401, 429}


def enrolled_agent(server: LocalServer) -> tuple[str, str, pyotp.TOTP, list[str]]:
    """A fresh agent with two-factor on: account, id, its authenticator, backup codes."""
    account, agent_id = new_agent(server)
    token = login(server, account, PASSWORD).json()["accessToken"]
    started = call(server, "POST", "/me/two-factor", token=token,
                   json={"currentPassword": PASSWORD})
    assert started.status_code == 200, started.text
    app = pyotp.TOTP(started.json()["secret"])
    confirmed = call(server, "POST", "/me/two-factor/confirm", token=token,
                     json={"code": app.at(time.time())})
    assert confirmed.status_code == 200, confirmed.text
    return account, agent_id, app, confirmed.json()["backupCodes"]


def challenges(server: LocalServer, account: str, count: int) -> list[str]:
    sessions = []
    for _ in range(count):
        answer = login(server, account, PASSWORD)
        assert answer.json().get("challenge") == "TOTP_REQUIRED", answer.text
        sessions.append(answer.json()["session"])
    return sessions


def not_a_code(app: pyotp.TOTP, index: int) -> str:
    window = {app.at(time.time() + 30 * offset) for offset in range(-2, 4)}
    return next(code for code in (f"{(index * 7919 + n) % 1_000_000:06d}" for n in range(100))
                if code not in window)


def agent_state(server: LocalServer, agent_id: str) -> dict[str, Any]:
    answer = call(server, "GET", f"/agents/{agent_id}", token=admin_token(server))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_every_guess_counted_before_compare_a_burst_of_totp_codes(
        local_server: LocalServer) -> None:
    """Rule: every TOTP guess spends an attempt before it is compared: of 19 wrong codes
    and the right one sent together, at most 5 (the limit) are compared; the others get
    429 (attempts held by guesses in flight) or 423 (once the lock is decided). (Red team,
    v1: the right code got through in 4 runs of 6.)"""
    account, agent_id, app, _ = enrolled_agent(local_server)
    sessions = challenges(local_server, account, CLIENTS)
    right = app.at(time.time() + 30)

    def answer(session: requests.Session, index: int) -> requests.Response:
        code = right if index == CLIENTS - 1 else not_a_code(app, index)
        return call(local_server, "POST", "/auth/challenge", session=session, json={
            "session": sessions[index], "challenge": "TOTP_REQUIRED", "code": code})

    codes = statuses(race(CLIENTS, answer))
    # (the wrong guess that reaches the limit answers 423: the lock is decided)
    assert codes.count(401) + codes.count(200) <= 5, codes
    assert set(codes) <= {200, 401, 423, 429}
    if 200 not in codes:  # the compared guesses were all wrong: 4 x 401, then locked
        assert codes.count(401) == 4, codes
        assert agent_state(local_server, agent_id)["locked"] is True


def test_a_backup_code_race_is_won_once_and_charges_nobody(local_server: LocalServer) -> None:
    """Rules: a backup code works once (conditional write), and losing that race is not
    a failure: 20 parallel uses of one code give one sign-in and leave the account
    unlocked. (Red team, v1: 15 parallel uses locked the account.)"""
    account, agent_id, _, backup_codes = enrolled_agent(local_server)
    sessions = challenges(local_server, account, CLIENTS)
    answers = race(CLIENTS, lambda session, index: call(
        local_server, "POST", "/auth/challenge", session=session, json={
            "session": sessions[index], "challenge": "TOTP_REQUIRED",
            "backupCode": backup_codes[0]}))
    codes = statuses(answers)
    assert codes.count(200) == 1, codes
    assert set(codes) <= {200, 401, 429}, codes
    assert agent_state(local_server, agent_id)["locked"] is False


def test_one_use_refresh_tokens_a_race_ends_the_session(local_server: LocalServer) -> None:
    """Rule: a refresh token is good for one use: of 20 parallel presentations at most
    one gets tokens, and the session is ended: the winner's new tokens stop working too.
    (Red team, v1: one 200, one 401, and the session lived on.)"""
    account, _ = new_agent(local_server)
    tokens = login(local_server, account, PASSWORD).json()
    answers = race(CLIENTS, lambda session, _: call(
        local_server, "POST", "/auth/refresh", session=session,
        json={"refreshToken": tokens["refreshToken"]}))
    codes = statuses(answers)
    assert codes.count(200) <= 1 and set(codes) <= {200, 401}, codes
    for winner in (a.json() for a in answers if a.status_code == 200):
        assert call(local_server, "GET", "/me", token=winner["accessToken"]).status_code == 401
        again = post(local_server, "/auth/refresh", {"refreshToken": winner["refreshToken"]})
        assert again.status_code == 401
    assert call(local_server, "GET", "/me", token=tokens["accessToken"]).status_code == 401


def test_a_recovery_code_sets_one_password_under_20_parallel_resets(
        local_server: LocalServer) -> None:
    """Rule: a recovery code is single use (conditional delete in the password's own
    transaction): of 20 parallel resets with the right code exactly one sets a password."""
    account, _ = new_agent(local_server)
    assert post(local_server, "/password/forgot",
                {"login": account, "channel": "email"}).status_code == 202
    mail = next(m for m in reversed(outbox(local_server))
                if m["to"] == f"{account}@example.com" and m["channel"] == "email")
    found = re.search(r"\b(\d{6})\b", mail["body"])
    assert found is not None, mail
    code = found.group(1)
    answers = race(CLIENTS, lambda session, index: call(
        local_server, "POST", "/password/reset", session=session, json={
            "login": account, "code": code, "newPassword": f"Brand-New-Passw0rd-{index:02d}"}))
    codes = statuses(answers)
    assert codes.count(204) == 1 and set(codes) <= {204, 400}, codes
    winner = next(index for index, a in enumerate(answers) if a.status_code == 204)
    assert login(local_server, account, f"Brand-New-Passw0rd-{winner:02d}").status_code == 200

"""Helpers of the two-factor tests: sign-in steps with the area's defaults, enrolment,
codes. Agents, clocks, sign-in and concurrency come from ``tests/support``."""

from __future__ import annotations

from typing import Any

import pyotp
from roster_local import LocalResponse, Runtime
from support import api
from support.agents import AGENT_PASSWORD, OWNER_PASSWORD
from support.api import bearer
from support.clocks import SteerableClock


def login(runtime: Runtime, account: str, password: str = AGENT_PASSWORD,
          source_ip: str = "127.0.0.1") -> LocalResponse:
    return api.login(runtime, account, password, source_ip=source_ip)


def tokens_for(runtime: Runtime, account: str, password: str = AGENT_PASSWORD) -> str:
    """An access token for an agent without 2FA."""
    return api.access_token(runtime, account, password)


def owner_token(runtime: Runtime) -> str:
    runtime.create_owner(OWNER_PASSWORD)
    return tokens_for(runtime, "admin", OWNER_PASSWORD)


def challenge_session(runtime: Runtime, account: str) -> str:
    response = login(runtime, account)
    assert response.status == 200, response.json()
    body = response.json()
    assert body["status"] == "challenge" and body["challenge"] == "TOTP_REQUIRED"
    return str(body["session"])


def answer(runtime: Runtime, session: str, *, code: str | None = None,
           backup_code: str | None = None, source_ip: str = "127.0.0.1") -> LocalResponse:
    body: dict[str, Any] = {"session": session, "challenge": "TOTP_REQUIRED"}
    if code is not None:
        body["code"] = code
    if backup_code is not None:
        body["backupCode"] = backup_code
    return runtime.invoke("POST", "/auth/challenge", body=body, source_ip=source_ip)


def enrol(runtime: Runtime, token: str, steered: SteerableClock,
          password: str = AGENT_PASSWORD, source_ip: str = "127.0.0.1") -> tuple[str, list[str]]:
    """Turn 2FA on with the current step's code (``password``: the agent's, asked again
    to start); return the secret and backup codes."""
    started = runtime.invoke("POST", "/me/two-factor", headers=bearer(token),
                             body={"currentPassword": password}, source_ip=source_ip)
    assert started.status == 200, started.json()
    secret = str(started.json()["secret"])
    confirmed = runtime.invoke("POST", "/me/two-factor/confirm", headers=bearer(token),
                               body={"code": pyotp.TOTP(secret).at(steered.epoch)},
                               source_ip=source_ip)
    assert confirmed.status == 200, confirmed.json()
    return secret, list(confirmed.json()["backupCodes"])


def wrong_code(secret: str, moment: float) -> str:
    """A six-digit code that is none of the drift window's codes."""
    app = pyotp.TOTP(secret)
    window = {app.at(moment + 30 * offset) for offset in (-1, 0, 1)}
    return next(code for code in (f"{n:06d}" for n in range(1_000_000)) if code not in window)

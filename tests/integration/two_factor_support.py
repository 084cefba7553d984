"""Helpers for the two-factor integration tests: agents, sign-in, a steerable clock.

Agents are created through the repository (the agents routes are another area's), the
rest goes through the runtime as a client would.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pyotp
import pytest
from roster import clock, passwords
from roster.local import LocalResponse, Runtime
from roster.models.agent import AgentRecord
from roster.models.credentials import PasswordCredential
from roster.repository import get_repository

PASSWORD = "Sturdy-Passw0rd-42"
OWNER_PASSWORD = "Owner-Passw0rd-4242"


class SteerableClock:
    """``roster.clock.now`` under the test's control, starting 5 s into a 30-s step.

    Access tokens are checked against the real time (not issued in the future, not
    expired), so it starts ``BEHIND_SECONDS`` behind the real time: a test may move it
    on a few steps and still get tokens that work.
    """

    BEHIND_SECONDS = 300

    def __init__(self) -> None:
        start = datetime.now(UTC).timestamp() - self.BEHIND_SECONDS
        self.moment = datetime.fromtimestamp((start // 30) * 30 + 5, UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)

    @property
    def epoch(self) -> float:
        return self.moment.timestamp()


def steer_clock(monkeypatch: pytest.MonkeyPatch) -> SteerableClock:
    """Put ``roster.clock.now`` under a ``SteerableClock`` for this test."""
    fake = SteerableClock()
    monkeypatch.setattr(clock, "now", fake.now)
    return fake


def make_dynamodb_atomic(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each DynamoDB request atomic, as in DynamoDB itself.

    moto serves requests from many threads without a lock, and a cancelled transaction
    restores a snapshot of the whole table taken when it started, which would erase
    other threads' writes; one lock around each request gives DynamoDB's semantics
    back, so the concurrency tests exercise our conditions, not moto's races.
    """
    from moto.dynamodb.responses import DynamoHandler

    lock = threading.Lock()
    original = DynamoHandler.call_action

    def call_action(self: DynamoHandler) -> Any:
        with lock:
            return original(self)

    monkeypatch.setattr(DynamoHandler, "call_action", call_action)


@dataclass
class Agent:
    id: str
    account: str
    email: str


def create_agent(account: str, *, roles: list[str] | None = None,
                 ip_allowlist: list[str] | None = None, temporary: bool = False,
                 language: str = "en") -> Agent:
    stamp = clock.iso(clock.now())
    record = AgentRecord(
        id=str(uuid.uuid4()), account=account, email=f"{account}@example.com",
        firstName=account.capitalize(), alias=account, roles=roles or ["agent"],
        ipAllowlist=ip_allowlist or [], language=language,
        passwordStatus="temporary" if temporary else "set", createdAt=stamp, updatedAt=stamp,
    )
    expires = clock.iso(clock.now() + timedelta(days=7)) if temporary else None
    get_repository().create_agent(record, password=PasswordCredential(
        hash=passwords.hash_password(PASSWORD), temporary=temporary, expiresAt=expires,
        setAt=stamp))
    return Agent(record.id, record.account, record.email)


def set_password(agent_id: str, password: str) -> None:
    """What a password reset stores (the reset route is another area's)."""
    repository = get_repository()
    repository.table.put(repository.password_item(agent_id, PasswordCredential(
        hash=passwords.hash_password(password), setAt=clock.iso(clock.now()))))


def record_of(agent_id: str) -> AgentRecord:
    record = get_repository().get_agent(agent_id)
    assert record is not None
    return record


def login(runtime: Runtime, account: str, password: str = PASSWORD,
          source_ip: str = "127.0.0.1") -> LocalResponse:
    return runtime.invoke("POST", "/auth/login", body={"login": account, "password": password},
                          source_ip=source_ip)


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


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def tokens_for(runtime: Runtime, account: str, password: str = PASSWORD) -> str:
    """An access token for an agent without 2FA."""
    response = login(runtime, account, password)
    assert response.status == 200 and response.json()["status"] == "authenticated"
    return str(response.json()["accessToken"])


def owner_token(runtime: Runtime) -> str:
    runtime.create_owner(OWNER_PASSWORD)
    return tokens_for(runtime, "admin", OWNER_PASSWORD)


def enrol(runtime: Runtime, token: str, steered: SteerableClock) -> tuple[str, list[str]]:
    """Turn 2FA on with the current step's code; return the secret and backup codes."""
    started = runtime.invoke("POST", "/me/two-factor", headers=bearer(token))
    assert started.status == 200, started.json()
    secret = str(started.json()["secret"])
    confirmed = runtime.invoke("POST", "/me/two-factor/confirm", headers=bearer(token),
                               body={"code": pyotp.TOTP(secret).at(steered.epoch)})
    assert confirmed.status == 200, confirmed.json()
    return secret, list(confirmed.json()["backupCodes"])


def wrong_code(secret: str, moment: float) -> str:
    """A six-digit code that is none of the drift window's codes."""
    app = pyotp.TOTP(secret)
    window = {app.at(moment + 30 * offset) for offset in (-1, 0, 1)}
    return next(code for code in (f"{n:06d}" for n in range(1_000_000)) if code not in window)


def audit_actions(agent_id: str) -> list[dict[str, Any]]:
    from roster.repository import keys
    from roster.repository.table import Expression

    items, _ = get_repository().table.query(Expression(
        "pk = :pk", values={":pk": keys.audit_partition(agent_id)}), consistent=True)
    return items

"""Access tokens: signed, expiring, and useless once changed by one character."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from roster import clock, tokens

KEY = "k" * 64


@pytest.fixture(autouse=True)
def signing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokens, "_signing_key", lambda: KEY)


def test_a_token_we_issued_reads_back() -> None:
    token = tokens.issue_access_token("agent-1", "session-1", ["admin", "qa"])
    claims = tokens.read_access_token(token)
    assert claims == tokens.AccessClaims("agent-1", "session-1", ("admin", "qa"))


def test_a_token_with_one_character_changed_is_refused() -> None:
    token = tokens.issue_access_token("agent-1", "session-1", ["agent"])
    for index in (10, len(token) // 2, len(token) - 2):
        changed = token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1 :]
        assert tokens.read_access_token(changed) is None


def test_an_expired_token_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    issued_at = datetime(2026, 1, 1, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: issued_at)
    token = tokens.issue_access_token("agent-1", "session-1", [])
    # The real clock is far past the 15-minute lifetime.
    assert tokens.read_access_token(token) is None


def test_tokens_signed_with_another_key_or_algorithm_are_refused() -> None:
    now = datetime.now(UTC)
    claims = {
        "iss": "roster",
        "aud": "roster-api",
        "sub": "a",
        "sid": "s",
        "roles": [],
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    assert tokens.read_access_token(jwt.encode(claims, "other" * 13, algorithm="HS256")) is None
    unsigned = jwt.encode(claims, None, algorithm="none")
    assert tokens.read_access_token(unsigned) is None
    assert tokens.read_access_token("not.a.token") is None


def test_refresh_tokens_round_trip_and_reject_garbage() -> None:
    agent, session = str(uuid.uuid4()), str(uuid.uuid4())
    token = tokens.RefreshToken(agent, session, "secret")
    assert tokens.RefreshToken.parse(str(token)) == token
    for bad in ("", "a.b", f"{agent}.{session}", f"x.{session}.s", f"{agent}.{session}.s.t"):
        assert tokens.RefreshToken.parse(bad) is None

"""Secrets at rest (API.md, "Security rules (v2)"): recovery codes, backup codes,
verification tokens and refresh tokens are stored as HMAC-SHA-256 under a secret key held
in Secrets Manager, never as an unkeyed hash (nor one keyed by a public string).

The tests recompute the stored digests independently of ``roster.codes``: with the key
read from the provisioned ``DigestKeySecret`` they match, with only the public purpose
they do not. The key is cached (no Secrets Manager call per request) and, after a
rotation, what was issued under the previous key still verifies.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from roster import aws, codes
from roster.models.agent import AgentRecord
from roster.repository import get_repository, keys
from roster.services import email_change
from roster.services.sign_in import recovery, sessions
from roster_local import Runtime
from support.agents import AGENT_PASSWORD, make_agent, stored_agent
from support.api import sign_in
from support.digests import digest_secret, keyed, public_forms, rotate
from support.mail import emails_to, last_code, link_token

NEW_PASSWORD = "Fresh-Recovered-Pass9"


# ---------------------------------------------------------------------- helpers
@contextmanager
def secrets_manager_calls() -> Iterator[list[str]]:
    """The version stages asked of Secrets Manager inside the block."""
    stages: list[str] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        stages.append(str(params.get("VersionStage")))

    client = aws.secrets_manager()
    client.meta.events.register("provide-client-params.secrets-manager.GetSecretValue", record)
    try:
        yield stages
    finally:
        client.meta.events.unregister(
            "provide-client-params.secrets-manager.GetSecretValue", record)


def forgot(runtime: Runtime, who: str) -> None:
    answer = runtime.invoke("POST", "/password/forgot", body={"login": who, "channel": "email"})
    assert answer.status == 202


def reset(runtime: Runtime, who: str, code: str) -> int:
    return runtime.invoke("POST", "/password/reset", body={
        "login": who, "code": code, "newPassword": NEW_PASSWORD}).status


def refresh(runtime: Runtime, token: str) -> Any:
    return runtime.invoke("POST", "/auth/refresh", body={"refreshToken": token})


def email_link(runtime: Runtime, record: AgentRecord, new_email: str) -> str:
    """Start an email change (as an admin), deliver the mail, return the link's token."""
    email_change.start_change("admin-actor", record, new_email)
    runtime.pump_streams()
    return link_token([m for m in emails_to(runtime, new_email) if "?token=" in m["body"]][-1])


# ---------------------------------------------------------------------- the rule
def test_secrets_at_rest_a_stored_recovery_code_cannot_be_recomputed_without_the_digest_key(
        runtime: Runtime) -> None:
    """The rule itself. Fails when digests are keyed by the public purpose (or not keyed)
    again: then anyone reading the item or the stream finds the 6-digit code by trying
    all 10^6."""
    # Given an agent who asked for a recovery code
    agent = make_agent(account="jdoe")
    forgot(runtime, "jdoe")
    code = last_code(runtime, agent.email)
    item = get_repository().table.get(keys.recovery_code(agent.id))
    assert item is not None
    stored = str(item["codeDigest"])
    # Then the digest is none of the forms the code and the public purpose give
    bound = f"{agent.id}:{code}"
    assert stored not in public_forms(bound, recovery.RECOVERY_PURPOSE)
    assert stored not in public_forms(code, recovery.RECOVERY_PURPOSE)
    # And it is the HMAC under the key in Secrets Manager (not the token signing key)
    assert stored == keyed(digest_secret(), bound, recovery.RECOVERY_PURPOSE)
    signing = boto3.client("secretsmanager").get_secret_value(
        SecretId=os.environ["ROSTER_TOKEN_SECRET_ID"])["SecretString"]
    assert signing != digest_secret()


def test_secrets_at_rest_refresh_tokens_are_stored_under_the_digest_key(
        runtime: Runtime) -> None:
    """Fails when the refresh token's digest is keyed by its public purpose again."""
    # Given an agent who signed in
    make_agent(account="jdoe")
    agent_id, session_id, secret = sign_in(runtime, "jdoe", AGENT_PASSWORD)[
        "refreshToken"].split(".")
    # Then its session holds the keyed digest of the token's secret, no public form
    item = get_repository().table.get(keys.session(agent_id, session_id))
    assert item is not None
    assert item["refreshDigest"] not in public_forms(secret, sessions.REFRESH_PURPOSE)
    assert item["refreshDigest"] == keyed(digest_secret(), secret, sessions.REFRESH_PURPOSE)
    assert secret not in str(item)


def test_secrets_at_rest_verification_tokens_are_stored_under_the_digest_key(
        runtime: Runtime) -> None:
    """Fails when the email-change token's digest is keyed by its public purpose again."""
    # Given an agent with a pending email change
    agent = make_agent(account="jdoe")
    agent_id, secret = email_link(runtime, agent, "new@example.com").split(".")
    # Then the change holds the keyed digest of the link's secret, no public form
    item = get_repository().table.get(keys.email_change(agent_id))
    assert item is not None
    assert item["digest"] not in public_forms(secret, email_change.TOKEN_PURPOSE)
    assert item["digest"] == keyed(digest_secret(), secret, email_change.TOKEN_PURPOSE)


# ---------------------------------------------------------------------- caching
def test_the_digest_key_is_fetched_once_per_cache_period_not_per_digest(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """Warm functions do not call Secrets Manager per request. Fails when the key cache
    (or the cached absence of a previous version) is removed."""
    # Given a key never rotated and a fresh cache
    codes.forget_keys()
    stored = codes.digest("secret", purpose="p")
    # When many digests are made and many wrong secrets compared (each tries the
    # previous key too, which does not exist)
    with secrets_manager_calls() as stages:
        for number in range(50):
            assert codes.digest(f"s{number}", purpose="p") != stored
            assert not codes.matches(stored, f"s{number}", purpose="p")
        assert codes.matches(stored, "secret", purpose="p")
    # Then Secrets Manager was asked once, for the previous version only (whose absence
    # is cached too): the current one was already cached by the first digest
    assert stages == [codes.PREVIOUS]
    # And once the cache period is over, the next digest asks again
    later = time.monotonic() + codes.KEY_CACHE_SECONDS + 1
    with secrets_manager_calls() as stages, monkeypatch.context() as patch:
        patch.setattr(time, "monotonic", lambda: later)
        codes.digest("secret", purpose="p")
    assert stages == [codes.CURRENT]


# ---------------------------------------------------------------------- rotation
def test_after_a_rotation_what_was_issued_under_the_previous_key_still_verifies(
        runtime: Runtime) -> None:
    """docs/operations.md: digests are written with AWSCURRENT and checked against
    AWSPREVIOUS too. Fails when verification stops falling back to the previous key."""
    # Given a recovery code, a session and an email link issued under the first key
    agent = make_agent(account="jdoe")
    first = sign_in(runtime, "jdoe", AGENT_PASSWORD)["refreshToken"]
    forgot(runtime, "jdoe")
    code = last_code(runtime, agent.email)
    link = email_link(runtime, agent, "new@example.com")
    # When the key is rotated
    rotate()
    # Then the refresh token still works, and its successor is digested with the new key
    renewed = refresh(runtime, first)
    assert renewed.status == 200, renewed.json()
    agent_id, session_id, secret = renewed.json()["refreshToken"].split(".")
    item = get_repository().table.get(keys.session(agent_id, session_id))
    assert item is not None
    assert item["refreshDigest"] == keyed(digest_secret(), secret, sessions.REFRESH_PURPOSE)
    # And the recovery code still sets the password, the link still changes the email
    assert reset(runtime, "jdoe", code) == 204
    assert sign_in(runtime, "jdoe", NEW_PASSWORD)["status"] == "authenticated"
    assert runtime.invoke("POST", "/email-verification", body={"token": link}).status == 204
    assert stored_agent(agent.id).email == "new@example.com"


def test_a_refresh_token_reused_across_a_rotation_still_ends_the_session(
        runtime: Runtime) -> None:
    """Reuse detection compares with the previous key too. Fails when it compares the
    current key's digest only."""
    # Given a session whose first refresh token was rotated before the key was
    make_agent(account="jdoe")
    first = sign_in(runtime, "jdoe", AGENT_PASSWORD)["refreshToken"]
    second = refresh(runtime, first).json()["refreshToken"]
    rotate()
    # When the already used first token is presented again
    reused = refresh(runtime, first)
    # Then it is refused and the session ends: the live token stops working too
    assert reused.status == 401
    assert refresh(runtime, second).status == 401


def test_a_second_rotation_retires_the_first_key(runtime: Runtime) -> None:
    """Only AWSCURRENT and AWSPREVIOUS are accepted: two rotations retire a key (the
    way to invalidate everything issued under a leaked key). Fails if an older version
    (or the public purpose) still verifies."""
    # Given a recovery code issued under a key that was then rotated twice
    agent = make_agent(account="jdoe")
    forgot(runtime, "jdoe")
    code = last_code(runtime, agent.email)
    rotate()
    rotate()
    # Then the code no longer works
    assert reset(runtime, "jdoe", code) == 400


def test_an_enrolment_backup_code_still_works_after_a_rotation(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """Backup codes are read by their digest (it is their key), so after a rotation the
    previous key's digest is looked up too: enrolment codes never expire and must
    survive a rotation. Fails when the sign-in looks up the current key's digest only."""
    from support.clocks import steer_clock
    from support.two_factor import answer, challenge_session, enrol, tokens_for

    make_agent(account="jdoe")
    steered = steer_clock(monkeypatch)
    _, backup_codes = enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    rotate()
    assert answer(runtime, challenge_session(runtime, "jdoe"),
                  backup_code=backup_codes[0]).status == 200
    # and, used once, it is known as used under either key
    assert answer(runtime, challenge_session(runtime, "jdoe"),
                  backup_code=backup_codes[0]).status == 401

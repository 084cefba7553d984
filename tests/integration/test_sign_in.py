"""Sign-in, tokens, sessions and the authorizer, through the local runtime (moto)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from roster import clock
from roster.repository import get_repository, keys
from roster_local import Runtime
from support.agents import AGENT_PASSWORD, OWNER_PASSWORD, make_agent
from support.api import bearer, login


@pytest.fixture
def owner(runtime: Runtime) -> Runtime:
    runtime.create_owner(OWNER_PASSWORD)
    return runtime


def test_owner_signs_in_and_reads_itself(owner: Runtime) -> None:
    # Given the owner created on start, When it signs in with its password
    response = login(owner, "admin", OWNER_PASSWORD)
    # Then it gets a token pair
    assert response.status == 200
    tokens = response.json()
    assert tokens["status"] == "authenticated" and tokens["tokenType"] == "Bearer"
    assert tokens["expiresIn"] == 900
    # And GET /me with the access token is the owner
    me = owner.invoke("GET", "/me", headers=bearer(tokens["accessToken"]))
    assert me.status == 200
    body = me.json()
    assert (body["account"], body["email"], body["isOwner"]) == ("admin", "admin@example.com",
                                                                True)
    assert body["roles"] == ["admin"] and body["passwordStatus"] == "set"
    assert body["lastLoginAt"] is not None
    assert not any(k in body for k in ("hash", "sessionEpoch", "twoFactorFailures", "photoKey"))


def test_login_by_email_ignores_case(owner: Runtime) -> None:
    assert login(owner, "ADMIN@Example.COM", OWNER_PASSWORD).status == 200
    assert login(owner, "Admin", OWNER_PASSWORD).status == 200


def test_unknown_login_wrong_password_and_no_password_answer_alike(owner: Runtime) -> None:
    # Given an invited agent with no password yet (OWASP: no account enumeration)
    make_agent(account="invited", password=None)
    answers = [
        login(owner, "nobody", "Whatever-Passw0rd"),
        login(owner, "admin", "Wrong-Passw0rd-123"),
        login(owner, "invited", "Whatever-Passw0rd"),
    ]
    # Then all three are the same 401 invalid_credentials, byte for byte but the detail
    assert {a.status for a in answers} == {401}
    bodies = [a.json() for a in answers]
    assert all(b == bodies[0] for b in bodies)
    assert bodies[0]["code"] == "invalid_credentials"
    assert answers[0].header("Content-Type") == "application/problem+json"


def test_malformed_login_bodies_are_422_not_5xx(owner: Runtime) -> None:
    for body in ("{not json", '{"login": 5}', "[]", '{"login": "a"}', ""):
        response = owner.invoke("POST", "/auth/login", body=body)
        assert response.status == 422, body
        assert response.json()["code"] == "validation_failed"


def test_refresh_rotates_and_a_reused_refresh_token_ends_the_session(owner: Runtime) -> None:
    first = login(owner, "admin", OWNER_PASSWORD).json()
    # When the refresh token is used, Then a new pair comes back
    second = owner.invoke("POST", "/auth/refresh", body={"refreshToken": first["refreshToken"]})
    assert second.status == 200
    rotated = second.json()
    assert rotated["refreshToken"] != first["refreshToken"]
    assert owner.invoke("GET", "/me", headers=bearer(rotated["accessToken"])).status == 200
    # When the old refresh token is replayed, Then it is refused and the session ends
    replay = owner.invoke("POST", "/auth/refresh", body={"refreshToken": first["refreshToken"]})
    assert (replay.status, replay.json()["code"]) == (401, "invalid_token")
    assert owner.invoke("POST", "/auth/refresh",
                        body={"refreshToken": rotated["refreshToken"]}).status == 401
    assert owner.invoke("GET", "/me", headers=bearer(rotated["accessToken"])).status == 401


def test_garbage_refresh_tokens_are_401(owner: Runtime) -> None:
    for token in ("x", f"{uuid.uuid4()}.{uuid.uuid4()}.nope", "a.b.c"):
        response = owner.invoke("POST", "/auth/refresh", body={"refreshToken": token})
        assert (response.status, response.json()["code"]) == (401, "invalid_token")


def test_logout_revokes_the_session_at_once(owner: Runtime) -> None:
    tokens = login(owner, "admin", OWNER_PASSWORD).json()
    assert owner.invoke("POST", "/auth/logout", headers=bearer(tokens["accessToken"])).status == 204
    after = owner.invoke("GET", "/me", headers=bearer(tokens["accessToken"]))
    assert (after.status, after.json()["code"]) == (401, "unauthorized")
    refresh = owner.invoke("POST", "/auth/refresh", body={"refreshToken": tokens["refreshToken"]})
    assert refresh.status == 401


def test_tampered_expired_and_missing_tokens_are_401(owner: Runtime,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    token = login(owner, "admin", OWNER_PASSWORD).json()["accessToken"]
    index = len(token) // 2
    tampered = token[:index] + ("x" if token[index] != "x" else "y") + token[index + 1:]
    assert owner.invoke("GET", "/me", headers=bearer(tampered)).status == 401
    assert owner.invoke("GET", "/me", headers={"Authorization": token}).status == 401
    assert owner.invoke("GET", "/me").status == 401
    # An access token issued 16 minutes ago has expired (15-minute lifetime)
    past = datetime.now(UTC) - timedelta(minutes=16)
    monkeypatch.setattr(clock, "now", lambda: past)
    old = login(owner, "admin", OWNER_PASSWORD).json()["accessToken"]
    monkeypatch.undo()
    response = owner.invoke("GET", "/me", headers=bearer(old))
    assert (response.status, response.json()["code"]) == (401, "unauthorized")


def test_a_token_without_the_permission_is_403(owner: Runtime) -> None:
    # Given an agent (no permissions) signed in
    agent = make_agent()
    token = login(owner, "jdoe", AGENT_PASSWORD).json()["accessToken"]
    # When it calls a route that needs agents:credentials, Then 403 forbidden
    response = owner.invoke("DELETE", f"/agents/{agent.id}/sessions", headers=bearer(token))
    assert (response.status, response.json()["code"]) == (403, "forbidden")
    # But self-service works
    assert owner.invoke("GET", "/me", headers=bearer(token)).status == 200


def test_admin_revokes_every_session_of_an_agent(owner: Runtime) -> None:
    agent = make_agent()
    agent_tokens = [login(owner, "jdoe", AGENT_PASSWORD).json() for _ in range(2)]
    admin = login(owner, "admin", OWNER_PASSWORD).json()["accessToken"]
    assert owner.invoke("DELETE", f"/agents/{agent.id}/sessions",
                        headers=bearer(admin)).status == 204
    for tokens in agent_tokens:
        assert owner.invoke("GET", "/me", headers=bearer(tokens["accessToken"])).status == 401
        assert owner.invoke("POST", "/auth/refresh",
                            body={"refreshToken": tokens["refreshToken"]}).status == 401
    # A new sign-in works again
    assert login(owner, "jdoe", AGENT_PASSWORD).status == 200
    missing = owner.invoke("DELETE", f"/agents/{uuid.uuid4()}/sessions", headers=bearer(admin))
    assert (missing.status, missing.json()["code"]) == (404, "not_found")


def test_inactive_agents_cannot_sign_in_and_their_tokens_stop(owner: Runtime) -> None:
    agent = make_agent()
    token = login(owner, "jdoe", AGENT_PASSWORD).json()["accessToken"]
    get_repository().table.update(keys.agent(agent.id), "SET active = :f",
                                  values={":f": False})
    assert owner.invoke("GET", "/me", headers=bearer(token)).status == 401
    response = login(owner, "jdoe", AGENT_PASSWORD)
    assert (response.status, response.json()["code"]) == (403, "account_inactive")
    # A wrong password for an inactive agent reveals nothing more than any wrong password
    assert login(owner, "jdoe", "Wrong-Passw0rd-123").json()["code"] == "invalid_credentials"


def test_wrong_passwords_throttle_the_login_string(owner: Runtime,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # Given ROSTER_PASSWORD_MAX_FAILURES=10 (the default)
    for _ in range(10):
        assert login(owner, "admin", "Wrong-Passw0rd-123").status == 401
    # Then even the right password is refused for the lockout period
    throttled = login(owner, "admin", OWNER_PASSWORD)
    assert (throttled.status, throttled.json()["code"]) == (429, "too_many_attempts")
    # And an unknown login is throttled the same way (it reveals nothing)
    for _ in range(10):
        login(owner, "ghost", "Wrong-Passw0rd-123")
    assert login(owner, "ghost", "Wrong-Passw0rd-123").status == 429
    # After 900 s the right password works and resets the count
    later = datetime.now(UTC) + timedelta(seconds=901)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert login(owner, "admin", OWNER_PASSWORD).status == 200
    owner_id = get_repository().find_agent_id("admin")
    assert owner_id is not None
    subject = keys.agent_subject(owner_id)
    everywhere = get_repository().table.get(keys.sign_in_throttle(subject))
    assert everywhere is not None and everywhere["failures"] == 0
    reset = get_repository().table.get(keys.sign_in_source_throttle(subject, "127.0.0.1"))
    assert reset is not None and reset["failures"] == 0 and reset.get("lastSuccessAt")


def test_every_sign_in_outcome_is_audited_without_secrets(owner: Runtime) -> None:
    login(owner, "admin", OWNER_PASSWORD)
    login(owner, "admin", "Wrong-Passw0rd-123")
    client = boto3.client("dynamodb")
    table = owner.environment["ROSTER_TABLE_NAME"]
    items = client.query(TableName=table, IndexName="gsi1",
                         KeyConditionExpression="gsi1pk = :p",
                         ExpressionAttributeValues={":p": {"S": "AUDIT"}})["Items"]
    actions = [item["action"]["S"] for item in items]
    assert "sign_in.succeeded" in actions and "sign_in.failed" in actions
    dumped = str(items)
    assert OWNER_PASSWORD not in dumped and "Wrong-Passw0rd" not in dumped
    assert "$argon2" not in dumped


def test_bootstrap_owner_gets_a_sealed_temporary_password_by_email(runtime: Runtime) -> None:
    # Given the deployed bootstrap (temporary password), When the owner is created
    from roster.services.bootstrap import create_owner

    password = create_owner("boss", "boss@example.com", None, temporary=True)
    # Then the outbox item holds the password only sealed (a test may Scan; requests never do)
    client = boto3.client("dynamodb")
    table = runtime.environment["ROSTER_TABLE_NAME"]
    pending = client.scan(TableName=table, FilterExpression="#t = :o",
                          ExpressionAttributeNames={"#t": "type"},
                          ExpressionAttributeValues={":o": {"S": "outbox"}})["Items"]
    assert len(pending) == 1 and "sealed" in pending[0]
    assert password not in str(pending)
    # And the first message through the notifier is the welcome email with the password
    runtime.pump_streams()
    mail = [m for m in runtime.outbox() if m["to"] == "boss@example.com"]
    assert len(mail) == 1 and password in mail[0]["body"]
    sent = client.get_item(TableName=table, Key={"pk": pending[0]["pk"], "sk": pending[0]["sk"]})
    assert sent["Item"]["status"]["S"] == "sent" and "sealed" not in sent["Item"]
    # And signing in asks for a new password first
    answer = login(runtime, "boss", password).json()
    assert answer["status"] == "challenge" and answer["challenge"] == "NEW_PASSWORD_REQUIRED"
    # A second bootstrap run (CloudFormation retry) changes nothing
    assert create_owner("boss", "boss@example.com", None, temporary=True) == ""


def test_the_openapi_document_is_served(runtime: Runtime) -> None:
    response = runtime.invoke("GET", "/openapi.json")
    assert response.status == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert "/auth/login" in document["paths"]


def test_answers_are_never_cached(runtime: Runtime) -> None:
    """RFC 6749 §5.1: token answers carry ``Cache-Control: no-store`` (every API answer
    does: codes and agents' data are no more cacheable)."""
    runtime.create_owner(OWNER_PASSWORD)
    signed = login(runtime, "admin", OWNER_PASSWORD)
    assert signed.status == 200 and signed.headers["Cache-Control"] == "no-store"
    refused = login(runtime, "admin", "Wrong-Passw0rd-123")
    assert refused.headers["Cache-Control"] == "no-store"

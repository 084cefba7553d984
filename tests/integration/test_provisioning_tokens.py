"""Provisioning tokens through the emulated stack (API.md "Provisioning tokens and SCIM
2.0"): created by an admin and shown once, listed without the secret, stored as a keyed
digest only, revoked effective on the next request; accepted on /scim/v2 only, never a
JWT there; expiry and source CIDRs; ``lastUsedAt`` to the minute; audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from roster import clock
from roster.models.provisioning import TOKEN_PREFIX
from roster.repository import get_repository
from roster.scim_api import ERROR_SCHEMA, SCIM_CONTENT_TYPE
from roster.services.provisioning import DIGEST_PURPOSE
from roster_local import Runtime
from support.agents import AGENT_PASSWORD
from support.api import Caller, new_agent, signed_in
from support.digests import digest_secret, keyed, public_forms, rotate
from support.scim import provisioning_token, scim_caller

SPC = "/scim/v2/ServiceProviderConfig"


def _table_text() -> str:
    repository = get_repository()
    items = repository.table.client.scan(TableName=repository.table.name)["Items"]
    return json.dumps(items)


def _scim_error(response: object, status: int) -> dict[str, object]:
    assert response.status == status, response.body[:300]  # type: ignore[attr-defined]
    assert response.header("Content-Type") == SCIM_CONTENT_TYPE  # type: ignore[attr-defined]
    document: dict[str, object] = response.json()  # type: ignore[attr-defined]
    assert document["schemas"] == [ERROR_SCHEMA] and document["status"] == str(status)
    return document


def test_a_token_is_shown_once_and_kept_only_as_its_keyed_digest(admin: Caller) -> None:
    # When an admin creates a token
    created = provisioning_token(admin, "Entra ID production")
    token = str(created["token"])
    # Then it is rstp_ + 32 random bytes (base64url), with its id, name and times
    assert token.startswith(TOKEN_PREFIX) and len(token) == len(TOKEN_PREFIX) + 43
    assert set(created) == {"id", "name", "token", "createdAt", "expiresAt", "allowedCidrs"}
    assert (created["name"], created["expiresAt"], created["allowedCidrs"]) == (
        "Entra ID production", None, [])
    # And the table holds its digest under the secret digest key, never the token,
    # nor a digest anyone could compute without that key
    text = _table_text()
    assert token not in text and token[len(TOKEN_PREFIX):] not in text
    assert keyed(digest_secret(), token, DIGEST_PURPOSE) in text
    assert not any(form in text for form in public_forms(token, DIGEST_PURPOSE))
    # And the list never shows it again, nor its digest
    listed = admin.call("GET", "/provisioning-tokens")
    assert listed.status == 200
    [entry] = listed.json()["items"]
    assert entry == {key: created[key] for key in
                     ("id", "name", "createdAt", "expiresAt", "allowedCidrs")} | {
        "lastUsedAt": None}
    assert token not in listed.text and keyed(digest_secret(), token, DIGEST_PURPOSE) \
        not in listed.text


def test_the_token_works_on_scim_and_its_revocation_on_the_next_request(
        admin: Caller) -> None:
    created = provisioning_token(admin)
    scim = Caller(admin.runtime, str(created["token"]))
    # When the identity provider calls SCIM with it
    answer = scim.call("GET", SPC)
    # Then it gets through, answered in SCIM's content type
    assert answer.status == 200, answer.body[:300]
    assert answer.header("Content-Type") == SCIM_CONTENT_TYPE
    assert answer.json()["schemas"] == [
        "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]
    # When an admin revokes it
    assert admin.call("DELETE", f"/provisioning-tokens/{created['id']}").status == 204
    # Then the very next request is refused, and it is gone from the list
    _scim_error(scim.call("GET", SPC), 401)
    assert admin.call("GET", "/provisioning-tokens").json()["items"] == []
    # And revoking it again (or any unknown id) is 404
    again = admin.call("DELETE", f"/provisioning-tokens/{created['id']}")
    assert again.status == 404 and again.json()["code"] == "not_found"


def test_creation_and_revocation_are_audited_without_the_secret(admin: Caller) -> None:
    created = provisioning_token(admin, "Okta")
    admin.call("DELETE", f"/provisioning-tokens/{created['id']}")
    events = admin.call("GET", "/audit").json()["items"]
    mine = [event for event in events if event["action"].startswith("provisioning_token.")]
    assert [event["action"] for event in mine] == ["provisioning_token.revoked",
                                                  "provisioning_token.created"]
    assert all(event["details"]["tokenId"] == created["id"] for event in mine)
    assert all(event["actorId"] == mine[0]["actorId"] != created["id"] for event in mine)
    assert str(created["token"]) not in json.dumps(events)


def test_only_provisioning_manage_may_manage_tokens(owner: Runtime, admin: Caller) -> None:
    # Given a manager (agents:read/write/credentials, not provisioning:manage)
    new_agent(admin, "manager1", roles=["manager"])
    manager = signed_in(owner, "manager1", AGENT_PASSWORD)
    created = provisioning_token(admin)
    # Then every token route refuses it
    for method, path, body in (("POST", "/provisioning-tokens", {"name": "x"}),
                               ("GET", "/provisioning-tokens", None),
                               ("DELETE", f"/provisioning-tokens/{created['id']}", None)):
        answer = manager.call(method, path, body)
        assert answer.status == 403 and answer.json()["code"] == "forbidden", (method, path)


def test_a_provisioning_token_is_refused_on_the_main_api_and_a_jwt_on_scim(
        admin: Caller, scim: Caller) -> None:
    # A provisioning token on the main API: 401 (its authorizer takes JWTs only)
    for path in ("/me", "/agents", "/provisioning-tokens"):
        answer = admin.runtime.invoke("GET", path, headers=scim.headers)
        assert answer.status == 401 and answer.json()["code"] == "unauthorized", path
    # An admin's JWT on SCIM: 401, in SCIM's schema
    _scim_error(admin.call("GET", SPC), 401)
    # A made-up rstp_ token, or one with a character changed: 401
    _scim_error(admin.runtime.invoke("GET", SPC, headers={
        "Authorization": f"Bearer {TOKEN_PREFIX}{'A' * 43}"}), 401)
    tampered = scim.token[:-1] + ("A" if scim.token[-1] != "A" else "B")
    _scim_error(admin.runtime.invoke("GET", SPC, headers={
        "Authorization": f"Bearer {tampered}"}), 401)


def test_an_expired_token_is_refused(admin: Caller, monkeypatch: pytest.MonkeyPatch) -> None:
    expires = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
    scim = scim_caller(admin, expiresAt=expires.isoformat())
    assert scim.call("GET", SPC).status == 200
    later = expires + timedelta(seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    _scim_error(scim.call("GET", SPC), 401)


def test_a_token_already_expired_cannot_be_created(admin: Caller) -> None:
    answer = admin.call("POST", "/provisioning-tokens", {
        "name": "x", "expiresAt": "2020-01-01T00:00:00Z"})
    assert answer.status == 422
    assert answer.json()["errors"][0]["field"] == "expiresAt"


def test_a_token_works_only_from_its_allowed_cidrs(admin: Caller) -> None:
    scim = scim_caller(admin, allowedCidrs=["10.20.0.0/16", "2001:db8::/32"])
    runtime = admin.runtime
    assert runtime.invoke("GET", SPC, headers=scim.headers, source_ip="10.20.3.4").status == 200
    assert runtime.invoke("GET", SPC, headers=scim.headers,
                          source_ip="2001:db8::7").status == 200
    refused = _scim_error(runtime.invoke("GET", SPC, headers=scim.headers,
                                         source_ip="10.21.0.1"), 403)
    assert "not allowed from this address" in str(refused["detail"])


def test_bad_cidrs_and_names_are_422(admin: Caller) -> None:
    for body, field in (({"name": "x", "allowedCidrs": ["10.0.0.300/8"]}, "allowedCidrs.0"),
                        ({"name": ""}, "name"), ({}, "name"),
                        ({"name": "x", "expiresAt": "tomorrow"}, "expiresAt")):
        answer = admin.call("POST", "/provisioning-tokens", body)
        assert answer.status == 422, body
        assert answer.json()["errors"][0]["field"] == field, answer.json()


def test_last_used_is_written_at_most_once_a_minute(admin: Caller,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    scim = scim_caller(admin)
    start = datetime.now(UTC)

    def last_used() -> str | None:
        [entry] = admin.call("GET", "/provisioning-tokens").json()["items"]
        return entry["lastUsedAt"]

    assert last_used() is None
    monkeypatch.setattr(clock, "now", lambda: start)
    scim.call("GET", SPC)
    first = last_used()
    assert first == clock.iso(start)
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(seconds=30))
    scim.call("GET", SPC)
    assert last_used() == first  # within the minute: not written again
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(seconds=61))
    scim.call("GET", SPC)
    assert last_used() == clock.iso(start + timedelta(seconds=61))


def test_tokens_are_listed_newest_first_in_pages(admin: Caller) -> None:
    ids = [provisioning_token(admin, f"token {n}")["id"] for n in range(3)]
    first = admin.call("GET", "/provisioning-tokens", query={"limit": "2"}).json()
    assert len(first["items"]) == 2 and first["nextCursor"]
    rest = admin.call("GET", "/provisioning-tokens",
                      query={"limit": "2", "cursor": first["nextCursor"]}).json()
    listed = [entry["id"] for entry in first["items"] + rest["items"]]
    assert sorted(listed) == sorted(ids) and rest["nextCursor"] is None
    tampered = admin.call("GET", "/provisioning-tokens",
                          query={"cursor": first["nextCursor"][:-2] + "xx"})
    assert tampered.status == 400 and tampered.json()["code"] == "invalid_cursor"


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-23:59", "2027-01-01T00:00:00"])
def test_an_expiry_without_a_zone_or_beyond_the_calendar_is_422(admin: Caller,
                                                                moment: str) -> None:
    answer = admin.call("POST", "/provisioning-tokens", {"name": "x", "expiresAt": moment})
    assert answer.status == 422, answer.body[:200]
    assert answer.json()["errors"][0]["field"] == "expiresAt"


def test_an_expiry_in_another_zone_is_kept_in_utc(admin: Caller) -> None:
    created = provisioning_token(admin, expiresAt="2030-06-01T02:00:00+02:00")
    assert created["expiresAt"] == "2030-06-01T00:00:00Z"


def test_a_token_in_use_survives_digest_key_rotations(admin: Caller, scim: Caller) -> None:
    # When the digest key rotates twice, the token used in between
    rotate()
    assert scim.call("GET", SPC).status == 200  # found under AWSPREVIOUS, moved to current
    assert keyed(digest_secret(), scim.token, DIGEST_PURPOSE) in _table_text()
    rotate()
    # Then it still works (an unused one would be retired by the second rotation)
    assert scim.call("GET", SPC).status == 200

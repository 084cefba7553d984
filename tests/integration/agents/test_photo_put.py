"""PUT /me/photo and PUT /agents/{id}/photo: the image itself through the API (the web
app's CSP keeps a browser on its own origin), over the emulated stack (moto S3)."""

from __future__ import annotations

from typing import Any

import pytest
from roster import aws
from roster.config import get_settings
from roster.models.agents_api import MAX_PHOTO_BYTES
from support.agents import AGENT_PASSWORD, make_agent, stored_agent
from support.api import Caller, new_agent, signed_in
from support.audit import audit_actions
from support.images import JPEG, WEBP, png


def _objects(agent_id: str) -> dict[str, tuple[bytes, str]]:
    """The agent's photo objects in the bucket: key -> (bytes, Content-Type)."""
    bucket = get_settings().photo_bucket
    listed = aws.s3().list_objects_v2(Bucket=bucket, Prefix=f"photos/{agent_id}/")
    found: dict[str, tuple[bytes, str]] = {}
    for item in listed.get("Contents", []):
        got = aws.s3().get_object(Bucket=bucket, Key=item["Key"])
        found[item["Key"]] = (got["Body"].read(), got["ContentType"])
    return found


def _put(caller: Caller, url: str, body: bytes, content_type: str | None) -> Any:
    headers = {"Content-Type": content_type} if content_type else {}
    return caller.call("PUT", url, body, headers=headers)


@pytest.mark.parametrize(("content_type", "body", "extension"), [
    ("image/png", png(), ".png"), ("image/jpeg", JPEG, ".jpg"), ("image/webp", WEBP, ".webp"),
], ids=["png", "jpeg", "webp"])
@pytest.mark.parametrize("path", ["/agents/{id}/photo", "/me/photo"])
def test_each_type_is_stored_and_the_previous_photo_deleted(
        admin: Caller, path: str, content_type: str, body: bytes, extension: str) -> None:
    # Given an agent with a photo already (sent through the API too)
    agent = new_agent(admin, "jdoe")
    caller = admin if path.startswith("/agents") else signed_in(admin.runtime, "jdoe",
                                                               AGENT_PASSWORD)
    url = path.format(id=agent["id"])
    first = _put(caller, url, png(2, 2), "image/png")
    assert first.status == 200, first.json()
    [old_key] = _objects(agent["id"])
    # When another image is put, of this type
    response = _put(caller, url, body, content_type + "; charset=binary")
    # Then the agent comes back pointing at a new key, with its ETag
    assert response.status == 200, response.json()
    answer = response.json()
    assert answer["id"] == agent["id"] and answer["photoUrl"] is not None
    assert response.header("ETag") == f'"{answer["version"]}"'
    # And the bucket holds exactly the new object, its bytes and type as sent
    objects = _objects(agent["id"])
    [(key, stored)] = objects.items()
    assert key != old_key and key.endswith(extension) and key in answer["photoUrl"]
    assert stored == (body, content_type)
    # And each change was audited as the presigned flow's are
    assert audit_actions(agent["id"]).count("agent.photo_changed") == 2


@pytest.mark.parametrize(("content_type", "body"), [
    ("image/png", JPEG),                      # a lie: JPEG bytes called PNG
    ("image/jpeg", png()),                    # and the other way round
    ("image/webp", b"RIFF\x00\x00\x00\x00AVI LIST"),  # RIFF, but not WebP
    ("image/gif", b"GIF89a" + b"\x00" * 20),  # not a photo type
    ("text/plain", png()),                    # a PNG, declared as something else
    (None, png()),                            # no Content-Type at all
    ("image/png", b""),                       # empty
], ids=["jpeg-as-png", "png-as-jpeg", "riff-not-webp", "gif", "text", "untyped", "empty"])
def test_a_wrong_type_or_an_empty_body_is_422_and_nothing_is_kept(
        admin: Caller, content_type: str | None, body: bytes) -> None:
    agent = new_agent(admin, "jdoe")
    response = _put(admin, f"/agents/{agent['id']}/photo", body, content_type)
    assert response.status == 422, response.json()
    assert response.json()["code"] == "validation_failed"
    assert response.json()["errors"][0]["field"] in {"Content-Type", "body"}
    assert _objects(agent["id"]) == {}
    assert stored_agent(agent["id"]).photoKey is None


def test_over_the_limit_is_413_and_the_limit_itself_is_taken(admin: Caller) -> None:
    agent = new_agent(admin, "jdoe")
    url = f"/agents/{agent['id']}/photo"
    largest = png()
    largest += b"\x00" * (MAX_PHOTO_BYTES - len(largest))
    # One byte over the limit: 413 payload_too_large, nothing kept
    response = _put(admin, url, largest + b"\x00", "image/png")
    assert response.status == 413 and response.json()["code"] == "payload_too_large"
    assert _objects(agent["id"]) == {}
    # Exactly the limit: kept, intact
    response = _put(admin, url, largest, "image/png")
    assert response.status == 200, response.json()
    assert [body for body, _ in _objects(agent["id"]).values()] == [largest]


def test_the_acting_rules_hold_and_a_refused_upload_leaves_no_object(owner: Any) -> None:
    """As the other ``/agents/{id}`` changes: an agent without ``agents:write`` is refused
    at the gateway; a manager acting on an admin is ``403`` (dominance), and the object
    it sent is deleted again; an unknown agent is ``404``."""
    runtime = owner
    boss = make_agent("boss", roles=["admin"])
    make_agent("mgr", roles=["manager"])
    plain = make_agent("plain")
    manager = signed_in(runtime, "mgr", AGENT_PASSWORD)
    agent = signed_in(runtime, "plain", AGENT_PASSWORD)

    refused = _put(manager, f"/agents/{boss.id}/photo", png(), "image/png")
    assert (refused.status, refused.json()["code"]) == (403, "forbidden")
    assert _objects(boss.id) == {} and stored_agent(boss.id).version == boss.version

    refused = _put(agent, f"/agents/{boss.id}/photo", png(), "image/png")
    assert (refused.status, refused.json()["code"]) == (403, "forbidden")
    assert _objects(boss.id) == {}

    missing = _put(manager, "/agents/nobody/photo", png(), "image/png")
    assert (missing.status, missing.json()["code"]) == (404, "not_found")
    assert _objects("nobody") == {}

    # A manager may change a plain agent's photo; the agent its own
    assert _put(manager, f"/agents/{plain.id}/photo", png(), "image/png").status == 200
    assert _put(agent, "/me/photo", JPEG, "image/jpeg").status == 200
    [(_, stored)] = _objects(plain.id).items()
    assert stored == (JPEG, "image/jpeg")


def test_the_upload_keeps_show_photo_as_the_agent_chose(admin: Caller) -> None:
    # Given an agent that hides its photo from visitors
    new_agent(admin, "jdoe")
    me = signed_in(admin.runtime, "jdoe", AGENT_PASSWORD)
    version = me.call("GET", "/me").json()["version"]
    hidden = me.call("PATCH", "/me", {"showPhoto": False}, headers={"If-Match": f'"{version}"'})
    assert hidden.status == 200 and hidden.json()["showPhoto"] is False
    # When it uploads a photo, the choice stays and the photo is still its own to see
    answer = _put(me, "/me/photo", png(), "image/png").json()
    assert answer["showPhoto"] is False and answer["photoUrl"] is not None
    # And showing it later changes nothing about the photo
    shown = me.call("PATCH", "/me", {"showPhoto": True},
                    headers={"If-Match": f'"{answer["version"]}"'}).json()
    assert shown["showPhoto"] is True and shown["photoUrl"] is not None

"""Regression tests for what the schemathesis suite (``tests/fuzz``) found: each names
the input that used to get a 500 and now gets a clear 4xx problem document."""

from __future__ import annotations

import pytest
from roster.local import Runtime

OWNER_PASSWORD = "Correct-Horse-Battery-9"
QUEUE = b'{"id": "night", "name": "Night"}'


def owner_headers(runtime: Runtime) -> dict[str, str]:
    runtime.create_owner(OWNER_PASSWORD)
    reply = runtime.invoke("POST", "/auth/login",
                           body={"login": "admin", "password": OWNER_PASSWORD})
    assert reply.status == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['accessToken']}"}


@pytest.mark.parametrize("content_type", [
    "text/plain",                              # was 500 RequestUnsupportedContentType
    "multipart/form-data",                     # was 500 "Missing boundary"
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded",       # was read as a form: 422 for the wrong reason
    "application/jsonp",
])
def test_a_body_that_is_not_json_is_415(runtime: Runtime, content_type: str) -> None:
    # Given the owner signed in
    headers = owner_headers(runtime)
    # When it creates a queue with a JSON body sent under another Content-Type
    reply = runtime.invoke("POST", "/queues", body=QUEUE,
                           headers={**headers, "Content-Type": content_type})
    # Then 415 unsupported_media_type as a problem document, and nothing is created
    assert reply.status == 415
    assert reply.header("Content-Type") == "application/problem+json"
    assert reply.json()["code"] == "unsupported_media_type"
    assert runtime.invoke("GET", "/queues/night", headers=headers).status == 404


def test_a_public_route_refuses_a_body_that_is_not_json(runtime: Runtime) -> None:
    # Given no token / When POST /auth/login comes as text/plain (was 500)
    runtime.create_owner(OWNER_PASSWORD)
    reply = runtime.invoke("POST", "/auth/login", headers={"Content-Type": "text/plain"},
                           body=b'{"login": "admin", "password": "Correct-Horse-Battery-9"}')
    # Then 415, not a session
    assert (reply.status, reply.json()["code"]) == (415, "unsupported_media_type")


@pytest.mark.parametrize("content_type", ["Application/JSON", "application/json; charset=utf-8",
                                          "APPLICATION/JSON;charset=UTF-8"])
def test_json_media_type_is_matched_case_insensitively(runtime: Runtime,
                                                       content_type: str) -> None:
    # Given the owner / When a JSON body is labelled in any case (Application/JSON was 500)
    headers = owner_headers(runtime)
    reply = runtime.invoke("POST", "/queues", body=QUEUE,
                           headers={**headers, "Content-Type": content_type})
    # Then it is read as JSON
    assert reply.status == 201, reply.text
    assert reply.json()["id"] == "night"

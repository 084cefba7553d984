"""Regression tests for what the schemathesis suite (``tests/fuzz``) found: each names
the input that used to get a 500 and now gets an answer a client can use."""

from __future__ import annotations

import json

import pytest
from roster_local import Runtime
from support.agents import OWNER_PASSWORD

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
    "Application/JSON",                        # was 500: the type is case-insensitive
    "APPLICATION/JSON;charset=UTF-8",
])
def test_a_json_body_under_any_content_type_is_read_as_json(runtime: Runtime,
                                                             content_type: str) -> None:
    # Given the owner signed in
    headers = owner_headers(runtime)
    # When it creates a queue with a JSON body labelled with that Content-Type
    reply = runtime.invoke("POST", "/queues", body=QUEUE,
                           headers={**headers, "Content-Type": content_type})
    # Then the queue is created (bodies are JSON whatever they are labelled)
    assert reply.status == 201, reply.text
    assert reply.json()["id"] == "night"


@pytest.mark.parametrize("content_type", ["text/plain", "multipart/form-data"])
def test_a_body_that_is_not_json_is_422_not_500(runtime: Runtime, content_type: str) -> None:
    # Given the owner / When a body that is not JSON comes under a non-JSON type
    headers = owner_headers(runtime)
    reply = runtime.invoke("POST", "/queues", body=b"id=night&name=Night",
                           headers={**headers, "Content-Type": content_type})
    # Then 422 validation_failed as a problem document, and nothing is created
    assert reply.status == 422
    assert reply.header("Content-Type") == "application/problem+json"
    assert reply.json()["code"] == "validation_failed"
    assert runtime.invoke("GET", "/queues/night", headers=headers).status == 404


def test_a_public_route_reads_a_text_plain_body_as_json(runtime: Runtime) -> None:
    # Given no token / When POST /auth/login comes as text/plain (was 500)
    runtime.create_owner(OWNER_PASSWORD)
    reply = runtime.invoke("POST", "/auth/login", headers={"Content-Type": "text/plain"},
                           body=json.dumps({"login": "admin",
                                            "password": OWNER_PASSWORD}).encode())
    # Then the sign-in works
    assert reply.status == 200, reply.text
    assert reply.json()["status"] == "authenticated"

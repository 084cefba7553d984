"""The shared resolver: the caller read once per request, its permission, request
headers as parameters, JSON bodies, and answers written as their models (no AWS)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

import pytest
from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from aws_lambda_powertools.event_handler.openapi.params import Header
from pydantic import BaseModel
from roster.api import (
    JSON,
    Caller,
    IfMatch,
    SourceIp,
    as_json_request,
    create_app,
    route,
    serialize,
)


class Echo(BaseModel):
    word: str


router = Router()


# Declared routes (roster.routes) served by this test's own handlers.
@route(router, "POST /agents/{id}/unlock")
def guarded(id: str, caller: Caller, if_match: IfMatch = None) -> dict[str, str | None]:
    return {"caller": caller.agent_id, "target": id, "ifMatch": if_match}


@route(router, "POST /password/forgot")
def echo(request: Echo, source_ip: SourceIp) -> Echo:
    return Echo(word=f"{request.word} from {source_ip}")


@route(router, "POST /auth/logout")
def bounded(key: Annotated[str | None, Header(alias="Idempotency-Key", min_length=1,
                                              max_length=3)] = None) -> dict[str, str | None]:
    return {"key": key}


# A route nobody declared, registered around the registry: refused like the authorizer does.
@router.post("/undeclared")
def undeclared() -> dict[str, str]:
    return {}


@route(router, "POST /agents")
def created(request: Echo) -> Response[Echo]:
    return Response(201, content_type=JSON, body=Echo(word=request.word.upper()),
                    headers={"Location": "/agents/1"})


app = create_app(router)


def event(path: str, *, permissions: str = "", body: str | None = None,
          headers: dict[str, str] | None = None, signed_in: bool = True) -> dict[str, Any]:
    authorizer = {"agentId": "a1", "sessionId": "s1", "roles": "manager",
                  "permissions": permissions} if signed_in else {}
    return {
        "resource": path, "path": path, "httpMethod": "POST", "headers": headers or {},
        "multiValueHeaders": {k: [v] for k, v in (headers or {}).items()},
        "queryStringParameters": None, "pathParameters": None, "body": body,
        "isBase64Encoded": False,
        "requestContext": {"authorizer": authorizer,
                           "identity": {"sourceIp": "127.0.0.1"}, "httpMethod": "POST",
                           "path": path, "resourcePath": path, "requestId": "r"},
    }


def test_the_caller_holding_the_declared_permission_gets_through() -> None:
    # When a caller holding agents:credentials calls a route declared to require it
    answer = app.resolve(event("/agents/x/unlock", permissions="agents:read,agents:credentials",
                               headers={"if-match": '"3"'}), {})
    # Then the route runs as that caller, with If-Match read whatever its case
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"caller": "a1", "target": "x", "ifMatch": '"3"'}


def test_a_caller_without_the_declared_permission_is_refused() -> None:
    # When a caller without agents:credentials reaches the route (authorizer bypassed)
    answer = app.resolve(event("/agents/x/unlock", permissions="agents:read"), {})
    # Then it is 403 forbidden
    assert answer["statusCode"] == 403
    assert json.loads(answer["body"])["code"] == "forbidden"


def test_a_signed_in_route_without_a_caller_is_401() -> None:
    answer = app.resolve(event("/auth/logout", signed_in=False), {})
    assert answer["statusCode"] == 401
    assert json.loads(answer["body"])["code"] == "unauthorized"


def test_a_public_route_needs_no_caller() -> None:
    answer = app.resolve(event("/password/forgot", body='{"word": "hi"}', signed_in=False), {})
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"word": "hi from 127.0.0.1"}


NON_ASCII = "Åse Øvergård, 東京 🙂"


def test_a_model_answer_is_its_own_json_byte_for_byte() -> None:
    # When a route answers a model holding text outside ASCII
    answer = app.resolve(event("/password/forgot", body=json.dumps({"word": NON_ASCII}),
                               signed_in=False), {})
    # Then the body is the model's own JSON: compact, the text in UTF-8, nothing escaped
    expected = Echo(word=f"{NON_ASCII} from 127.0.0.1").model_dump_json()
    assert answer["statusCode"] == 200 and answer["body"] == expected
    assert "\\u" not in answer["body"] and "Åse Øvergård" in answer["body"]


def test_a_response_of_a_model_keeps_its_status_and_headers() -> None:
    # When a route answers Response[Model] with a status and a header of its own
    answer = app.resolve(event("/agents", permissions="agents:write",
                               body=json.dumps({"word": NON_ASCII})), {})
    # Then they are sent, with the model's JSON as the body
    assert answer["statusCode"] == 201
    assert answer["multiValueHeaders"]["Location"] == ["/agents/1"]
    assert answer["multiValueHeaders"]["Content-Type"] == [JSON]
    assert answer["body"] == Echo(word=NON_ASCII.upper()).model_dump_json()


def test_plain_data_is_written_compact_in_utf8_models_and_dataclasses_inside_it() -> None:
    @dataclass
    class Pair:
        left: int
        right: str

    written = serialize({"echo": Echo(word=NON_ASCII), "pair": Pair(1, "ø"), "n": None})
    assert written == ('{"echo":{"word":"' + NON_ASCII + '"},'
                       '"pair":{"left":1,"right":"ø"},"n":null}')


def test_an_undeclared_route_is_refused_to_everyone() -> None:
    answer = app.resolve(event("/undeclared", permissions="agents:read,audit:read"), {})
    assert answer["statusCode"] == 403


@pytest.mark.parametrize("value", ["", "abcd"])
def test_a_header_out_of_its_limits_is_422_naming_it_as_clients_spell_it(value: str) -> None:
    answer = app.resolve(event("/auth/logout", headers={"IDEMPOTENCY-KEY": value}), {})
    assert answer["statusCode"] == 422
    assert json.loads(answer["body"])["errors"][0]["field"] == "Idempotency-Key"


def test_a_json_body_declared_as_a_form_is_read_as_json() -> None:
    # When a JSON body comes declared as a form (curl -d)
    answer = app.resolve(event("/password/forgot", body='{"word": "hi"}', headers={
        "Content-Type": "application/x-www-form-urlencoded"}), {})
    # Then the route reads it as JSON
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"word": "hi from 127.0.0.1"}


def test_as_json_request_replaces_every_spelling_of_the_header_and_keeps_the_event() -> None:
    # Given an event with a body and its Content-Type under two spellings
    original = event("/echo", body="{}", headers={"content-type": "text/plain",
                                                   "Content-Type": "text/plain", "X-A": "1"})
    # When it is prepared for the resolver
    prepared = as_json_request(original)
    # Then it declares JSON once, other headers are kept, the original is untouched
    assert prepared["headers"] == {"X-A": "1", "Content-Type": "application/json"}
    assert prepared["multiValueHeaders"] == {"X-A": ["1"], "Content-Type": ["application/json"]}
    assert original["headers"]["content-type"] == "text/plain"


def test_as_json_request_leaves_a_bodiless_event_alone() -> None:
    original = event("/echo", headers={"Content-Type": "text/plain"})
    assert as_json_request(original) is original

"""The shared resolver: the caller and its permission, and JSON bodies (no AWS)."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from pydantic import BaseModel
from roster.api import as_json_request, create_app, json_response, principal


class Echo(BaseModel):
    word: str


router = Router()


@router.post("/guarded/<id>")
def guarded(id: str) -> Response[str]:
    caller = principal(router, require="agents:credentials")
    return json_response(200, {"caller": caller.agent_id, "target": id})


@router.post("/echo")
def echo(request: Echo) -> Echo:
    return request


app = create_app(router)


def event(path: str, *, permissions: str = "", body: str | None = None,
          headers: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "resource": path, "path": path, "httpMethod": "POST", "headers": headers or {},
        "multiValueHeaders": {k: [v] for k, v in (headers or {}).items()},
        "queryStringParameters": None, "pathParameters": None, "body": body,
        "isBase64Encoded": False,
        "requestContext": {"authorizer": {"agentId": "a1", "sessionId": "s1",
                                          "roles": "manager", "permissions": permissions},
                           "identity": {"sourceIp": "127.0.0.1"}, "httpMethod": "POST",
                           "path": path, "resourcePath": path, "requestId": "r"},
    }


def test_principal_with_require_lets_a_caller_holding_the_permission_through() -> None:
    # When a caller holding agents:credentials calls a route that requires it
    answer = app.resolve(event("/guarded/x", permissions="agents:read,agents:credentials"), {})
    # Then the route runs as that caller
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"caller": "a1", "target": "x"}


def test_principal_with_require_refuses_a_caller_without_it() -> None:
    # When a caller without agents:credentials reaches the route (authorizer bypassed)
    answer = app.resolve(event("/guarded/x", permissions="agents:read"), {})
    # Then it is 403 forbidden
    assert answer["statusCode"] == 403
    assert json.loads(answer["body"])["code"] == "forbidden"


def test_a_json_body_declared_as_a_form_is_read_as_json() -> None:
    # When a JSON body comes declared as a form (curl -d)
    answer = app.resolve(event("/echo", body='{"word": "hi"}', headers={
        "Content-Type": "application/x-www-form-urlencoded"}), {})
    # Then the route reads it as JSON
    assert answer["statusCode"] == 200 and json.loads(answer["body"]) == {"word": "hi"}


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

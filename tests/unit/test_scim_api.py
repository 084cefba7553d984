"""The SCIM resolver (``roster.scim_api``): every error a SCIM error (RFC 7644 §3.12)
with its status and scimType, JSON answers as ``application/scim+json``, SCIM bodies
read as JSON (no AWS)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel
from roster import errors
from roster.api import Caller, route
from roster.errors import RosterError
from roster.scim_api import ERROR_SCHEMA, SCIM_CONTENT_TYPE, create_scim_app


class Word(BaseModel):
    word: str


router = Router()
RAISED: list[Exception] = []


# Declared routes (roster.routes) served by this test's own handlers.
@route(router, "GET /scim/v2/ServiceProviderConfig")
def raising(caller: Caller) -> dict[str, Any]:
    if RAISED:
        raise RAISED[0]
    return {"schemas": ["x"], "caller": caller.agent_id}


@route(router, "POST /agents")
def echo(request: Word) -> dict[str, str]:
    return {"word": request.word}


app = create_scim_app(router)
PERMISSIONS = "agents:read,agents:write,agents:delete,agents:credentials"


def event(method: str, path: str, *, body: str | None = None,
          headers: dict[str, str] | None = None) -> dict[str, Any]:
    authorizer = {"agentId": "provisioning:t1", "sessionId": "t1", "roles": "",
                  "permissions": PERMISSIONS}
    return {
        "resource": path, "path": path, "httpMethod": method, "headers": headers or {},
        "multiValueHeaders": {k: [v] for k, v in (headers or {}).items()},
        "queryStringParameters": None, "pathParameters": None, "body": body,
        "isBase64Encoded": False,
        "requestContext": {"authorizer": authorizer,
                           "identity": {"sourceIp": "127.0.0.1"}, "httpMethod": method,
                           "path": path, "resourcePath": path, "requestId": "r"},
    }


def answer_to(error: Exception) -> tuple[dict[str, Any], dict[str, Any]]:
    RAISED[:] = [error]
    try:
        answer = app.resolve(event("GET", "/scim/v2/ServiceProviderConfig"), {})
    finally:
        RAISED.clear()
    return answer, json.loads(answer["body"])


def content_type(answer: dict[str, Any]) -> str:
    return str(answer["multiValueHeaders"]["Content-Type"][0])


@pytest.mark.parametrize(("error", "status", "scim_type"), [
    (errors.AccountTaken(), 409, "uniqueness"),
    (errors.EmailTaken(), 409, "uniqueness"),
    (errors.NumericIdTaken(), 409, "uniqueness"),
    (errors.AlreadyExists(), 409, "uniqueness"),
    (errors.VersionConflict(), 412, None),
    (errors.Forbidden(), 403, None),
    (errors.NotFound(), 404, None),
    (errors.ValidationFailed(), 400, "invalidValue"),
    (errors.PasswordPolicy(), 400, "invalidValue"),
    (errors.UnknownReference(), 400, "invalidValue"),
    (errors.InvalidCursor(), 400, "invalidValue"),
    (errors.ImmutableField(), 400, "mutability"),
    (errors.PayloadTooLarge(), 413, None),
    # not in the table: its own status, no scimType (a 422 becomes SCIM's 400)
    (errors.OwnerProtected(), 409, None),
    (errors.PasswordMismatch(), 400, "invalidValue"),
    (errors.NoPendingEmail(), 404, None),
])
def test_each_domain_error_is_a_scim_error_with_its_status_and_scim_type(
        error: RosterError, status: int, scim_type: str | None) -> None:
    # When the handler raises a domain error
    answer, document = answer_to(error)
    # Then the answer is SCIM's error: its status (as a string too), scimType, detail
    assert answer["statusCode"] == status
    assert content_type(answer) == SCIM_CONTENT_TYPE
    assert document["schemas"] == [ERROR_SCHEMA]
    assert document["status"] == str(status)
    assert document.get("scimType") == scim_type
    assert document["detail"] == error.detail
    assert "code" not in document and "type" not in document


def test_a_scim_type_given_with_the_error_wins_and_field_errors_are_named_in_detail() -> None:
    error = errors.ValidationFailed("The filter is not valid", scimType="invalidFilter",
                                    errors=[{"field": "filter", "message": "Unknown op"}])
    answer, document = answer_to(error)
    assert answer["statusCode"] == 400
    assert document["scimType"] == "invalidFilter"
    assert document["detail"] == "The filter is not valid: filter: Unknown op"


def test_retry_after_goes_with_a_busy_answer() -> None:
    answer, document = answer_to(errors.ServiceUnavailable(retryAfter=2))
    assert answer["statusCode"] == 503 and document["status"] == "503"
    assert answer["multiValueHeaders"]["Retry-After"] == ["2"]


def test_anything_unexpected_is_a_scim_500_without_details() -> None:
    answer, document = answer_to(KeyError("secret-internal-name"))
    assert answer["statusCode"] == 500
    assert content_type(answer) == SCIM_CONTENT_TYPE
    assert document == {"schemas": [ERROR_SCHEMA], "status": "500",
                        "detail": "The request could not be completed"}


def test_an_undeclared_route_is_refused_in_scims_schema() -> None:
    # (API Gateway answers an unknown path 404 before any function: test_scim_gateway)
    answer = app.resolve(event("GET", "/scim/v2/Nowhere"), {})
    assert answer["statusCode"] == 403
    assert content_type(answer) == SCIM_CONTENT_TYPE
    assert json.loads(answer["body"])["status"] == "403"


@pytest.mark.parametrize(("body", "scim_type"), [
    ("{not json", "invalidSyntax"),
    ('{"word": 3}', "invalidValue"),
    ("{}", "invalidValue"),
])
def test_a_body_the_route_cannot_read_is_a_400_naming_why(body: str, scim_type: str) -> None:
    answer = app.resolve(event("POST", "/agents", body=body,
                               headers={"Content-Type": SCIM_CONTENT_TYPE}), {})
    document = json.loads(answer["body"])
    assert answer["statusCode"] == 400, document
    assert document["scimType"] == scim_type
    assert "word" in document["detail"] or scim_type == "invalidSyntax"


def test_a_scim_json_body_is_read_as_json_and_answered_as_scim_json() -> None:
    # When a body comes as application/scim+json (as Entra and Okta send it)
    answer = app.resolve(event("POST", "/agents", body='{"word": "hi"}',
                               headers={"Content-Type": SCIM_CONTENT_TYPE}), {})
    # Then the route reads it, and answers in SCIM's content type, never cached
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"]) == {"word": "hi"}
    assert content_type(answer) == SCIM_CONTENT_TYPE
    assert answer["multiValueHeaders"]["Cache-Control"] == ["no-store"]


def test_the_caller_is_the_provisioning_token() -> None:
    answer = app.resolve(event("GET", "/scim/v2/ServiceProviderConfig"), {})
    assert json.loads(answer["body"])["caller"] == "provisioning:t1"

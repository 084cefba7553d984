"""The OpenAPI document in the repo is the one the code generates (no drift)."""

from __future__ import annotations

import json
from typing import Any

from roster import openapi, routes


def test_committed_document_matches_the_code() -> None:
    # Given the routers of every function, When the document is generated
    generated = openapi.render()
    # Then it is byte for byte the committed one (run `make openapi` after changing routes)
    assert openapi.DOCUMENT.read_text(encoding="utf-8") == generated


def test_document_has_bearer_security_and_public_sign_in() -> None:
    document = json.loads(openapi.DOCUMENT.read_text(encoding="utf-8"))
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert document["paths"]["/auth/login"]["post"]["security"] == []
    assert "security" not in document["paths"]["/me"]["get"] or \
        document["paths"]["/me"]["get"]["security"] != []


def _successes(document: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any]]]:
    return [(method, path, status, answer)
            for path, operations in document["paths"].items()
            for method, operation in operations.items()
            for status, answer in operation["responses"].items() if status.startswith("2")]


def test_success_bodies_are_described_as_they_are_sent() -> None:
    # Given the document (the fuzz suite found 204s declared with a JSON string body and
    # POST /password/forgot's 202 declared as a string)
    document = json.loads(openapi.DOCUMENT.read_text(encoding="utf-8"))
    for method, path, status, answer in _successes(document):
        # Then a 204 declares no body, and no success body is a bare string
        if status == "204":
            assert "content" not in answer, (method, path)
        for media in answer.get("content", {}).values():
            assert media["schema"].get("type") != "string", (method, path, status)


def test_every_route_declares_its_problems_and_no_catch_all() -> None:
    # Given the document and the routes' permissions
    document = json.loads(openapi.DOCUMENT.read_text(encoding="utf-8"))
    documented = {(method.upper(), path) for path, operations in document["paths"].items()
                  for method in operations}
    # Then it documents exactly the main API's routes the registry declares for the
    # resolver (SCIM describes itself: /scim/v2/Schemas)
    assert documented == {route.key for route in routes.ROUTES
                          if route.resolver and route.api == routes.REST_API}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            # no "default": an undeclared status fails the fuzz suite's status check
            assert "default" not in responses
            for status, answer in responses.items():
                if int(status) >= 400:
                    assert list(answer["content"]) == ["application/problem+json"]
                    # the one 5xx: 503 service_unavailable (DynamoDB busy, Retry-After)
                    assert int(status) < 500 or (
                        status == "503" and "service_unavailable" in answer["description"]
                    ), (method, path, status)
    login = document["paths"]["/auth/login"]["post"]["responses"]
    assert {"401", "403", "422", "423", "429"} <= set(login)
    assert "invalid_credentials" in login["401"]["description"]
    assert "401" not in document["paths"]["/password/forgot"]["post"]["responses"]
    assert "422" not in document["paths"]["/me"]["get"]["responses"]  # no input, no 422


def _patch_schemas(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each PATCH route's request schema, by path."""
    found = {}
    for path, operations in document["paths"].items():
        if "patch" in operations:
            body = operations["patch"]["requestBody"]["content"]["application/json"]["schema"]
            found[path] = document["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    return found


def test_patch_schemas_accept_null_exactly_where_the_code_does() -> None:
    from roster.models.agents_api import NULLABLE_FIELDS

    # Given every PATCH body schema (pydantic would document each optional field as
    # nullable, though the code refuses null for most: "not sent" is not "null")
    document = json.loads(openapi.DOCUMENT.read_text(encoding="utf-8"))
    patches = _patch_schemas(document)
    assert len(patches) == 7
    for path, schema in patches.items():
        clearable = NULLABLE_FIELDS if path in ("/me", "/agents/{id}") else {"description"}
        # Then a writable field takes null only if null clears it
        documented = {name for name, field in schema["properties"].items()
                      if not field.get("readOnly")
                      and any(choice.get("type") == "null" for choice in field.get("anyOf", []))}
        assert documented == clearable & set(schema["properties"]), path


def test_the_document_is_valid_openapi() -> None:
    """Clients generate code from the served document: it must be valid OpenAPI 3.
    ``openapi-spec-validator`` refused it while a ``ResponseValidationError`` schema
    pointed at a removed ``ValidationError`` (a dangling ``$ref``)."""
    from openapi_spec_validator import validate

    validate(json.loads(openapi.DOCUMENT.read_text(encoding="utf-8")))


def _operation(document: dict[str, Any], key: str) -> dict[str, Any]:
    method, _, path = key.partition(" ")
    operation: dict[str, Any] = document["paths"][path][method.lower()]
    return operation


def test_the_headers_clients_use_are_documented() -> None:
    """Issue 12: ``If-Match``, ``Idempotency-Key`` (requests), ``ETag``, ``Location`` and
    ``Retry-After`` (answers) are in the document where they are read or sent."""
    document = json.loads(openapi.DOCUMENT.read_text(encoding="utf-8"))

    def request_headers(key: str) -> dict[str, dict[str, Any]]:
        return {p["name"]: p for p in _operation(document, key).get("parameters", [])
                if p["in"] == "header"}

    def answer_headers(key: str, status: str) -> set[str]:
        return set(_operation(document, key)["responses"][status].get("headers", {}))

    # Then the request headers are parameters, with their limits
    for key in ("PATCH /me", "PATCH /agents/{id}"):
        assert set(request_headers(key)) == {"If-Match"}, key
    idempotency = request_headers("POST /agents")["Idempotency-Key"]
    assert {"minLength": 1, "maxLength": 128}.items() <= \
        idempotency["schema"]["anyOf"][0].items()
    # And the answers name the headers they carry
    assert answer_headers("POST /agents", "201") == {"ETag", "Location", "Idempotent-Replayed"}
    for key in ("GET /me", "PATCH /me", "GET /agents/{id}", "PATCH /agents/{id}",
                "PUT /agents/{id}/group"):
        assert answer_headers(key, "200") == {"ETag"}, key
    for kind in routes.CATALOG_KINDS:
        assert answer_headers(f"POST /{kind}", "201") == {"Location"}, kind
    assert answer_headers("POST /auth/login", "429") == {"Retry-After"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert set(operation["responses"]["503"]["headers"]) == {"Retry-After"}, path
            # a 429 carries Retry-After exactly when the route itself throttles
            throttled = "too_many_attempts" in operation["responses"]["429"]["description"]
            assert ("headers" in operation["responses"]["429"]) == throttled, (method, path)

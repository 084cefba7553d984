"""The one OpenAPI document, generated from every function's router together.

``python -m roster.openapi`` writes it to ``shared/roster/openapi.json`` (shipped in the
layer and served by ``GET /openapi.json``); a test fails when the file and the code drift.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from roster import errors, routes
from roster.errors import PROBLEM_CONTENT_TYPE
from roster.models.validation import header_name

DOCUMENT = Path(__file__).with_name("openapi.json")
TITLE = "Roster"
VERSION = "1.0.0"


def repository_root() -> Path:
    return Path(__file__).resolve().parents[2]


def load_function_module(name: str, root: Path | None = None, suffix: str = "") -> Any:
    """Import ``functions/<name>/app.py`` under a unique module name."""
    path = (root or repository_root()) / "functions" / name / "app.py"
    spec = importlib.util.spec_from_file_location(f"roster_fn_{name}{suffix}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def build() -> dict[str, Any]:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver
    from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

    app = APIGatewayRestResolver(enable_validation=True)
    # The main API's functions only: SCIM (ScimApi) describes itself (/scim/v2/Schemas).
    rest = {route.function for route in routes.ROUTES if route.api == routes.REST_API}
    for directory in sorted((repository_root() / "functions").iterdir()):
        if not (directory / "app.py").exists() or directory.name not in rest:
            continue
        module = load_function_module(directory.name, suffix="_openapi")
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router)
    schema = app.get_openapi_schema(
        title=TITLE,
        version=VERSION,
        summary="Agent accounts and sign-in for a contact centre",
        security_schemes={"bearerAuth": HTTPBearer(scheme="bearer", bearerFormat="JWT")},
        security=[{"bearerAuth": []}],
    )
    document: dict[str, Any] = json.loads(
        schema.model_dump_json(by_alias=True, exclude_none=True)
    )
    return with_problem_responses(document)


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem document; `code` is the stable machine-readable value.",
    "required": ["type", "title", "status", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"},
                               "rule": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}


# API Gateway's own answers (template.yaml GatewayResponses) for a token it refuses,
# a permission the token lacks, a source address outside the agent's allowlist (the
# authorizer's Deny names which), and its throttle.
_GATEWAY_UNAUTHORIZED = (401, "unauthorized")
_GATEWAY_FORBIDDEN = (403, "forbidden")
_GATEWAY_IP_NOT_ALLOWED = (403, "ip_not_allowed")
_GATEWAY_THROTTLED = (429, "too_many_requests")
# Every route reads or writes DynamoDB: busy through every retry is a 503 anywhere.
_BUSY = (errors.ServiceUnavailable.status, errors.ServiceUnavailable.code)


# The problems answered with ``Retry-After`` (seconds): a throttle's refusal while
# guesses are in flight or a budget is spent, and a busy table.
RETRY_AFTER_CODES = {errors.TooManyAttempts.code, errors.ServiceUnavailable.code}
RETRY_AFTER_HEADER = {"Retry-After": {
    "description": "Seconds to wait before retrying (with "
                   + " and ".join(sorted(RETRY_AFTER_CODES)) + ")",
    "schema": {"type": "integer"}}}


def problem_codes(method: str, path: str, operation: dict[str, Any]) -> dict[int, set[str]]:
    """Every problem ``(status, code)`` the route answers: the gateway's, the 503 of a
    busy table, those every route with inputs, a body or a path id shares, and the
    route's own (its ``errors`` in ``roster.routes``)."""
    declared = routes.BY_KEY[(method.upper(), path)]
    requirement = declared.requirement
    found: list[tuple[int, str]] = [_GATEWAY_THROTTLED, _BUSY]
    if requirement is not None:
        found += [_GATEWAY_UNAUTHORIZED, _GATEWAY_IP_NOT_ALLOWED]
    if requirement:
        found.append(_GATEWAY_FORBIDDEN)
    if "{" in path:
        found.append((errors.NotFound.status, errors.NotFound.code))
    if (operation.get("parameters") or "requestBody" in operation
            or declared.raw_body is not None):
        found.append((errors.ValidationFailed.status, errors.ValidationFailed.code))
    found += [(error.status, error.code) for error in declared.errors]
    codes: dict[int, set[str]] = {}
    for status, code in found:
        codes.setdefault(status, set()).add(code)
    return codes


def with_problem_responses(document: dict[str, Any]) -> dict[str, Any]:
    """Describe errors as they are: each problem status a route answers, as problem+json
    naming its codes, and public routes (per ``roster.permissions``) without the bearer
    requirement. The only 5xx declared is 503 service_unavailable (DynamoDB busy through
    every retry, with ``Retry-After``): answering any other is a bug. Header parameters
    are named as clients spell them (``If-Match``; Powertools lower-cases them)."""

    document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    # Powertools' own validation-error shapes: Roster answers problem+json instead, so
    # they are dropped, all three (a ``ResponseValidationError`` left behind pointed at
    # the removed ``ValidationError``: a dangling ``$ref`` that made the document invalid).
    for name in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        document["components"]["schemas"].pop(name, None)
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)  # Powertools' own, in its (JSON) shape, on every route
            if "204" in responses:  # Powertools gives it the handler's return type: no body
                responses["204"] = {key: value for key, value in responses["204"].items()
                                    if key != "content"}
                responses["204"].setdefault("description", "No content")
            for status, codes in sorted(problem_codes(method, path, operation).items()):
                responses[str(status)] = {
                    "description": "Problem (RFC 9457): " + ", ".join(sorted(codes)),
                    "content": {PROBLEM_CONTENT_TYPE: {
                        "schema": {"$ref": "#/components/schemas/Problem"}}},
                }
                if codes & RETRY_AFTER_CODES:
                    responses[str(status)]["headers"] = RETRY_AFTER_HEADER
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "header":
                    parameter["name"] = header_name(parameter["name"])
            declared = routes.BY_KEY[(method.upper(), path)]
            if declared.public:
                operation["security"] = []
            if declared.raw_body is not None:
                operation["requestBody"] = body_as_sent(declared.raw_body)
    return document


def body_as_sent(body: routes.BodyAsSent) -> dict[str, Any]:
    """The request body of a route that reads it as sent (``raw_body``): the file itself,
    in any of its media types."""
    return {"required": True, "description": body.description,
            "content": {media_type: {"schema": {"type": "string", "format": "binary"}}
                        for media_type in body.media_types}}


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=True) + "\n"


def main() -> None:
    DOCUMENT.write_text(render(), encoding="utf-8")
    print(f"wrote {DOCUMENT}")


if __name__ == "__main__":
    main()

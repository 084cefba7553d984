"""The SCIM 2.0 API's resolver (``ScimApi``, ``/scim/v2``): ``roster.api``'s resolver
(registration, the caller read once, bodies read as JSON within the input limits)
with SCIM's answers.

Every error is a SCIM error (RFC 7644 §3.12): ``Content-Type: application/scim+json``,
``{"schemas": [ERROR_SCHEMA], "status": "409", "scimType": "uniqueness", "detail": ...}``.
Roster's domain errors (``roster.errors``) are mapped to a status and a ``scimType``
(``SCIM_ERRORS``); a service that knows the precise ``scimType`` (``invalidFilter``,
``tooMany``, ``noTarget``...) says so with ``scimType=`` on the error it raises
(``ValidationFailed("...", scimType="invalidFilter")``), which the problem+json API
never sees. Successful JSON answers go out as ``application/scim+json`` too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from roster import errors, json_limits, routes
from roster.api import JSON, JsonResolver, assemble, retry_after, serialize
from roster.errors import NotFound, RosterError, ValidationFailed
from roster.models.validation import validation_errors

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

SCIM_CONTENT_TYPE: Final = "application/scim+json"
ERROR_SCHEMA: Final = "urn:ietf:params:scim:api:messages:2.0:Error"

INVALID_VALUE: Final = "invalidValue"
INVALID_SYNTAX: Final = "invalidSyntax"
UNIQUENESS: Final = "uniqueness"
MUTABILITY: Final = "mutability"

# Roster's domain errors as SCIM answers them: (HTTP status, scimType or None). An
# error not listed here (nor a subclass of one) keeps its status, without scimType,
# except a 422, which SCIM does not have: 400 invalidValue.
SCIM_ERRORS: Final[Mapping[type[RosterError], tuple[int, str | None]]] = {
    errors.AccountTaken: (409, UNIQUENESS),
    errors.EmailTaken: (409, UNIQUENESS),
    errors.NumericIdTaken: (409, UNIQUENESS),
    errors.ExternalIdTaken: (409, UNIQUENESS),
    errors.AlreadyExists: (409, UNIQUENESS),
    errors.PasswordExists: (400, MUTABILITY),
    errors.VersionConflict: (412, None),
    errors.Forbidden: (403, None),
    errors.NotFound: (404, None),
    errors.ValidationFailed: (400, INVALID_VALUE),
    errors.PasswordPolicy: (400, INVALID_VALUE),
    errors.UnknownReference: (400, INVALID_VALUE),
    errors.InvalidCursor: (400, INVALID_VALUE),
    errors.ImmutableField: (400, MUTABILITY),
    errors.PayloadTooLarge: (413, None),
}


def scim_status(error: RosterError) -> tuple[int, str | None]:
    """The status and ``scimType`` SCIM answers ``error`` with (``scimType=`` on the
    error wins over the table)."""
    unlisted = (400, INVALID_VALUE) if error.status == 422 else (error.status, None)
    status, scim_type = next(
        (SCIM_ERRORS[kind] for kind in type(error).__mro__ if kind in SCIM_ERRORS), unlisted)
    chosen = error.extra.get("scimType", scim_type)
    return status, None if chosen is None else str(chosen)


def scim_error(status: int, detail: str, scim_type: str | None = None) -> dict[str, Any]:
    """A SCIM error document (``status`` as a string, as RFC 7644 §3.12 writes it)."""
    document: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(status)}
    if scim_type is not None:
        document["scimType"] = scim_type
    document["detail"] = detail
    return document


def render_scim_error(error: RosterError) -> Response[str]:
    """``error`` as a SCIM error answer; field errors are named in ``detail`` (SCIM's
    error has no list of them)."""
    status, scim_type = scim_status(error)
    detail = error.detail
    if error.errors:
        named = "; ".join(f"{entry['field']}: {entry['message']}" for entry in error.errors)
        detail = f"{detail.rstrip('.')}: {named}"
    return Response(status_code=status, content_type=SCIM_CONTENT_TYPE,
                    body=json.dumps(scim_error(status, detail, scim_type)),
                    headers=retry_after(error))


def invalid_scim_request(failures: list[dict[str, Any]]) -> RosterError:
    """A request the route's models refuse: ``invalidSyntax`` when the body is not
    JSON at all, ``invalidValue`` otherwise."""
    syntax = any(failure.get("type") == "json_invalid" for failure in failures)
    return ValidationFailed(errors=validation_errors(failures),
                            scimType=INVALID_SYNTAX if syntax else INVALID_VALUE)


class ScimResolver(JsonResolver):
    """``roster.api``'s resolver whose JSON answers are declared ``application/scim+json``."""

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        return as_scim_answer(super().resolve(event, context))


def as_scim_answer(result: dict[str, Any]) -> dict[str, Any]:
    """The proxy result with ``Content-Type: application/json`` made SCIM's own type."""
    for headers in (result.get("multiValueHeaders"), result.get("headers")):
        if not isinstance(headers, dict):
            continue
        for name, value in headers.items():
            if name.lower() != "content-type":
                continue
            if value == JSON:
                headers[name] = SCIM_CONTENT_TYPE
            elif value == [JSON]:
                headers[name] = [SCIM_CONTENT_TYPE]
    return result


def create_scim_app(*routers: Router) -> APIGatewayRestResolver:
    """The SCIM function's resolver: ``roster.api.create_app``'s, every error a SCIM
    error, every JSON answer ``application/scim+json``."""
    app = ScimResolver(enable_validation=True, serializer=serialize,
                       json_body_deserializer=json_limits.loads)
    assemble(app, routers, render_scim_error, invalid_scim_request)

    @app.not_found
    def _no_route(_: Exception) -> Response[str]:
        """A method the path does not serve (it came through the path's ``ANY`` event):
        ``405`` with ``Allow``; anything else ``404``."""
        event = app.current_event
        allowed = routes.allowed_methods(event.resource) if event.resource else []
        if not allowed:
            return render_scim_error(NotFound("No such endpoint"))
        return method_not_allowed(event.http_method, event.resource, allowed)

    return app


def method_not_allowed(method: str, path: str, allowed: list[str]) -> Response[str]:
    """RFC 7231 6.5.5's ``405`` (``Allow`` lists what the path serves), as a SCIM error."""
    detail = f"{method} is not served at {path}; use {', '.join(allowed)}"
    return Response(status_code=405, content_type=SCIM_CONTENT_TYPE,
                    body=json.dumps(scim_error(405, detail)),
                    headers={"Allow": ", ".join(allowed)})

"""What every function's resolver shares: route registration, error rendering, the caller,
responses.

Handlers return their answer's model (``Response[Model]`` when a header or a status other
than the route's is needed): Powertools validates it, serializes it (``serialize``) and
documents it in ``openapi.json`` from the annotation. Handlers raise domain errors
(``roster.errors``); the exception handlers here turn them, request-validation failures
and anything unexpected into RFC 9457 problem documents, so no request, however
malformed, is answered without one.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Header, Query
from aws_lambda_powertools.event_handler.openapi.types import (
    OpenAPIResponse,
    OpenAPIResponseHeader,
)
from aws_lambda_powertools.event_handler.request import Request
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from pydantic import TypeAdapter

from roster import cors, json_limits, routes
from roster.authorization import Actor
from roster.cursor import MAX_CURSOR_LENGTH
from roster.errors import (
    PROBLEM_CONTENT_TYPE,
    Forbidden,
    NotFound,
    RosterError,
    Unauthorized,
    ValidationFailed,
)
from roster.models.validation import validation_errors
from roster.observability import logger
from roster.permissions import allows
from roster.services import targets

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

JSON = "application/json"
Handler = TypeVar("Handler", bound=Callable[..., Any])


@dataclass(frozen=True)
class Principal:
    """The caller, as the authorizer established it."""

    agent_id: str
    session_id: str
    roles: tuple[str, ...]
    permissions: frozenset[str]

    @property
    def actor(self) -> Actor:
        """The caller as the services see it (no HTTP or session details)."""
        return Actor(self.agent_id, self.permissions)


def _principal_of(event: APIGatewayProxyEvent) -> Principal:
    """The caller the authorizer put in the request context (``401`` when there is none)."""
    context = event.request_context.authorizer.raw_event or {}
    agent_id = context.get("agentId")
    session_id = context.get("sessionId")
    if not agent_id or not session_id:
        raise Unauthorized()
    roles = tuple(r for r in str(context.get("roles", "")).split(",") if r)
    granted = frozenset(p for p in str(context.get("permissions", "")).split(",") if p)
    return Principal(str(agent_id), str(session_id), roles, granted)


def read_caller(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """The one place the caller is read: for every route not declared public, the
    principal of the authorizer's context, holding the declared requirement (else
    ``403 forbidden``: the authorizer's check, repeated here as defence in depth), kept
    in the routing context for the ``Caller`` parameter. An undeclared route is refused
    as the authorizer refuses it."""
    event = app.current_event
    assert isinstance(event, APIGatewayProxyEvent)
    needed = routes.requirement(app.request.method, app.request.route)
    if needed is routes.UNLISTED and event.resource:
        # No handler matched: the gateway's resource says which event let it in (a SCIM
        # path's ANY, answered 405 by the not-found handler), and what that needs.
        needed = routes.requirement(app.request.method, event.resource)
    if needed is not None:
        caller = _principal_of(event)
        if not allows(needed, caller.permissions):
            raise Forbidden()
        app.append_context(caller=caller)
    return next_middleware(app)


# The route arguments that name an agent, on the routes under ``/agents/{id}``.
AGENT_REFERENCES = ("id", "reassignTo")


def resolve_agent_references(app: APIGatewayRestResolver,
                             next_middleware: NextMiddleware) -> Response[Any]:
    """An agent's account, where a route under ``/agents/{id}`` takes an agent (its
    ``{id}``, ``?reassignTo=``), becomes that agent's id before the handler runs
    (``roster.services.targets``): every such route takes either, in every function.
    Runs after the caller is checked, so an unauthorized request reads nothing."""
    if app.request.route.startswith("/agents/{id}"):
        arguments: dict[str, Any] = app.context.get("_route_args", {})
        for name in AGENT_REFERENCES:
            if isinstance(arguments.get(name), str):
                arguments[name] = targets.agent_id_for(arguments[name])
    return next_middleware(app)


def _caller(request: Request) -> Principal:
    caller: Principal = request.context["caller"]
    return caller


def _source_ip(request: Request) -> str:
    """API Gateway's view of the caller's address (never a client-set header)."""
    event = request.resolved_event
    assert isinstance(event, APIGatewayProxyEvent)
    return str(event.request_context.identity.source_ip or "")


def _query_names(request: Request) -> frozenset[str]:
    """The names of the query parameters the request carries (values aside)."""
    event = request.resolved_event
    assert isinstance(event, APIGatewayProxyEvent)
    return frozenset({**(event.query_string_parameters or {}),
                      **(event.multi_value_query_string_parameters or {})})


@dataclass(frozen=True)
class Upload:
    """A body that is not JSON (a CSV file, an image), as sent: its declared type and its
    bytes."""

    content_type: str | None
    body: bytes


def _upload(request: Request) -> Upload:
    """The body's bytes: API Gateway hands ``BinaryMediaTypes`` (``text/csv``, the image
    types) over in base64, so bytes that are not UTF-8 reach the service as they were
    sent (a CSV that is not UTF-8 gets a 422, not a 500; an image arrives intact)."""
    event = request.resolved_event
    assert isinstance(event, APIGatewayProxyEvent)
    raw = event.body or ""
    body = base64.b64decode(raw) if event.is_base64_encoded else raw.encode("utf-8")
    declared = next((value for name, value in (event.headers or {}).items()
                     if name.lower() == "content-type"), None)
    return Upload(declared, body)


# A handler's parameters for the caller, its address, the query's names and a raw body
# (Powertools dependencies).
Caller = Annotated[Principal, Depends(_caller)]
RawBody = Annotated[Upload, Depends(_upload)]
SourceIp = Annotated[str, Depends(_source_ip)]
QueryNames = Annotated[frozenset[str], Depends(_query_names)]


def refuse_unknown_query(sent: frozenset[str], known: Collection[str]) -> None:
    """``422 validation_failed`` naming each query parameter the route does not take
    (API.md v2: a misspelt filter must not silently widen a listing)."""
    unknown = sorted(sent - set(known))
    if unknown:
        raise ValidationFailed(
            f"Unknown query parameter: {', '.join(unknown)}",
            errors=[{"field": name, "message": "Is not a query parameter of this route"}
                    for name in unknown])

# A list's paging parameters (API.md "Pagination").
PageLimit = Annotated[int, Query(ge=1, le=100, description="Page size (1-100)")]
PageCursor = Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH,
                                         description="Opaque cursor from the previous page")]

# ``If-Match`` as a handler parameter: read, validated and documented by Powertools.
IfMatch = Annotated[str | None, Header(
    alias="If-Match",
    description='The version the change expects, as the ETag gave it (`"3"`), or `*`; '
                "anything else, or another version, is `412 version_conflict`.")]

# The response headers Roster sends, for a route's ``responses`` in ``openapi.json``.
ETAG_HEADER: dict[str, OpenAPIResponseHeader] = {"ETag": {
    "description": 'The agent\'s version (`"3"`), for `If-Match`',
    "schema": {"type": "string"}}}
LOCATION_HEADER: dict[str, OpenAPIResponseHeader] = {"Location": {
    "description": "The path of the created resource", "schema": {"type": "string"}}}


def answer_with_headers(status: int, description: str, *headers: dict[str, OpenAPIResponseHeader],
                        ) -> dict[int, OpenAPIResponse]:
    """A route's success with the headers it sends, for ``openapi.json``: no annotation
    carries headers. The body's schema is left out: Powertools takes it from the
    handler's return annotation (``Response[Model]``)."""
    documented: OpenAPIResponse = {"description": description}
    if headers:
        documented["headers"] = {name: header for named in headers
                                 for name, header in named.items()}
    return {status: documented}


def route(router: Router, key: str, **options: Any) -> Callable[[Handler], Handler]:
    """Register a handler for the route declared as ``key`` (``"POST /agents"``) in
    ``roster.routes``: its method, path, tag, summary and (when public) no bearer
    requirement come from there; ``options`` are the router's (``status_code``,
    ``responses``). An undeclared ``key`` raises ``KeyError`` at import."""
    declared = routes.declared(key)
    if declared.public:
        options.setdefault("security", [])
    register_with_router: Callable[[Handler], Handler] = router.route(
        declared.router_path, declared.method, summary=declared.summary,
        tags=[declared.tag], **options)

    def register(handler: Handler) -> Handler:
        handler.declared_route = declared  # type: ignore[attr-defined]  # tests: one each
        return register_with_router(handler)

    return register


def no_content() -> Response[None]:
    """``204``: no body (``None``, which API Gateway sends as an empty one)."""
    return Response(status_code=204)


def problem_response(document: dict[str, Any], headers: dict[str, str] | None = None,
                     ) -> Response[str]:
    """A problem document, as ``application/problem+json`` (which the resolver's
    serializer, for ``application/json`` only, would not write: the text is made here)."""
    return Response(status_code=int(document["status"]), content_type=PROBLEM_CONTENT_TYPE,
                    body=json.dumps(document), headers=headers or {})


def api_handler(app: APIGatewayRestResolver, *,
                on_invoke: Callable[[Any], None] | None = None,
                ) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """The Lambda entry point of an API function: correlation ids, metrics, then routing;
    ``on_invoke(context)`` first (e.g. the idempotency records' remaining time)."""
    from aws_lambda_powertools.logging import correlation_paths

    from roster.observability import metrics

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if on_invoke is not None:
            on_invoke(context)
        return app.resolve(event, context)

    return handler


def _takes_raw_body(event: Mapping[str, Any]) -> bool:
    """Whether the route reads its body as sent (``RawBody``: a CSV file, an image), not
    as JSON."""
    route = routes.BY_KEY.get((str(event.get("httpMethod", "")).upper(),
                               str(event.get("resource", ""))))
    return route is not None and route.raw_body is not None


def as_json_request(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """The event with its body declared as JSON, whatever ``Content-Type`` it came with.

    Bodies are JSON (the contract), but the resolver reads a body by its declared type:
    a form type (curl ``-d``'s default) as a form, any other type not at all. Declaring
    every body JSON means a JSON body works however it was labelled, and anything else
    is ``422 validation_failed`` ("The body is not valid JSON"), never a form or a 5xx.
    """
    if not event.get("body") or _takes_raw_body(event):
        return event
    declared = {**(event.get("headers") or {})}
    multi = {**(event.get("multiValueHeaders") or {})}
    for headers in (declared, multi):
        for name in [name for name in headers if name.lower() == "content-type"]:
            del headers[name]
    declared["Content-Type"] = JSON
    multi["Content-Type"] = [JSON]
    return {**event, "headers": declared, "multiValueHeaders": multi}


class JsonResolver(APIGatewayRestResolver):
    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        """Every answer never cached, and with CORS headers for an allowed origin
        (``roster.cors``; preflights are the OpenAPI function's)."""
        return cors.with_cors(event, never_cached(super().resolve(as_json_request(event),
                                                                  context)))


def never_cached(result: dict[str, Any]) -> dict[str, Any]:
    """Every answer carries ``Cache-Control: no-store``: tokens, codes and agents' data
    must not be kept by a browser or a proxy (RFC 6749 §5.1 for token answers)."""
    multi = result.get("multiValueHeaders")
    if isinstance(multi, dict):
        multi.setdefault("Cache-Control", ["no-store"])
    else:
        result.setdefault("headers", {}).setdefault("Cache-Control", "no-store")
    return result


_ANY = TypeAdapter(Any)  # pydantic's writer for any value, its type read as it comes


def serialize(body: Any) -> str:
    """The resolver's JSON writer, for the bodies handlers return (plain data once
    Powertools' response validation has dumped the model): pydantic's own writer, so a
    model's body is byte for byte its ``model_dump_json()``, compact and UTF-8 as it is
    (Powertools' default, ``json.dumps``, escapes non-ASCII: ``Å`` as ``\\u00c5``), in a
    third of ``json.dumps``'s time (a page of 50 agents: 90 µs, not 275)."""
    return _ANY.dump_json(body).decode()


# How a resolver renders an error: problem+json here, SCIM's error schema in
# ``roster.scim_api``.
Render = Callable[[RosterError], Response[str]]
# What a request-validation failure (pydantic's error list) is, before it is rendered.
InvalidRequest = Callable[[list[dict[str, Any]]], RosterError]


class InternalError(RosterError):
    """Anything unexpected, as answered (logged with its correlation id, no details)."""

    status, code, title = 500, "internal_error", "Internal error"


def retry_after(error: RosterError) -> dict[str, str]:
    """``Retry-After`` for the errors that carry one (429 too_many_attempts, 503
    service_unavailable)."""
    if "retryAfter" in error.extra:
        return {"Retry-After": str(error.extra["retryAfter"])}
    return {}


def render_problem(error: RosterError) -> Response[str]:
    return problem_response(error.problem(), retry_after(error))


def invalid_request(errors: list[dict[str, Any]]) -> RosterError:
    return ValidationFailed(errors=validation_errors(errors))


def create_app(*routers: Router) -> APIGatewayRestResolver:
    """A validating resolver with the routers included and the problem handlers set;
    request bodies are read as JSON whatever their declared type (``as_json_request``),
    within the input limits (``json_limits.loads``); answers written by ``serialize``."""
    app = JsonResolver(enable_validation=True, serializer=serialize,
                        json_body_deserializer=json_limits.loads)
    return assemble(app, routers, render_problem, invalid_request)


def assemble(app: APIGatewayRestResolver, routers: Collection[Router], render: Render,
             invalid: InvalidRequest) -> APIGatewayRestResolver:
    """The routers, the caller middlewares and the error handlers on ``app``, every
    error rendered by ``render``: a domain error as it is, a request-validation failure
    as ``invalid`` makes it, an unknown route as ``404``, anything else as a ``500``
    without details."""
    for router in routers:
        app.include_router(router)
    app.use([read_caller, resolve_agent_references])

    @app.exception_handler(RosterError)  # type: ignore[untyped-decorator]
    def _domain_error(error: RosterError) -> Response[str]:
        return render(error)

    @app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
    def _invalid_request(error: RequestValidationError) -> Response[str]:
        return render(invalid(list(error.errors())))

    @app.not_found
    def _no_route(_: Exception) -> Response[str]:
        return render(NotFound("No such route"))

    @app.exception_handler(Exception)  # type: ignore[untyped-decorator]
    def _unexpected(error: Exception) -> Response[str]:
        logger.exception("unhandled error", extra={"error_type": type(error).__name__})
        return render(InternalError("The request could not be completed"))

    return app

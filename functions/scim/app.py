"""SCIM 2.0 at ``/scim/v2`` (ScimApi): discovery, Users and Groups, for identity
providers holding a provisioning token. Answers and errors in SCIM's schemas
(``roster.scim_api``); the rules are ``roster.services.scim``'s."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.event_handler.request import Request
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from roster.api import (
    ETAG_HEADER,
    JSON,
    LOCATION_HEADER,
    Caller,
    IfMatch,
    answer_with_headers,
    api_handler,
    no_content,
    route,
)
from roster.models.scim_discovery import service_provider_config
from roster.observability import metrics
from roster.routes import SCIM_BASE
from roster.scim_api import create_scim_app
from roster.services.scim import Answer, discovery, groups, listing, users
from roster.wiring import install

install()  # every port bound to its adapter (the composition root) at cold start

router = Router()
DEFAULT_DOMAIN_SUFFIX = ".amazonaws.com"  # execute-api's own domain: the stage is in the URL


def _base_url(request: Request) -> str:
    """The service's URL as the client called it (``meta.location``, ``Location``):
    API Gateway's domain (with the stage on its own execute-api domain), ``https``
    unless API Gateway said otherwise (the local server says ``http``)."""
    event = request.resolved_event
    assert isinstance(event, APIGatewayProxyEvent)
    context = event.request_context
    domain = context.domain_name or ""
    scheme = (event.headers or {}).get("X-Forwarded-Proto") or (
        "http" if domain.startswith(("127.0.0.1", "localhost")) else "https")
    stage = f"/{context.stage}" if domain.endswith(DEFAULT_DOMAIN_SUFFIX) else ""
    return f"{scheme}://{domain}{stage}{SCIM_BASE}"


def _list_query(request: Request) -> dict[str, str]:
    """A listing's query string (``filter``, ``startIndex``, ``count``, ``attributes``,
    ``excludedAttributes``), read and checked by ``listing.read_search``."""
    event = request.resolved_event
    assert isinstance(event, APIGatewayProxyEvent)
    return dict(event.query_string_parameters or {})


BaseUrl = Annotated[str, Depends(_base_url)]
ListQuery = Annotated[dict[str, str], Depends(_list_query)]
ScimId = Annotated[str, Path(min_length=1, max_length=256)]
Payload = Annotated[dict[str, Any], Body(description="A SCIM resource or PatchOp message")]
Attributes = Annotated[str | None, Query(alias="attributes", max_length=2000,
                                         description="Comma-separated attributes to return")]
Excluded = Annotated[str | None, Query(alias="excludedAttributes", max_length=2000,
                                       description="Comma-separated attributes to leave out")]
RESOURCE_ANSWER = answer_with_headers(200, "The resource; ETag is its version (Users)",
                                      ETAG_HEADER)
CREATED_ANSWER = answer_with_headers(201, "Created; Location names it", ETAG_HEADER,
                                     LOCATION_HEADER)


def _selection(attributes: str | None, excluded: str | None) -> dict[str, list[str] | None]:
    return {"attributes": listing.names(attributes), "excluded": listing.names(excluded)}


def _answer(answer: Answer, status: int = 200) -> Response[dict[str, Any]]:
    headers = {}
    if answer.etag:
        headers["ETag"] = answer.etag
    if status == 201 and answer.location:
        headers["Location"] = answer.location
    return Response(status, content_type=JSON, body=answer.body, headers=headers)


# ------------------------------------------------------------------ discovery
@route(router, "GET /scim/v2/ServiceProviderConfig")
def get_service_provider_config() -> dict[str, Any]:
    return service_provider_config()


@route(router, "GET /scim/v2/ResourceTypes")
def get_resource_types(base: BaseUrl) -> dict[str, Any]:
    return discovery.list_resource_types(base)


@route(router, "GET /scim/v2/ResourceTypes/{id}")
def get_resource_type(id: ScimId, base: BaseUrl) -> dict[str, Any]:
    return discovery.get_resource_type(base, id)


@route(router, "GET /scim/v2/Schemas")
def get_schemas(base: BaseUrl) -> dict[str, Any]:
    return discovery.list_schemas(base)


@route(router, "GET /scim/v2/Schemas/{id}")
def get_schema(id: ScimId, base: BaseUrl) -> dict[str, Any]:
    return discovery.get_schema(base, id)


# ------------------------------------------------------------------ Users
@route(router, "GET /scim/v2/Users")
def list_users(base: BaseUrl, query: ListQuery) -> dict[str, Any]:
    return listing.list_users(listing.read_search(listing.USER_SEARCH, query), base)


@route(router, "POST /scim/v2/Users", status_code=201, responses=CREATED_ANSWER)
def create_user(payload: Payload, caller: Caller, base: BaseUrl) -> Response[dict[str, Any]]:
    return _answer(users.create_user(caller.actor, payload, base), 201)


@route(router, "GET /scim/v2/Users/{id}", responses=RESOURCE_ANSWER)
def get_user(id: ScimId, base: BaseUrl, attributes: Attributes = None,
             excluded: Excluded = None) -> Response[dict[str, Any]]:
    return _answer(users.get_user(id, base, **_selection(attributes, excluded)))


@route(router, "PUT /scim/v2/Users/{id}", responses=RESOURCE_ANSWER)
def replace_user(id: ScimId, payload: Payload, caller: Caller, base: BaseUrl,
                 if_match: IfMatch = None) -> Response[dict[str, Any]]:
    return _answer(users.replace_user(caller.actor, id, payload, if_match, base))


@route(router, "PATCH /scim/v2/Users/{id}", responses=RESOURCE_ANSWER)
def patch_user(id: ScimId, payload: Payload, caller: Caller, base: BaseUrl,
               if_match: IfMatch = None) -> Response[dict[str, Any]]:
    return _answer(users.patch_user(caller.actor, id, payload, if_match, base))


@route(router, "DELETE /scim/v2/Users/{id}", status_code=204)
def delete_user(id: ScimId, caller: Caller) -> Response[None]:
    users.delete_user(caller.actor, id)
    return no_content()


# ------------------------------------------------------------------ Groups
@route(router, "GET /scim/v2/Groups")
def list_groups(base: BaseUrl, query: ListQuery) -> dict[str, Any]:
    return groups.list_groups(listing.read_search(listing.GROUP_SEARCH, query), base)


@route(router, "POST /scim/v2/Groups", status_code=201, responses=CREATED_ANSWER)
def create_group(payload: Payload, caller: Caller, base: BaseUrl) -> Response[dict[str, Any]]:
    return _answer(groups.create_group(caller.actor, payload, base), 201)


@route(router, "GET /scim/v2/Groups/{id}")
def get_group(id: ScimId, base: BaseUrl, attributes: Attributes = None,
              excluded: Excluded = None) -> Response[dict[str, Any]]:
    return _answer(groups.get_group(id, base, **_selection(attributes, excluded)))


@route(router, "PUT /scim/v2/Groups/{id}")
def replace_group(id: ScimId, payload: Payload, caller: Caller,
                  base: BaseUrl) -> Response[dict[str, Any]]:
    return _answer(groups.replace_group(caller.actor, id, payload, base))


@route(router, "PATCH /scim/v2/Groups/{id}")
def patch_group(id: ScimId, payload: Payload, caller: Caller,
                base: BaseUrl) -> Response[dict[str, Any]]:
    return _answer(groups.patch_group(caller.actor, id, payload, base))


@route(router, "DELETE /scim/v2/Groups/{id}", status_code=204)
def delete_group(id: ScimId, caller: Caller) -> Response[None]:
    groups.delete_group(caller.actor, id)
    return no_content()


app = create_scim_app(router)
# log_metrics flushes the deactivation counts (roster.services.scim.deactivations)
handler = metrics.log_metrics(api_handler(app))

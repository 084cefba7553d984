"""Agent records, self-service profile, assignments, group moves and photos."""

from __future__ import annotations

import inspect
from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponseHeader
from roster.api import (
    ETAG_HEADER,
    JSON,
    LOCATION_HEADER,
    Caller,
    IfMatch,
    QueryNames,
    RawBody,
    SourceIp,
    answer_with_headers,
    api_handler,
    create_app,
    no_content,
    refuse_unknown_query,
    route,
)
from roster.cursor import MAX_CURSOR_LENGTH
from roster.models.agent import (
    Agent,
    AgentRecord,
    AssignmentKind,
    PasswordStatus,
    QueueStatus,
)
from roster.models.agents_api import (
    AgentPage,
    AgentQueueStatusRequest,
    AssignmentPage,
    CreateAgentRequest,
    CreatedAgent,
    GroupRequest,
    NumericIds,
    PhotoRequest,
    PhotoUpload,
    QueueStatusRequest,
    UpdateAgentRequest,
    UpdateMeRequest,
)
from roster.ports.agents import AgentFilter
from roster.services import agents, assignments, idempotency
from roster.services.idempotency import MAX_KEY_LENGTH
from roster.wiring import install

install()  # every port bound to its adapter (the composition root) at cold start

router = Router()

REPLAYED_HEADER: dict[str, OpenAPIResponseHeader] = {"Idempotent-Replayed": {
    "description": "`true` when the answer is the first creation's, replayed for a retry "
                   "with the same Idempotency-Key", "schema": {"type": "string"}}}

AGENT_ANSWER = answer_with_headers(200, "The agent; ETag carries its version", ETAG_HEADER)

Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH,
                                     description="Opaque cursor from the previous page")]
Filter = Annotated[str | None, Query(min_length=1, max_length=254)]
Ref = Annotated[str, Path(min_length=1, max_length=200)]
IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=MAX_KEY_LENGTH,
    description=f"1-{MAX_KEY_LENGTH} characters: a retry with the same key and body "
                "answers the first creation again (Idempotent-Replayed: true) for 24 h")]


def _agent(agent: AgentRecord | agents.Changed) -> Response[Agent]:
    changed = agent if isinstance(agent, agents.Changed) else agents.Changed(agent)
    return Response(200, content_type=JSON, body=changed.view(),
                    headers={"ETag": agents.etag(changed.record)})


# ------------------------------------------------------------------ self-service
@route(router, "GET /me", responses=AGENT_ANSWER)
def get_me(caller: Caller) -> Response[Agent]:
    return _agent(agents.get_agent(caller.agent_id))


@route(router, "PATCH /me", responses=AGENT_ANSWER)
def patch_me(request: UpdateMeRequest, caller: Caller, source_ip: SourceIp,
             if_match: IfMatch = None) -> Response[Agent]:
    return _agent(agents.update_me(caller.agent_id, request, if_match, source_ip=source_ip))


@route(router, "PUT /me/queue-status", status_code=204)
def put_queue_status(request: QueueStatusRequest, caller: Caller) -> Response[None]:
    agents.set_queue_status(caller.agent_id, request.status, request.profileId)
    return no_content()


@route(router, "POST /me/photo")
def post_my_photo(request: PhotoRequest, caller: Caller) -> PhotoUpload:
    return agents.start_photo_upload(caller.actor, caller.agent_id, request)


@route(router, "PUT /me/photo", responses=AGENT_ANSWER)
def put_my_photo(upload: RawBody, caller: Caller) -> Response[Agent]:
    return _agent(agents.put_photo(caller.actor, caller.agent_id, upload.body,
                                   content_type=upload.content_type))


@route(router, "DELETE /me/photo", status_code=204)
def delete_my_photo(caller: Caller) -> Response[None]:
    agents.delete_photo(caller.actor, caller.agent_id)
    return no_content()


# ------------------------------------------------------------------ agents
@route(router, "POST /agents", status_code=201,
       responses=answer_with_headers(201, "Created; Location and ETag headers",
                                     LOCATION_HEADER, ETAG_HEADER, REPLAYED_HEADER))
def post_agent(request: CreateAgentRequest, caller: Caller,
               idempotency_key: IdempotencyKey = None) -> Response[CreatedAgent]:
    created = agents.create_agent(caller.actor, request, idempotency_key)
    headers = {"Location": f"/agents/{created.agent.id}", "ETag": agents.etag(created.agent)}
    if created.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(201, content_type=JSON, body=created.body(), headers=headers)


@route(router, "GET /agents")
def get_agents(limit: Limit = 50, cursor: Cursor = None,
               active: Annotated[bool | None, Query()] = None, role: Filter = None,
               queue: Filter = None, skill: Filter = None, groupId: Filter = None,
               language: Filter = None, businessUnit: Filter = None,
               queueStatus: Annotated[QueueStatus | None, Query()] = None,
               passwordStatus: Annotated[PasswordStatus | None, Query()] = None,
               locked: Annotated[bool | None, Query()] = None,
               twoFactorEnabled: Annotated[bool | None, Query()] = None,
               account: Filter = None, email: Filter = None,
               deprovisioned: Annotated[bool | None, Query()] = None,
               q: Filter = None, *, query: QueryNames) -> AgentPage:
    refuse_unknown_query(query, LIST_PARAMETERS)
    return agents.list_agents(limit=limit, page_cursor=cursor, q=q, wanted=AgentFilter(
        active=active, role=role, queue=queue, skill=skill, group_id=groupId,
        language=language, business_unit=businessUnit, queue_status=queueStatus,
        password_status=passwordStatus, locked=locked, two_factor_enabled=twoFactorEnabled,
        account=account, email=email, deprovisioned=deprovisioned))


# The query parameters ``GET /agents`` takes: its handler's, the dependency aside.
LIST_PARAMETERS = frozenset(inspect.signature(get_agents).parameters) - {"query"}


@route(router, "GET /agents/numeric-ids")
def get_numeric_ids() -> NumericIds:
    return NumericIds(numericIds=agents.numeric_ids())


@route(router, "GET /agents/{id}", responses=AGENT_ANSWER)
def get_agent(id: str) -> Response[Agent]:
    return _agent(agents.get_agent(id))


@route(router, "PATCH /agents/{id}", responses=AGENT_ANSWER)
def patch_agent(id: str, request: UpdateAgentRequest, caller: Caller,
                if_match: IfMatch = None) -> Response[Agent]:
    return _agent(agents.update_agent(caller.actor, id, request, if_match))


@route(router, "DELETE /agents/{id}", status_code=204)
def delete_agent(id: str, caller: Caller,
                 reassignTo: Annotated[str | None, Query(min_length=1,
                                                         max_length=64)] = None,
                 ) -> Response[None]:
    assignments.delete_agent(caller.actor, id, reassignTo)
    return no_content()


@route(router, "PUT /agents/{id}/group", responses=AGENT_ANSWER)
def put_group(id: str, request: GroupRequest, caller: Caller) -> Response[Agent]:
    return _agent(agents.set_group(caller.actor, id, request.groupId))


@route(router, "PUT /agents/{id}/queue-status", status_code=204)
def put_agent_queue_status(id: str, request: AgentQueueStatusRequest,
                           caller: Caller) -> Response[None]:
    agents.log_off(caller.actor, id)
    return no_content()


@route(router, "POST /agents/{id}/photo")
def post_photo(id: str, request: PhotoRequest, caller: Caller) -> PhotoUpload:
    return agents.start_photo_upload(caller.actor, id, request)


@route(router, "PUT /agents/{id}/photo", responses=AGENT_ANSWER)
def put_photo(id: str, upload: RawBody, caller: Caller) -> Response[Agent]:
    return _agent(agents.put_photo(caller.actor, id, upload.body,
                                   content_type=upload.content_type))


@route(router, "DELETE /agents/{id}/photo", status_code=204)
def delete_photo(id: str, caller: Caller) -> Response[None]:
    agents.delete_photo(caller.actor, id)
    return no_content()


# ------------------------------------------------------------------ assignments
@route(router, "GET /agents/{id}/assignments")
def get_assignments(id: str, limit: Limit = 50,
                    cursor: Cursor = None) -> AssignmentPage:
    return assignments.list_assignments(id, limit=limit, page_cursor=cursor)


@route(router, "PUT /agents/{id}/assignments/{kind}/{ref}", status_code=204)
def put_assignment(id: str, kind: Annotated[AssignmentKind, Path()], ref: Ref,
                   caller: Caller) -> Response[None]:
    assignments.assign(caller.actor, id, kind, ref)
    return no_content()


@route(router, "DELETE /agents/{id}/assignments/{kind}/{ref}", status_code=204)
def delete_assignment(id: str, kind: Annotated[AssignmentKind, Path()], ref: Ref,
                      caller: Caller) -> Response[None]:
    assignments.unassign(caller.actor, id, kind, ref)
    return no_content()


app = create_app(router)
# An interrupted POST /agents (a time-out) must not hold its Idempotency-Key for a day:
# the in-progress record expires with the invocation's remaining time.
handler = api_handler(app, on_invoke=idempotency.register_lambda_context)

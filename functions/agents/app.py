"""Agent records, self-service profile, assignments, group moves and photos."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel
from roster.api import (
    api_handler,
    create_app,
    header,
    json_response,
    no_content,
    principal,
    source_ip,
)
from roster.cursor import MAX_CURSOR_LENGTH
from roster.errors import ValidationFailed
from roster.models.agent import Agent, AgentRecord
from roster.models.agents_api import (
    AgentPage,
    AssignmentKind,
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
from roster.services import agents, assignments, idempotency
from roster.services.idempotency import MAX_KEY_LENGTH
from roster.wiring import install

install()  # every port bound to its adapter, before anything runs

router = Router()


def _documented(status: int, model: type[BaseModel], description: str) -> dict[int, Any]:
    """The OpenAPI answer of a route that returns a ``Response`` (for its headers)."""
    return {status: {"description": description,
                     "content": {"application/json": {"model": model}}}}


AGENT_ANSWER = _documented(200, Agent, "The agent; ETag carries its version")

Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH,
                                     description="Opaque cursor from the previous page")]
Filter = Annotated[str | None, Query(min_length=1, max_length=254)]
Ref = Annotated[str, Path(min_length=1, max_length=200)]


def _agent(agent: AgentRecord | agents.Changed) -> Response[str]:
    changed = agent if isinstance(agent, agents.Changed) else agents.Changed(agent)
    return json_response(200, changed.view(), {"ETag": agents.etag(changed.record)})


def _idempotency_key() -> str | None:
    key = header(router, "Idempotency-Key")
    if key is not None and not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise ValidationFailed(errors=[{"field": "Idempotency-Key",
                                        "message": f"must be 1-{MAX_KEY_LENGTH} characters"}])
    return key


# ------------------------------------------------------------------ self-service
@router.get("/me", tags=["self-service"], responses=AGENT_ANSWER)
def get_me() -> Response[str]:
    return _agent(agents.get_agent(principal(router).agent_id))


@router.patch("/me", tags=["self-service"], responses=AGENT_ANSWER)
def patch_me(request: UpdateMeRequest) -> Response[str]:
    return _agent(agents.update_me(principal(router).agent_id, request,
                                   header(router, "If-Match"), source_ip=source_ip(router)))


@router.put("/me/queue-status", tags=["self-service"], status_code=204)
def put_queue_status(request: QueueStatusRequest) -> Response[str]:
    agents.set_queue_status(principal(router).agent_id, request.status, request.profileId)
    return no_content()


@router.post("/me/photo", tags=["self-service"])
def post_my_photo(request: PhotoRequest) -> PhotoUpload:
    caller = principal(router)
    return agents.start_photo_upload(caller.actor, caller.agent_id, request)


@router.delete("/me/photo", tags=["self-service"], status_code=204)
def delete_my_photo() -> Response[str]:
    caller = principal(router)
    agents.delete_photo(caller.actor, caller.agent_id)
    return no_content()


# ------------------------------------------------------------------ agents
@router.post("/agents", tags=["agents"], status_code=201,
             responses=_documented(201, CreatedAgent, "Created; Location and ETag headers"))
def post_agent(request: CreateAgentRequest) -> Response[str]:
    created = agents.create_agent(principal(router).actor, request, _idempotency_key())
    headers = {"Location": f"/agents/{created.agent.id}", "ETag": agents.etag(created.agent)}
    if created.replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(201, created.body(), headers)


@router.get("/agents", tags=["agents"])
def get_agents(limit: Limit = 50, cursor: Cursor = None,
               active: Annotated[bool | None, Query()] = None, role: Filter = None,
               queue: Filter = None, groupId: Filter = None,
               q: Filter = None) -> AgentPage:
    return agents.list_agents(limit=limit, page_cursor=cursor, active=active, role=role,
                              queue=queue, group_id=groupId, q=q)


@router.get("/agents/numeric-ids", tags=["agents"])
def get_numeric_ids() -> NumericIds:
    return NumericIds(numericIds=agents.numeric_ids())


@router.get("/agents/<id>", tags=["agents"], responses=AGENT_ANSWER)
def get_agent(id: str) -> Response[str]:
    return _agent(agents.get_agent(id))


@router.patch("/agents/<id>", tags=["agents"], responses=AGENT_ANSWER)
def patch_agent(id: str, request: UpdateAgentRequest) -> Response[str]:
    return _agent(agents.update_agent(principal(router).actor, id, request,
                                      header(router, "If-Match")))


@router.delete("/agents/<id>", tags=["agents"], status_code=204)
def delete_agent(id: str,
                 reassignTo: Annotated[str | None, Query(min_length=1,
                                                         max_length=64)] = None,
                 ) -> Response[str]:
    assignments.delete_agent(principal(router).actor, id, reassignTo)
    return no_content()


@router.put("/agents/<id>/group", tags=["agents"], responses=AGENT_ANSWER)
def put_group(id: str, request: GroupRequest) -> Response[str]:
    return _agent(agents.set_group(principal(router).actor, id, request.groupId))


@router.post("/agents/<id>/photo", tags=["agents"])
def post_photo(id: str, request: PhotoRequest) -> PhotoUpload:
    return agents.start_photo_upload(principal(router).actor, id, request)


@router.delete("/agents/<id>/photo", tags=["agents"], status_code=204)
def delete_photo(id: str) -> Response[str]:
    agents.delete_photo(principal(router).actor, id)
    return no_content()


# ------------------------------------------------------------------ assignments
@router.get("/agents/<id>/assignments", tags=["assignments"])
def get_assignments(id: str, limit: Limit = 50,
                    cursor: Cursor = None) -> AssignmentPage:
    return assignments.list_assignments(id, limit=limit, page_cursor=cursor)


@router.put("/agents/<id>/assignments/<kind>/<ref>", tags=["assignments"], status_code=204)
def put_assignment(id: str, kind: Annotated[AssignmentKind, Path()],
                   ref: Ref) -> Response[str]:
    assignments.assign(principal(router).actor, id, kind, ref)
    return no_content()


@router.delete("/agents/<id>/assignments/<kind>/<ref>", tags=["assignments"],
               status_code=204)
def delete_assignment(id: str, kind: Annotated[AssignmentKind, Path()],
                      ref: Ref) -> Response[str]:
    assignments.unassign(principal(router).actor, id, kind, ref)
    return no_content()


app = create_app(router)
# An interrupted POST /agents (a time-out) must not hold its Idempotency-Key for a day:
# the in-progress record expires with the invocation's remaining time.
handler = api_handler(app, on_invoke=idempotency.register_lambda_context)

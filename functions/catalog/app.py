"""Catalogues (roles, queues, skills, groups, skill profiles) and the audit log.

Thin routes over ``roster.services.catalog``; the authorizer has already checked the
route's permission (declared in ``roster.routes``), the service checks the rest.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from roster.api import (
    LOCATION_HEADER,
    Caller,
    Principal,
    answer,
    api_handler,
    create_app,
    json_response,
    no_content,
    route,
)
from roster.cursor import MAX_CURSOR_LENGTH
from roster.models.audit import AuditPage
from roster.models.catalog import (
    CatalogCreate,
    CatalogItem,
    Group,
    GroupCreate,
    GroupPage,
    GroupPatch,
    Profile,
    ProfileCreate,
    ProfilePage,
    ProfilePatch,
    Queue,
    QueueCreate,
    QueuePage,
    QueuePatch,
    Role,
    RoleCreate,
    RolePage,
    RolePatch,
    Skill,
    SkillCreate,
    SkillPage,
    SkillPatch,
)
from roster.services import catalog
from roster.wiring import install

install()  # every port bound to its adapter, before anything runs

router = Router()

Limit = Annotated[int, Query(ge=1, le=100, description="Page size (1-100)")]
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH,
                                     description="Opaque cursor from the previous page")]
AgentFilter = Annotated[str | None, Query(max_length=128, description="Only this agent's events")]


def _page(kind: str, limit: int, cursor: str | None) -> dict[str, Any]:
    items, next_cursor = catalog.list_items(kind, limit=limit, cursor=cursor)
    return {"items": [item.model_dump(mode="json") for item in items], "nextCursor": next_cursor}


def _create(caller: Principal, kind: str, request: CatalogCreate) -> Response[str]:
    item = catalog.create_item(caller.actor, kind, request)
    return json_response(201, item, {"Location": f"/{kind}/{item.id}"})


def _update(caller: Principal, kind: str, item_id: str, patch: Any) -> CatalogItem:
    return catalog.update_item(caller.actor, kind, item_id, patch)


def _delete(caller: Principal, kind: str, item_id: str) -> Response[str]:
    catalog.delete_item(caller.actor, kind, item_id)
    return no_content()


def _created(model: type[CatalogItem]) -> dict[int, OpenAPIResponse]:
    return answer(201, "Created; Location names it", model, LOCATION_HEADER)


# ------------------------------------------------------------------ /roles
@route(router, "GET /roles")
def list_roles(limit: Limit = 50, cursor: Cursor = None) -> RolePage:
    return RolePage.model_validate(_page("roles", limit, cursor))


@route(router, "POST /roles", status_code=201, responses=_created(Role))
def create_roles(request: RoleCreate, caller: Caller) -> Response[str]:
    return _create(caller, "roles", request)


@route(router, "GET /roles/{id}")
def get_roles(id: str) -> Role:
    return Role.model_validate(catalog.get_item("roles", id).model_dump())


@route(router, "PATCH /roles/{id}")
def update_roles(id: str, patch: RolePatch, caller: Caller) -> Role:
    return Role.model_validate(_update(caller, "roles", id, patch).model_dump())


@route(router, "DELETE /roles/{id}", status_code=204)
def delete_roles(id: str, caller: Caller) -> Response[str]:
    return _delete(caller, "roles", id)


# ------------------------------------------------------------------ /queues
@route(router, "GET /queues")
def list_queues(limit: Limit = 50, cursor: Cursor = None) -> QueuePage:
    return QueuePage.model_validate(_page("queues", limit, cursor))


@route(router, "POST /queues", status_code=201, responses=_created(Queue))
def create_queues(request: QueueCreate, caller: Caller) -> Response[str]:
    return _create(caller, "queues", request)


@route(router, "GET /queues/{id}")
def get_queues(id: str) -> Queue:
    return Queue.model_validate(catalog.get_item("queues", id).model_dump())


@route(router, "PATCH /queues/{id}")
def update_queues(id: str, patch: QueuePatch, caller: Caller) -> Queue:
    return Queue.model_validate(_update(caller, "queues", id, patch).model_dump())


@route(router, "DELETE /queues/{id}", status_code=204)
def delete_queues(id: str, caller: Caller) -> Response[str]:
    return _delete(caller, "queues", id)


# ------------------------------------------------------------------ /skills
@route(router, "GET /skills")
def list_skills(limit: Limit = 50, cursor: Cursor = None) -> SkillPage:
    return SkillPage.model_validate(_page("skills", limit, cursor))


@route(router, "POST /skills", status_code=201, responses=_created(Skill))
def create_skills(request: SkillCreate, caller: Caller) -> Response[str]:
    return _create(caller, "skills", request)


@route(router, "GET /skills/{id}")
def get_skills(id: str) -> Skill:
    return Skill.model_validate(catalog.get_item("skills", id).model_dump())


@route(router, "PATCH /skills/{id}")
def update_skills(id: str, patch: SkillPatch, caller: Caller) -> Skill:
    return Skill.model_validate(_update(caller, "skills", id, patch).model_dump())


@route(router, "DELETE /skills/{id}", status_code=204)
def delete_skills(id: str, caller: Caller) -> Response[str]:
    return _delete(caller, "skills", id)


# ------------------------------------------------------------------ /groups
@route(router, "GET /groups")
def list_groups(limit: Limit = 50, cursor: Cursor = None) -> GroupPage:
    return GroupPage.model_validate(_page("groups", limit, cursor))


@route(router, "POST /groups", status_code=201, responses=_created(Group))
def create_groups(request: GroupCreate, caller: Caller) -> Response[str]:
    return _create(caller, "groups", request)


@route(router, "GET /groups/{id}")
def get_groups(id: str) -> Group:
    return Group.model_validate(catalog.get_item("groups", id).model_dump())


@route(router, "PATCH /groups/{id}")
def update_groups(id: str, patch: GroupPatch, caller: Caller) -> Group:
    return Group.model_validate(_update(caller, "groups", id, patch).model_dump())


@route(router, "DELETE /groups/{id}", status_code=204)
def delete_groups(id: str, caller: Caller) -> Response[str]:
    return _delete(caller, "groups", id)


# ------------------------------------------------------------------ /profiles
@route(router, "GET /profiles")
def list_profiles(limit: Limit = 50, cursor: Cursor = None) -> ProfilePage:
    return ProfilePage.model_validate(_page("profiles", limit, cursor))


@route(router, "POST /profiles", status_code=201, responses=_created(Profile))
def create_profiles(request: ProfileCreate, caller: Caller) -> Response[str]:
    return _create(caller, "profiles", request)


@route(router, "GET /profiles/{id}")
def get_profiles(id: str) -> Profile:
    return Profile.model_validate(catalog.get_item("profiles", id).model_dump())


@route(router, "PATCH /profiles/{id}")
def update_profiles(id: str, patch: ProfilePatch, caller: Caller) -> Profile:
    return Profile.model_validate(_update(caller, "profiles", id, patch).model_dump())


@route(router, "DELETE /profiles/{id}", status_code=204)
def delete_profiles(id: str, caller: Caller) -> Response[str]:
    return _delete(caller, "profiles", id)


# ------------------------------------------------------------------ /audit
@route(router, "GET /audit")
def list_audit(agentId: AgentFilter = None, limit: Limit = 50,
               cursor: Cursor = None) -> AuditPage:
    return catalog.audit_page(agentId, limit=limit, cursor=cursor)


app = create_app(router)
handler = api_handler(app)

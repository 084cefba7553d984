"""Catalogues (roles, queues, skills, groups, skill profiles) and the audit log.

Thin routes over ``roster.services.catalog``; the authorizer has already checked the
route's permission (declared in ``roster.routes``), the service checks the rest.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel
from roster.api import (
    JSON,
    LOCATION_HEADER,
    Caller,
    Principal,
    answer_with_headers,
    api_handler,
    create_app,
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


Item = TypeVar("Item", bound=CatalogItem)
Page = TypeVar("Page", bound=BaseModel)

CREATED = answer_with_headers(201, "Created; Location names it", LOCATION_HEADER)


def _page(model: type[Page], kind: str, limit: int, cursor: str | None) -> Page:
    items, next_cursor = catalog.list_items(kind, limit=limit, cursor=cursor)
    return model.model_validate({"items": items, "nextCursor": next_cursor})


def _create(caller: Principal, model: type[Item], kind: str,
            request: CatalogCreate) -> Response[Item]:
    item = model.model_validate(catalog.create_item(caller.actor, kind, request))
    return Response(201, content_type=JSON, body=item,
                    headers={"Location": f"/{kind}/{item.id}"})


def _update(caller: Principal, kind: str, item_id: str, patch: Any) -> CatalogItem:
    return catalog.update_item(caller.actor, kind, item_id, patch)


def _delete(caller: Principal, kind: str, item_id: str) -> Response[None]:
    catalog.delete_item(caller.actor, kind, item_id)
    return no_content()


# ------------------------------------------------------------------ /roles
@route(router, "GET /roles")
def list_roles(limit: Limit = 50, cursor: Cursor = None) -> RolePage:
    return _page(RolePage, "roles", limit, cursor)


@route(router, "POST /roles", status_code=201, responses=CREATED)
def create_roles(request: RoleCreate, caller: Caller) -> Response[Role]:
    return _create(caller, Role, "roles", request)


@route(router, "GET /roles/{id}")
def get_roles(id: str) -> Role:
    return Role.model_validate(catalog.get_item("roles", id))


@route(router, "PATCH /roles/{id}")
def update_roles(id: str, patch: RolePatch, caller: Caller) -> Role:
    return Role.model_validate(_update(caller, "roles", id, patch))


@route(router, "DELETE /roles/{id}", status_code=204)
def delete_roles(id: str, caller: Caller) -> Response[None]:
    return _delete(caller, "roles", id)


# ------------------------------------------------------------------ /queues
@route(router, "GET /queues")
def list_queues(limit: Limit = 50, cursor: Cursor = None) -> QueuePage:
    return _page(QueuePage, "queues", limit, cursor)


@route(router, "POST /queues", status_code=201, responses=CREATED)
def create_queues(request: QueueCreate, caller: Caller) -> Response[Queue]:
    return _create(caller, Queue, "queues", request)


@route(router, "GET /queues/{id}")
def get_queues(id: str) -> Queue:
    return Queue.model_validate(catalog.get_item("queues", id))


@route(router, "PATCH /queues/{id}")
def update_queues(id: str, patch: QueuePatch, caller: Caller) -> Queue:
    return Queue.model_validate(_update(caller, "queues", id, patch))


@route(router, "DELETE /queues/{id}", status_code=204)
def delete_queues(id: str, caller: Caller) -> Response[None]:
    return _delete(caller, "queues", id)


# ------------------------------------------------------------------ /skills
@route(router, "GET /skills")
def list_skills(limit: Limit = 50, cursor: Cursor = None) -> SkillPage:
    return _page(SkillPage, "skills", limit, cursor)


@route(router, "POST /skills", status_code=201, responses=CREATED)
def create_skills(request: SkillCreate, caller: Caller) -> Response[Skill]:
    return _create(caller, Skill, "skills", request)


@route(router, "GET /skills/{id}")
def get_skills(id: str) -> Skill:
    return Skill.model_validate(catalog.get_item("skills", id))


@route(router, "PATCH /skills/{id}")
def update_skills(id: str, patch: SkillPatch, caller: Caller) -> Skill:
    return Skill.model_validate(_update(caller, "skills", id, patch))


@route(router, "DELETE /skills/{id}", status_code=204)
def delete_skills(id: str, caller: Caller) -> Response[None]:
    return _delete(caller, "skills", id)


# ------------------------------------------------------------------ /groups
@route(router, "GET /groups")
def list_groups(limit: Limit = 50, cursor: Cursor = None) -> GroupPage:
    return _page(GroupPage, "groups", limit, cursor)


@route(router, "POST /groups", status_code=201, responses=CREATED)
def create_groups(request: GroupCreate, caller: Caller) -> Response[Group]:
    return _create(caller, Group, "groups", request)


@route(router, "GET /groups/{id}")
def get_groups(id: str) -> Group:
    return Group.model_validate(catalog.get_item("groups", id))


@route(router, "PATCH /groups/{id}")
def update_groups(id: str, patch: GroupPatch, caller: Caller) -> Group:
    return Group.model_validate(_update(caller, "groups", id, patch))


@route(router, "DELETE /groups/{id}", status_code=204)
def delete_groups(id: str, caller: Caller) -> Response[None]:
    return _delete(caller, "groups", id)


# ------------------------------------------------------------------ /profiles
@route(router, "GET /profiles")
def list_profiles(limit: Limit = 50, cursor: Cursor = None) -> ProfilePage:
    return _page(ProfilePage, "profiles", limit, cursor)


@route(router, "POST /profiles", status_code=201, responses=CREATED)
def create_profiles(request: ProfileCreate, caller: Caller) -> Response[Profile]:
    return _create(caller, Profile, "profiles", request)


@route(router, "GET /profiles/{id}")
def get_profiles(id: str) -> Profile:
    return Profile.model_validate(catalog.get_item("profiles", id))


@route(router, "PATCH /profiles/{id}")
def update_profiles(id: str, patch: ProfilePatch, caller: Caller) -> Profile:
    return Profile.model_validate(_update(caller, "profiles", id, patch))


@route(router, "DELETE /profiles/{id}", status_code=204)
def delete_profiles(id: str, caller: Caller) -> Response[None]:
    return _delete(caller, "profiles", id)


# ------------------------------------------------------------------ /audit
@route(router, "GET /audit")
def list_audit(agentId: AgentFilter = None, limit: Limit = 50,
               cursor: Cursor = None) -> AuditPage:
    return catalog.audit_page(agentId, limit=limit, cursor=cursor)


app = create_app(router)
handler = api_handler(app)

"""Catalogues (roles, queues, skills, groups, skill profiles) and the audit log.

Thin routes over ``roster.services.catalog``; the authorizer has already checked the
route's permission (``permissions.ROUTE_PERMISSIONS``), the service checks the rest.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Response, Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from roster.api import api_handler, create_app, json_response, no_content, principal
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


def _create(kind: str, request: CatalogCreate) -> Response[str]:
    item = catalog.create_item(principal(router).actor, kind, request)
    return json_response(201, item, {"Location": f"/{kind}/{item.id}"})


def _update(kind: str, item_id: str, patch: Any) -> CatalogItem:
    return catalog.update_item(principal(router).actor, kind, item_id, patch)


def _delete(kind: str, item_id: str) -> Response[str]:
    catalog.delete_item(principal(router).actor, kind, item_id)
    return no_content()


def _created(model: type[CatalogItem]) -> dict[int, OpenAPIResponse]:
    return {201: {"description": "Created", "content": {"application/json": {"model": model}}}}


# ------------------------------------------------------------------ /roles
@router.get("/roles", tags=["catalogues"])
def list_roles(limit: Limit = 50, cursor: Cursor = None) -> RolePage:
    return RolePage.model_validate(_page("roles", limit, cursor))


@router.post("/roles", tags=["catalogues"], status_code=201, responses=_created(Role))
def create_roles(request: RoleCreate) -> Response[str]:
    return _create("roles", request)


@router.get("/roles/<id>", tags=["catalogues"])
def get_roles(id: str) -> Role:
    return Role.model_validate(catalog.get_item("roles", id).model_dump())


@router.patch("/roles/<id>", tags=["catalogues"])
def update_roles(id: str, patch: RolePatch) -> Role:
    return Role.model_validate(_update("roles", id, patch).model_dump())


@router.delete("/roles/<id>", tags=["catalogues"], status_code=204)
def delete_roles(id: str) -> Response[str]:
    return _delete("roles", id)


# ------------------------------------------------------------------ /queues
@router.get("/queues", tags=["catalogues"])
def list_queues(limit: Limit = 50, cursor: Cursor = None) -> QueuePage:
    return QueuePage.model_validate(_page("queues", limit, cursor))


@router.post("/queues", tags=["catalogues"], status_code=201, responses=_created(Queue))
def create_queues(request: QueueCreate) -> Response[str]:
    return _create("queues", request)


@router.get("/queues/<id>", tags=["catalogues"])
def get_queues(id: str) -> Queue:
    return Queue.model_validate(catalog.get_item("queues", id).model_dump())


@router.patch("/queues/<id>", tags=["catalogues"])
def update_queues(id: str, patch: QueuePatch) -> Queue:
    return Queue.model_validate(_update("queues", id, patch).model_dump())


@router.delete("/queues/<id>", tags=["catalogues"], status_code=204)
def delete_queues(id: str) -> Response[str]:
    return _delete("queues", id)


# ------------------------------------------------------------------ /skills
@router.get("/skills", tags=["catalogues"])
def list_skills(limit: Limit = 50, cursor: Cursor = None) -> SkillPage:
    return SkillPage.model_validate(_page("skills", limit, cursor))


@router.post("/skills", tags=["catalogues"], status_code=201, responses=_created(Skill))
def create_skills(request: SkillCreate) -> Response[str]:
    return _create("skills", request)


@router.get("/skills/<id>", tags=["catalogues"])
def get_skills(id: str) -> Skill:
    return Skill.model_validate(catalog.get_item("skills", id).model_dump())


@router.patch("/skills/<id>", tags=["catalogues"])
def update_skills(id: str, patch: SkillPatch) -> Skill:
    return Skill.model_validate(_update("skills", id, patch).model_dump())


@router.delete("/skills/<id>", tags=["catalogues"], status_code=204)
def delete_skills(id: str) -> Response[str]:
    return _delete("skills", id)


# ------------------------------------------------------------------ /groups
@router.get("/groups", tags=["catalogues"])
def list_groups(limit: Limit = 50, cursor: Cursor = None) -> GroupPage:
    return GroupPage.model_validate(_page("groups", limit, cursor))


@router.post("/groups", tags=["catalogues"], status_code=201, responses=_created(Group))
def create_groups(request: GroupCreate) -> Response[str]:
    return _create("groups", request)


@router.get("/groups/<id>", tags=["catalogues"])
def get_groups(id: str) -> Group:
    return Group.model_validate(catalog.get_item("groups", id).model_dump())


@router.patch("/groups/<id>", tags=["catalogues"])
def update_groups(id: str, patch: GroupPatch) -> Group:
    return Group.model_validate(_update("groups", id, patch).model_dump())


@router.delete("/groups/<id>", tags=["catalogues"], status_code=204)
def delete_groups(id: str) -> Response[str]:
    return _delete("groups", id)


# ------------------------------------------------------------------ /profiles
@router.get("/profiles", tags=["catalogues"])
def list_profiles(limit: Limit = 50, cursor: Cursor = None) -> ProfilePage:
    return ProfilePage.model_validate(_page("profiles", limit, cursor))


@router.post("/profiles", tags=["catalogues"], status_code=201, responses=_created(Profile))
def create_profiles(request: ProfileCreate) -> Response[str]:
    return _create("profiles", request)


@router.get("/profiles/<id>", tags=["catalogues"])
def get_profiles(id: str) -> Profile:
    return Profile.model_validate(catalog.get_item("profiles", id).model_dump())


@router.patch("/profiles/<id>", tags=["catalogues"])
def update_profiles(id: str, patch: ProfilePatch) -> Profile:
    return Profile.model_validate(_update("profiles", id, patch).model_dump())


@router.delete("/profiles/<id>", tags=["catalogues"], status_code=204)
def delete_profiles(id: str) -> Response[str]:
    return _delete("profiles", id)


# ------------------------------------------------------------------ /audit
@router.get("/audit", tags=["audit"])
def list_audit(agentId: AgentFilter = None, limit: Limit = 50,
               cursor: Cursor = None) -> AuditPage:
    return catalog.audit_page(agentId, limit=limit, cursor=cursor)


app = create_app(router)
handler = api_handler(app)

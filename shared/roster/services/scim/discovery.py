"""SCIM discovery (RFC 7643 §6-7, RFC 7644 §4): ``/ResourceTypes`` and ``/Schemas``.

Both are generated from the models Roster reads and writes (``roster.models.scim``),
so they publish exactly the attributes that stick: the User schema has no
``nickName``, ``addresses`` or ``photos``, because Roster keeps none of them.
"""

from __future__ import annotations

from typing import Any

from scim2_models import Context, ListResponse, Meta, ResourceType, Schema

from roster.errors import NotFound
from roster.models.scim import DESCRIPTIONS, RosterUser, ScimGroup, ScimUser
from roster.services.scim import render


def schemas(base: str) -> list[Schema]:
    found = []
    for model in (ScimUser, ScimGroup, RosterUser):
        schema = model.to_schema()
        name, description = DESCRIPTIONS[str(schema.id)]
        found.append(schema.model_copy(update={
            "name": name, "description": description,
            "meta": Meta(resource_type="Schema", location=f"{base}/Schemas/{schema.id}")}))
    return found


def resource_types(base: str) -> list[ResourceType]:
    found = []
    for model, description in ((ScimUser, "Roster agents"), (ScimGroup, "Roster queues")):
        kind = ResourceType.from_resource(model)
        found.append(kind.model_copy(update={
            "description": description,
            "meta": Meta(resource_type="ResourceType",
                         location=f"{base}/ResourceTypes/{kind.id}")}))
    return found


def _listed(kind: type[ListResponse[Any]], items: list[Any]) -> dict[str, Any]:
    response = kind(total_results=len(items), start_index=1, items_per_page=len(items),
                    resources=items)
    return render(response, Context.SEARCH_RESPONSE)


def _one(items: list[Any], wanted: str) -> dict[str, Any]:
    for item in items:
        if str(item.id) == wanted:
            return render(item, Context.RESOURCE_QUERY_RESPONSE)
    raise NotFound(f"No {wanted}")


def list_schemas(base: str) -> dict[str, Any]:
    return _listed(ListResponse[Schema], schemas(base))


def get_schema(base: str, schema_id: str) -> dict[str, Any]:
    return _one(schemas(base), schema_id)


def list_resource_types(base: str) -> dict[str, Any]:
    return _listed(ListResponse[ResourceType], resource_types(base))


def get_resource_type(base: str, type_id: str) -> dict[str, Any]:
    return _one(resource_types(base), type_id)

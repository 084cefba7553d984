"""The base of every Roster model: its validator and serializer are built on first use.

Building a model's pydantic-core schema at import costs about a millisecond per model,
and every function imports most of them (the repository maps every item type), while a
request uses a handful. ``defer_build`` moves each model's build to its first
validation or serialization, so a function's cold start pays only for what it serves.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    model_config = ConfigDict(defer_build=True)


def refuse_null_in_schema(nullable: Collection[str]) -> Callable[[dict[str, Any], type], None]:
    """A ``json_schema_extra`` that says what a PATCH model enforces: of its optional
    fields only ``nullable`` ones (and read-only ones, refused anyway) accept ``null``.

    pydantic documents every ``X | None = None`` field as nullable, though ``None`` there
    only means "not sent"; clients and fuzzers read the schema, so it must not promise
    more than the validator accepts."""

    def document(schema: dict[str, Any], model: type) -> None:
        for name, field in schema.get("properties", {}).items():
            if name in nullable or field.get("readOnly") or "anyOf" not in field:
                continue
            kept = [choice for choice in field["anyOf"] if choice.get("type") != "null"]
            if len(kept) == 1:
                del field["anyOf"]
                field.update(kept[0])
            else:
                field["anyOf"] = kept

    return document

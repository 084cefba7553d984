"""The base of every Roster model: its validator and serializer are built on first use.

Building a model's pydantic-core schema at import costs about a millisecond per model,
and every function imports most of them (the repository maps every item type), while a
request uses a handful. ``defer_build`` moves each model's build to its first
validation or serialization, so a function's cold start pays only for what it serves.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    model_config = ConfigDict(defer_build=True)

"""The DynamoDB round trips a block of code makes (botocore event hooks on the client)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def dynamodb_calls() -> Iterator[list[str]]:
    """The DynamoDB API calls made inside the block (one entry per round trip)."""
    from roster import aws

    calls: list[str] = []

    def record(model: Any, **_: Any) -> None:
        calls.append(model.name)

    client = aws.dynamodb()
    client.meta.events.register("before-call.dynamodb", record)
    try:
        yield calls
    finally:
        client.meta.events.unregister("before-call.dynamodb", record)

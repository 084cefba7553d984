"""The DynamoDB round trips a block of code makes (botocore event hooks on the client)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def dynamodb_hook(event: str, handler: Callable[..., Any]) -> Iterator[None]:
    """``handler`` on the DynamoDB client's botocore ``event`` inside the block."""
    from roster import aws

    client = aws.dynamodb()
    client.meta.events.register(f"{event}.dynamodb", handler)
    try:
        yield
    finally:
        client.meta.events.unregister(f"{event}.dynamodb", handler)


@contextmanager
def dynamodb_calls() -> Iterator[list[str]]:
    """The DynamoDB API calls made inside the block (one entry per round trip;
    ``TransactWriteItems:<n>`` for a transaction of n items)."""
    calls: list[str] = []

    def record(model: Any, params: dict[str, Any], **_: Any) -> None:
        written = params.get("TransactItems")
        # a transaction is named with its size: its cost grows with the items it writes
        calls.append(model.name if written is None else f"{model.name}:{len(written)}")

    with dynamodb_hook("before-parameter-build", record):
        yield calls

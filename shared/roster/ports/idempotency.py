"""Where ``Idempotency-Key`` records live (a Powertools persistence layer)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from roster.ports import Port

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency.persistence.base import (
        BasePersistenceLayer,
    )


class IdempotencyStore(Protocol):
    def persistence(self, function: str) -> BasePersistenceLayer:
        """The records of ``function``'s keys."""

    def busy_retry_after(self, error: Exception) -> int | None:
        """When ``error`` (the layer's cause) means "busy": the seconds to wait."""


idempotency_store = Port[IdempotencyStore]("idempotency")

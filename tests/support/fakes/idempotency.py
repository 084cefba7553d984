"""``IdempotencyStore`` in memory: a Powertools persistence layer on a dict, claiming a
key under the conditions the DynamoDB layer's conditional put has (absent, expired, or an
in-progress record whose invocation's time ran out)."""

from __future__ import annotations

import time

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import (
    BasePersistenceLayer,
    DataRecord,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import STATUS_CONSTANTS


class MemoryPersistence(BasePersistenceLayer):
    def __init__(self) -> None:
        super().__init__()
        self.records: dict[str, DataRecord] = {}

    def _get_record(self, idempotency_key: str) -> DataRecord:
        try:
            return self.records[idempotency_key]
        except KeyError:
            raise IdempotencyItemNotFoundError() from None

    def _put_record(self, data_record: DataRecord) -> None:
        old = self.records.get(data_record.idempotency_key)
        now = time.time()
        if old is not None and not (
                (old.expiry_timestamp is not None and old.expiry_timestamp < now)
                or (old.status == STATUS_CONSTANTS["INPROGRESS"]
                    and old.in_progress_expiry_timestamp is not None
                    and old.in_progress_expiry_timestamp < now * 1000)):
            self._validate_payload(data_payload=data_record, stored_data_record=old)
            raise IdempotencyItemAlreadyExistsError(old_data_record=old)
        self.records[data_record.idempotency_key] = data_record

    def _update_record(self, data_record: DataRecord) -> None:
        self.records[data_record.idempotency_key] = data_record

    def _delete_record(self, data_record: DataRecord) -> None:
        self.records.pop(data_record.idempotency_key, None)


class MemoryIdempotencyStore:
    def __init__(self) -> None:
        self.layers: dict[str, MemoryPersistence] = {}

    def persistence(self, function: str) -> MemoryPersistence:
        return self.layers.setdefault(function, MemoryPersistence())

    def busy_retry_after(self, error: Exception) -> int | None:
        """Never busy: nothing here throttles."""
        return None

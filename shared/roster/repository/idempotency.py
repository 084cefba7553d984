"""``Idempotency-Key`` records on the one table: Powertools' DynamoDB persistence layer
in the partition ``IDEMPOTENCY#<function>``, expiring through the table's ``ttl``."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from roster.repository import keys
from roster.repository.table import RETRY_AFTER_SECONDS, retryable

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer


class TableIdempotencyStore:
    def persistence(self, function: str) -> DynamoDBPersistenceLayer:
        from roster.config import get_settings

        return _table_store(function, get_settings().table_name)

    def busy_retry_after(self, error: Exception) -> int | None:
        # The SDK does not retry DynamoDB (roster.aws): busy is a 503, as in Table.call.
        return RETRY_AFTER_SECONDS if retryable(error) else None


@cache
def _table_store(function: str, table_name: str) -> DynamoDBPersistenceLayer:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from roster import aws

    return DynamoDBPersistenceLayer(
        table_name=table_name,
        key_attr="pk",
        sort_key_attr="sk",
        static_pk_value=keys.idempotency_partition(function),
        expiry_attr="ttl",
        boto3_client=aws.dynamodb(),
    )

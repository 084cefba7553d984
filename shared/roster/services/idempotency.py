"""``Idempotency-Key`` for ``POST /agents``: Powertools idempotency on the one table.

Records live in the partition ``IDEMPOTENCY#agents`` (sort key: the hashed, caller-scoped
key), expire through the table's ``ttl`` after ``RECORD_SECONDS``, and remember a hash
of the request body so the same key with another body is refused. What is stored is
the first answer's body: callers must not put anything secret in it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from roster.errors import IdempotencyInProgress, IdempotencyKeyReused, ServiceUnavailable
from roster.repository import keys
from roster.repository.table import RETRY_AFTER_SECONDS, retryable

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
    )

RECORD_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 128


def _store(function: str) -> DynamoDBPersistenceLayer:
    from roster.config import get_settings

    return _table_store(function, get_settings().table_name)


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


@lru_cache(maxsize=1)
def _config() -> IdempotencyConfig:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    return IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="payload",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=RECORD_SECONDS,
    )


_invocation: list[Any] = []


def register_lambda_context(context: Any) -> None:
    """Remember the invocation, so that an interrupted first attempt's record expires
    with its remaining time (Powertools is imported only when a key is used)."""
    _invocation[:] = [context]


def run_once(function: str, key: str, payload: dict[str, Any],
             action: Callable[[], dict[str, Any]]) -> tuple[dict[str, Any], bool]:
    """``action()``'s result the first time ``key`` is used, the stored one after that.

    Returns the result and whether it was a replay. ``payload`` is what must match for
    a replay; a different one is ``409 idempotency_key_reused``.
    """
    from aws_lambda_powertools.utilities.idempotency import idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    ran = False
    config = _config()
    if _invocation:
        config.register_lambda_context(_invocation[0])

    def _run(data: dict[str, Any]) -> dict[str, Any]:
        nonlocal ran
        ran = True
        return action()

    once = idempotent_function(_run, data_keyword_argument="data",
                               persistence_store=_store(function), config=config,
                               key_prefix=function)
    try:
        result = once(data={"key": key, "payload": payload})
    except IdempotencyValidationError as error:
        raise IdempotencyKeyReused() from error
    except IdempotencyAlreadyInProgressError as error:
        raise IdempotencyInProgress() from error
    except IdempotencyPersistenceLayerError as error:
        # The SDK does not retry DynamoDB (roster.aws): busy is a 503, as in Table.call.
        if isinstance(error.__cause__, Exception) and retryable(error.__cause__):
            raise ServiceUnavailable(retryAfter=RETRY_AFTER_SECONDS) from error
        raise
    return dict(result), not ran

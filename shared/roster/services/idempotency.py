"""``Idempotency-Key`` for ``POST /agents``: Powertools idempotency, on the table in
production (``roster.ports.idempotency``).

Records live in the partition ``IDEMPOTENCY#agents`` (sort key: the hashed, caller-scoped
key), expire through the table's ``ttl`` after ``RECORD_SECONDS``, and remember a hash
of the request body so the same key with another body is refused. What is stored is
the first answer's body: callers must not put anything secret in it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from roster.errors import IdempotencyInProgress, IdempotencyKeyReused, ServiceUnavailable
from roster.ports.idempotency import idempotency_store

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

RECORD_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 128


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
                               persistence_store=idempotency_store().persistence(function),
                               config=config, key_prefix=function)
    try:
        result = once(data={"key": key, "payload": payload})
    except IdempotencyValidationError as error:
        raise IdempotencyKeyReused() from error
    except IdempotencyAlreadyInProgressError as error:
        raise IdempotencyInProgress() from error
    except IdempotencyPersistenceLayerError as error:
        cause = error.__cause__
        retry_after = (idempotency_store().busy_retry_after(cause)
                       if isinstance(cause, Exception) else None)
        if retry_after is not None:
            raise ServiceUnavailable(retryAfter=retry_after) from error
        raise
    return dict(result), not ran

"""Low-level DynamoDB table operations for the repository.

Items are plain ``dict``s of Python values; (de)serialisation, pagination of batch reads,
transaction cancellation reasons, retries and ``ClientError`` translation live here so that
the repository methods above it speak only in domain terms.

Retries: every request goes through ``Table.call``, which retries what DynamoDB may answer
differently a moment later (throttling, a ``TransactionConflict``, its own 5xx, a broken
connection) a bounded number of times with full jitter, then raises ``ServiceUnavailable``
(503 with ``Retry-After``), never a 500. The SDK does not retry DynamoDB calls itself
(``roster.aws``): one budget, here, bounds the wait inside a Lambda invocation.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from roster.errors import ConcurrentChange, RosterError, ServiceUnavailable
from roster.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Item = dict[str, Any]
Key = dict[str, str]

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
BATCH_GET_LIMIT = 100
TRANSACT_LIMIT = 100

T = TypeVar("T")
RETRY_AFTER_SECONDS = 1

# Error codes worth another try: throttling, DynamoDB's own 5xx, a write meeting a
# transaction in flight, a transaction whose idempotency token is still being served.
RETRYABLE_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
    "InternalServerError", "ServiceUnavailable", "TransactionConflictException",
    "TransactionInProgressException",
})
# Cancellation reasons of a transaction that another try may not meet.
RETRYABLE_REASONS = frozenset({"TransactionConflict", "ThrottlingError",
                               "ProvisionedThroughputExceeded"})


@dataclass(frozen=True)
class RetryPolicy:
    """How ``Table.call`` retries: ``attempts`` in all, the n-th retry after a random
    wait of at most ``min(cap, base * 2**(n-1))`` seconds (0.35 s in all at most by
    default, well inside a request's time), then ``ServiceUnavailable`` telling the
    client to come back after ``retry_after_seconds``. ``sleep`` is injectable."""

    attempts: int = 4
    base_seconds: float = 0.05
    cap_seconds: float = 0.4
    retry_after_seconds: int = RETRY_AFTER_SECONDS
    sleep: Callable[[float], None] = time.sleep

    def wait(self, retry: int) -> None:
        """Sleep before the ``retry``-th retry (1 for the first)."""
        bound = min(self.cap_seconds, self.base_seconds * 2 ** (retry - 1))
        self.sleep(random.uniform(0, bound))

    def exhausted(self, operation: Callable[..., Any], error: Exception | None
                  ) -> ServiceUnavailable:
        """The 503 to raise (the client learns only to come back; the log says why)."""
        logger.warning("DynamoDB retries exhausted", extra={
            "operation": getattr(operation, "__name__", "unknown"), "attempts": self.attempts,
            "error_code": _code(error)})
        return ServiceUnavailable(retryAfter=self.retry_after_seconds)


def _code(error: Exception | None) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code"))
    return type(error).__name__ if error is not None else "UnprocessedItems"


def cancellation_reasons(error: ClientError) -> list[str]:
    """The per-operation reason codes of a ``TransactionCanceledException``."""
    reasons: list[Any] = error.response.get("CancellationReasons") or []
    return [str(reason.get("Code", "None")) for reason in reasons]


def retryable(error: Exception) -> bool:
    """Whether DynamoDB may well accept the same request a moment later."""
    if isinstance(error, BotoConnectionError | HTTPClientError):
        return True
    if not isinstance(error, ClientError):
        return False
    code = error.response.get("Error", {}).get("Code")
    if code == "TransactionCanceledException":
        reasons = cancellation_reasons(error)
        return "ConditionalCheckFailed" not in reasons and bool(RETRYABLE_REASONS & set(reasons))
    return code in RETRYABLE_CODES


class ConditionFailed(Exception):
    """A conditional single-item write found the item not in the expected state."""

    def __init__(self, item: Item | None = None) -> None:
        super().__init__("conditional check failed")
        self.item = item


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        # Not finite: boto3 stores "-Infinity" (only "Infinity" and "NaN" are refused), and
        # int() of it raised on every read; a float keeps such a legacy item readable.
        if not value.is_finite():
            return float(value)
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_plain(inner) for inner in value]
    if isinstance(value, set):
        return {_plain(inner) for inner in value}
    if hasattr(value, "value") and type(value).__name__ == "Binary":
        return bytes(value.value)
    return value


def _dynamo_ready(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {key: _dynamo_ready(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [_dynamo_ready(inner) for inner in value]
    return value


def serialize(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _serializer.serialize(_dynamo_ready(value)) for key, value in item.items()}


def deserialize(raw: Mapping[str, Any]) -> Item:
    return {key: _plain(_deserializer.deserialize(value)) for key, value in raw.items()}


@dataclass
class Expression:
    """An expression with its attribute names and values (values as Python objects)."""

    text: str
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class TxOp:
    """One operation of a ``TransactWriteItems`` call.

    ``on_condition_failure`` is the domain error raised when this operation's condition
    is what cancelled the transaction (e.g. ``EmailTaken`` for an email guard).
    """

    kind: str  # Put | Update | Delete | ConditionCheck
    key: Key | None = None
    item: Item | None = None
    update: str | None = None
    condition: str | None = None
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    on_condition_failure: RosterError | None = None

    def request(self, table_name: str) -> dict[str, Any]:
        body: dict[str, Any] = {"TableName": table_name}
        if self.kind == "Put":
            assert self.item is not None
            body["Item"] = serialize(self.item)
        else:
            assert self.key is not None
            body["Key"] = serialize(self.key)
        if self.update:
            body["UpdateExpression"] = self.update
        if self.condition:
            body["ConditionExpression"] = self.condition
        if self.names:
            body["ExpressionAttributeNames"] = self.names
        if self.values:
            body["ExpressionAttributeValues"] = serialize(self.values)
        return {self.kind: body}


def put(item: Item, *, condition: str | None = None, names: dict[str, str] | None = None,
        values: dict[str, Any] | None = None, on_condition_failure: RosterError | None = None,
        ) -> TxOp:
    return TxOp("Put", item=item, condition=condition, names=names or {},
                values=values or {}, on_condition_failure=on_condition_failure)


def put_new(item: Item, on_condition_failure: RosterError | None = None) -> TxOp:
    """Put that succeeds only if no item with this key exists (a uniqueness claim)."""
    return put(item, condition="attribute_not_exists(pk)",
               on_condition_failure=on_condition_failure)


def update(key: Key, expression: str, *, condition: str | None = None,
           names: dict[str, str] | None = None, values: dict[str, Any] | None = None,
           on_condition_failure: RosterError | None = None) -> TxOp:
    return TxOp("Update", key=key, update=expression, condition=condition, names=names or {},
                values=values or {}, on_condition_failure=on_condition_failure)


def delete(key: Key, *, condition: str | None = None, names: dict[str, str] | None = None,
           values: dict[str, Any] | None = None,
           on_condition_failure: RosterError | None = None) -> TxOp:
    return TxOp("Delete", key=key, condition=condition, names=names or {}, values=values or {},
                on_condition_failure=on_condition_failure)


def check(key: Key, condition: str, *, names: dict[str, str] | None = None,
          values: dict[str, Any] | None = None,
          on_condition_failure: RosterError | None = None) -> TxOp:
    return TxOp("ConditionCheck", key=key, condition=condition, names=names or {},
                values=values or {}, on_condition_failure=on_condition_failure)


class Table:
    def __init__(self, name: str, client: DynamoDBClient,
                 retry: RetryPolicy | None = None) -> None:
        self.name = name
        self.client = client
        self.retry = retry or RetryPolicy()

    def call(self, operation: Callable[..., T], **params: Any) -> T:
        """``operation(**params)`` (a method of ``client``), retried while the error is
        ``retryable``; ``ServiceUnavailable`` once the policy's attempts are spent."""
        attempt = 1
        while True:
            try:
                return operation(**params)
            except (ClientError, BotoConnectionError, HTTPClientError) as error:
                if not retryable(error):
                    raise
                if attempt >= self.retry.attempts:
                    raise self.retry.exhausted(operation, error) from error
                self.retry.wait(attempt)
                attempt += 1

    def _until_processed(self, operation: Callable[..., Any], unprocessed: str,
                         request: dict[str, Any], on_response: Callable[[Any], None]) -> None:
        """A batch call repeated for what DynamoDB left unprocessed (it does so when
        throttled), with the same bounded backoff as ``call``."""
        rounds = 1
        while request:
            response = self.call(operation, RequestItems=request)
            on_response(response)
            request = dict(response.get(unprocessed) or {})
            if request:
                if rounds >= self.retry.attempts:
                    raise self.retry.exhausted(operation, None)
                self.retry.wait(rounds)
                rounds += 1

    # -- reads
    def get(self, key: Key, *, consistent: bool = True) -> Item | None:
        response = self.call(
            self.client.get_item, TableName=self.name, Key=serialize(key),
            ConsistentRead=consistent,
        )
        raw = response.get("Item")
        return deserialize(raw) if raw else None

    def batch_get(self, keys: Sequence[Key], *, consistent: bool = True) -> list[Item]:
        """Every existing item among ``keys`` (any order); one round trip per 100 keys."""
        unique: dict[tuple[str, str], Key] = {(k["pk"], k["sk"]): k for k in keys}
        pending = [serialize(k) for k in unique.values()]
        found: list[Item] = []
        while pending:
            chunk, pending = pending[:BATCH_GET_LIMIT], pending[BATCH_GET_LIMIT:]
            request: dict[str, Any] = {self.name: {"Keys": chunk, "ConsistentRead": consistent}}
            self._until_processed(
                self.client.batch_get_item, "UnprocessedKeys", request,
                lambda response: found.extend(
                    deserialize(raw) for raw in response["Responses"].get(self.name, [])),
            )
        return found

    def query(
        self,
        key_condition: Expression,
        *,
        index: str | None = None,
        limit: int | None = None,
        start_key: Key | None = None,
        forward: bool = True,
        filter_expression: str | None = None,
        consistent: bool = False,
    ) -> tuple[list[Item], Key | None]:
        """One ``Query`` page: the items and the key to continue from (or ``None``)."""
        params: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": key_condition.text,
            "ScanIndexForward": forward,
        }
        self._conditions(params, None, key_condition.names, key_condition.values)
        if index:
            params["IndexName"] = index
        elif consistent:
            params["ConsistentRead"] = True
        if limit:
            params["Limit"] = limit
        if start_key:
            params["ExclusiveStartKey"] = serialize(start_key)
        if filter_expression:
            params["FilterExpression"] = filter_expression
        response = self.call(self.client.query, **params)
        items = [deserialize(raw) for raw in response.get("Items", [])]
        last = response.get("LastEvaluatedKey")
        return items, ({k: v for k, v in deserialize(last).items()} if last else None)

    # -- single-item writes
    def put(self, item: Item, *, condition: str | None = None,
            names: dict[str, str] | None = None, values: dict[str, Any] | None = None) -> None:
        params: dict[str, Any] = {"TableName": self.name, "Item": serialize(item)}
        self._conditions(params, condition, names, values)
        try:
            self.call(self.client.put_item, **params)
        except ClientError as error:
            raise self._translate(error) from error

    def update(self, key: Key, expression: str, *, condition: str | None = None,
               names: dict[str, str] | None = None, values: dict[str, Any] | None = None,
               return_old_on_failure: bool = False) -> Item:
        """Update and return the new item; ``ConditionFailed`` when the condition fails."""
        params: dict[str, Any] = {
            "TableName": self.name,
            "Key": serialize(key),
            "UpdateExpression": expression,
            "ReturnValues": "ALL_NEW",
        }
        if return_old_on_failure:
            params["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        self._conditions(params, condition, names, values)
        try:
            response = self.call(self.client.update_item, **params)
        except ClientError as error:
            raise self._translate(error) from error
        return deserialize(response.get("Attributes", {}))

    def delete(self, key: Key, *, condition: str | None = None,
               names: dict[str, str] | None = None, values: dict[str, Any] | None = None,
               ) -> Item | None:
        """Delete and return the old item; ``ConditionFailed`` when the condition fails."""
        params: dict[str, Any] = {"TableName": self.name, "Key": serialize(key),
                                  "ReturnValues": "ALL_OLD"}
        self._conditions(params, condition, names, values)
        try:
            response = self.call(self.client.delete_item, **params)
        except ClientError as error:
            raise self._translate(error) from error
        raw = response.get("Attributes")
        return deserialize(raw) if raw else None

    def batch_write(self, puts: Sequence[Item] = (), deletes: Sequence[Key] = ()) -> None:
        """Unconditional writes in chunks of 25 (used by the cleanup, never for claims)."""
        requests = [{"PutRequest": {"Item": serialize(i)}} for i in puts] + [
            {"DeleteRequest": {"Key": serialize(k)}} for k in deletes
        ]
        while requests:
            chunk, requests = requests[:25], requests[25:]
            self._until_processed(self.client.batch_write_item, "UnprocessedItems",
                                  {self.name: chunk}, lambda _: None)

    # -- transactions
    def transact(self, operations: Sequence[TxOp], *, token: str | None = None) -> None:
        """All or nothing; raises the failing operation's domain error when one is set."""
        if not operations:
            return
        if len(operations) > TRANSACT_LIMIT:
            raise ValueError(f"a transaction takes at most {TRANSACT_LIMIT} operations")
        params: dict[str, Any] = {"TransactItems": [op.request(self.name) for op in operations]}
        if token:
            params["ClientRequestToken"] = token
        try:
            self.call(self.client.transact_write_items, **params)
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            for index, code in enumerate(cancellation_reasons(error)):
                if code == "ConditionalCheckFailed":
                    failure = operations[index].on_condition_failure
                    raise (failure or ConcurrentChange()) from error
            # Any other reason (moto omits them for some failures): the items changed.
            raise ConcurrentChange() from error

    @staticmethod
    def _conditions(params: dict[str, Any], condition: str | None,
                    names: dict[str, str] | None, values: dict[str, Any] | None) -> None:
        if condition:
            params["ConditionExpression"] = condition
        if names:
            params["ExpressionAttributeNames"] = names
        if values:
            params["ExpressionAttributeValues"] = serialize(values)

    @staticmethod
    def _translate(error: ClientError) -> Exception:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raw: Any = error.response.get("Item")
            return ConditionFailed(deserialize(raw) if raw else None)
        return error

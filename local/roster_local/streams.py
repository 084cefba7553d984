"""DynamoDB Streams → Lambda, locally: what an event source mapping does.

Each stream event of a function becomes a ``Subscription`` that reads the table's
stream with the ``dynamodbstreams`` client, turns records into the Lambda event format,
applies the filter criteria and the batch size, invokes the function, redelivers the
records it reports as failed and, once they have used their retries
(``MaximumRetryAttempts``, -1: no limit) or are older than ``MaximumRecordAgeInSeconds``,
sends them to the on-failure destination (an SQS queue).
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from roster_local.functions import FunctionFailed
from roster_local.provision import aws_client
from roster_local.template import FunctionSpec, StreamEvent

log = logging.getLogger("local_aws")  # Powertools mutes loggers named after its service

MAX_PUMP_ROUNDS = 10  # stream functions that write to the table feed further rounds

Invoke = Callable[[FunctionSpec, Any], Any]


def now() -> float:
    """Epoch seconds, which records' ages are measured against (a test may move it)."""
    return time.time()


def matches_pattern(pattern: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """EventBridge-style pattern matching, the subset Lambda filter criteria use.

    Objects match field by field; a list of leaves matches when the event's value (or
    one of its values, for a list) equals one of them. Leaves may also be
    ``{"prefix": s}``, ``{"exists": bool}`` and ``{"anything-but": value | [values]}``.
    """
    for key, expected in pattern.items():
        present = key in event
        actual = event.get(key)
        if isinstance(expected, Mapping):
            if not (isinstance(actual, Mapping) and matches_pattern(expected, actual)):
                return False
        elif isinstance(expected, list):
            if not any(_leaf_matches(leaf, present, actual) for leaf in expected):
                return False
        else:
            raise ValueError(f"filter pattern field {key!r} must be an object or a list")
    return True


def _leaf_matches(leaf: Any, present: bool, actual: Any) -> bool:
    if isinstance(leaf, Mapping):
        [(operator, operand)] = leaf.items()
        if operator == "exists":
            return present is bool(operand)
        values = actual if isinstance(actual, list) else [actual]
        if not present:
            return False
        if operator == "prefix":
            return any(isinstance(value, str) and value.startswith(operand) for value in values)
        if operator == "anything-but":
            excluded = operand if isinstance(operand, list) else [operand]
            return all(value not in excluded for value in values)
        raise ValueError(f"filter operator {operator!r} is not supported locally")
    if not present:
        return False
    values = actual if isinstance(actual, list) else [actual]
    return any(value == leaf and type(value) is type(leaf) for value in values)


def lambda_record(raw: Mapping[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """A ``GetRecords`` record as Lambda hands it to a function."""
    dynamodb = dict(raw["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        dynamodb["ApproximateCreationDateTime"] = int(created.timestamp())
    for key in ("Keys", "NewImage", "OldImage"):
        if key in dynamodb:
            dynamodb[key] = _wire_values(dynamodb[key])
    return {
        "eventID": raw["eventID"],
        "eventName": raw["eventName"],
        "eventVersion": raw.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": raw.get("awsRegion", region),
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }


def _wire_values(value: Any) -> Any:
    """AttributeValues as JSON carries them: binary as base64 text."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Mapping):
        return {key: _wire_values(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_wire_values(item) for item in value]
    return value


@dataclass
class Pending:
    record: dict[str, Any]
    shard_id: str
    failures: int = 0

    @property
    def sequence_number(self) -> str:
        return str(self.record["dynamodb"]["SequenceNumber"])

    @property
    def created(self) -> int | None:
        """When the record was written (epoch seconds), if the stream says."""
        created = self.record["dynamodb"].get("ApproximateCreationDateTime")
        return int(created) if created is not None else None


@dataclass
class Subscription:
    """One event source mapping: where it is in each shard and what is due a retry."""

    function: FunctionSpec
    function_arn: str
    event: StreamEvent
    stream_arn: str
    dead_letter_arn: str | None
    region: str
    # shard id -> sequence number of the last record read (None: from the shard's start)
    positions: dict[str, str | None] = field(default_factory=dict)
    retry: list[Pending] = field(default_factory=list)

    @classmethod
    def start(
        cls,
        function: FunctionSpec,
        function_arn: str,
        event: StreamEvent,
        stream_arn: str,
        dead_letter_arn: str | None,
        region: str,
    ) -> Subscription:
        client = aws_client("dynamodbstreams", region)
        shards = client.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
        subscription = cls(function, function_arn, event, stream_arn, dead_letter_arn, region,
                           {shard["ShardId"]: None for shard in shards})
        if event.starting_position != "TRIM_HORIZON":
            subscription._read()  # LATEST: skip what is already there
        return subscription

    def pump(self, invoke: Invoke) -> int:
        """Redeliver what is due, then deliver what is new; return the records delivered."""
        retries, self.retry = self.retry, []
        delivered = self._deliver(invoke, retries)
        for _ in range(MAX_PUMP_ROUNDS):
            fresh = self._read()
            if not fresh:
                break
            delivered += self._deliver(invoke, [item for item in fresh if self._wanted(item)])
        return delivered

    def _wanted(self, item: Pending) -> bool:
        filters = self.event.filters
        return not filters or any(matches_pattern(f, item.record) for f in filters)

    def _read(self) -> list[Pending]:
        """The records after each shard's position, from a fresh iterator every time.

        moto's iterators hold the shard object itself, and a cancelled transaction puts
        back a copy of the table (with a new shard object): an iterator kept across
        requests would read the discarded shard and miss every later record.
        """
        client = aws_client("dynamodbstreams", self.region)
        found: list[Pending] = []
        for shard_id, position in list(self.positions.items()):
            request: dict[str, Any] = (
                {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": position}
                if position is not None else {"ShardIteratorType": "TRIM_HORIZON"})
            iterator: str | None = client.get_shard_iterator(
                StreamArn=self.stream_arn, ShardId=shard_id, **request)["ShardIterator"]
            while iterator:
                page = client.get_records(ShardIterator=iterator, Limit=1000)
                found += [
                    Pending(lambda_record(raw, self.stream_arn, self.region), shard_id)
                    for raw in page["Records"]
                ]
                if page["Records"]:
                    self.positions[shard_id] = str(
                        page["Records"][-1]["dynamodb"]["SequenceNumber"])
                iterator = page.get("NextShardIterator")
                if not iterator:
                    del self.positions[shard_id]  # the shard is closed
                if not page["Records"]:
                    break
        return found

    def _drop_expired(self, pending: list[Pending]) -> list[Pending]:
        """Send the records older than the mapping's maximum age to the on-failure
        destination (as Lambda does, without invoking); return the others."""
        limit = self.event.maximum_record_age_seconds
        if limit < 0:
            return pending
        moment = now()
        live: list[Pending] = []
        expired: dict[str, list[Pending]] = {}  # per shard, as Lambda reports them
        for item in pending:
            if item.created is not None and moment - item.created > limit:
                expired.setdefault(item.shard_id, []).append(item)
            else:
                live.append(item)
        for records in expired.values():
            self._dead_letter(records, "RecordAgeExceeded")
        return live

    def _deliver(self, invoke: Invoke, pending: list[Pending]) -> int:
        pending = self._drop_expired(pending)
        size = max(1, self.event.batch_size)
        limit = self.event.maximum_retry_attempts
        for start in range(0, len(pending), size):
            batch = pending[start : start + size]
            failed = self._invoke(invoke, batch)
            exhausted: list[Pending] = []
            for item in batch:
                if item.sequence_number in failed:
                    item.failures += 1
                    (exhausted if 0 <= limit < item.failures else self.retry).append(item)
            if exhausted:
                self._dead_letter(exhausted)
        return len(pending)

    def _invoke(self, invoke: Invoke, batch: list[Pending]) -> set[str]:
        """The sequence numbers of the records that failed."""
        everything = {item.sequence_number for item in batch}
        try:
            result = invoke(self.function, {"Records": [item.record for item in batch]})
        except FunctionFailed:
            log.exception(
                "stream function %s failed a batch of %d records", self.function.name, len(batch)
            )
            return everything
        if not self.event.report_batch_item_failures or not isinstance(result, Mapping):
            return set()
        reported = {
            str(failure.get("itemIdentifier")) if isinstance(failure, Mapping) else ""
            for failure in result.get("batchItemFailures") or []
        }
        if not reported <= everything:
            log.error(
                "stream function %s reported unknown item identifiers: the whole batch is retried",
                self.function.name,
            )
            return everything
        return reported

    def _dead_letter(self, records: list[Pending],
                     condition: str = "RetryAttemptsExhausted") -> None:
        if self.dead_letter_arn is None:
            log.error(
                "%d stream records dropped after their retries (no on-failure destination)",
                len(records),
            )
            return
        _, _, _, _, owner, queue_name = self.dead_letter_arn.split(":", 5)
        client = aws_client("sqs", self.region)
        url = client.get_queue_url(QueueName=queue_name, QueueOwnerAWSAccountId=owner)["QueueUrl"]
        first, last = records[0].record["dynamodb"], records[-1].record["dynamodb"]
        message = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self.function_arn,
                "condition": condition,
                "approximateInvokeCount": max(item.failures for item in records),
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
            "version": "1.0",
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "DDBStreamBatchInfo": {
                "shardId": records[0].shard_id,
                "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "approximateArrivalOfFirstRecord": first.get("ApproximateCreationDateTime"),
                "approximateArrivalOfLastRecord": last.get("ApproximateCreationDateTime"),
                "batchSize": len(records),
                "streamArn": self.stream_arn,
            },
            # A local addition: Lambda sends only the batch's place in the stream.
            "Records": [item.record for item in records],
        }
        client.send_message(QueueUrl=url, MessageBody=json.dumps(message))
        log.warning(
            "%d stream records sent to %s after %d failures (%s)",
            len(records),
            queue_name,
            max(item.failures for item in records),
            condition,
        )


class StreamPump:
    """Every subscription of a runtime, pumped by one thread at a time."""

    def __init__(self) -> None:
        self.subscriptions: list[Subscription] = []
        self._lock = threading.Lock()

    def pump(self, invoke: Invoke) -> int:
        """Pump every subscription, then drop the stream records all of a stream's
        subscriptions have read (retries are held by the subscription, not the stream):
        a long-running local server would otherwise keep every record of its life in
        moto, walked by each read and copied by each transaction."""
        with self._lock:
            delivered = sum(subscription.pump(invoke) for subscription in self.subscriptions)
            self._trim_read_records()
            return delivered

    def _trim_read_records(self) -> None:
        from roster_local.moto_tuning import trim_stream

        readers: dict[str, list[str | None]] = {}
        for subscription in self.subscriptions:
            readers.setdefault(subscription.stream_arn, []).extend(
                subscription.positions.values())
        for stream_arn, positions in readers.items():
            read = [int(position) for position in positions if position is not None]
            if not read or len(read) < len(positions):
                continue  # a shard not read yet: nothing is known to be read by all
            table_name = stream_arn.split(":table/", 1)[1].split("/", 1)[0]
            try:
                trim_stream(table_name, through=str(min(read)))
            except LookupError:  # AWS is not an in-process moto: nothing to trim
                continue

"""moto tuned for large tables: the one place the tests and the bench reach into moto's
in-process DynamoDB backend.

What they measure is the reads and writes of our code, not moto; at 10,000-100,000 items
moto's own costs would dominate (minutes of seeding, seconds per transaction), so:

- ``seed_items`` puts items straight into the backend (~0.1 ms each, against ~1.5 ms
  through ``BatchWriteItem``, which re-measures the item size attribute by attribute),
  without stream records;
- ``trim_stream`` drops the stream records already read (DynamoDB trims after 24 hours);
- ``cheap_transaction_rollback`` replaces moto's rollback snapshot (a deep copy of every
  table a transaction names, once per operation) by a copy of just the items the
  transaction names, put back if it is cancelled: the same outcome, at a cost that
  grows with the transaction rather than the table;
- ``direct_responses`` answers item and stream reads without moto's serializer;
- ``deferred_private_keys``: moto makes an RSA private key for every KMS key, symmetric
  ones included (~40 ms, and every test provisions a key); it is made on first use.

``tuned_moto`` installs the last three: the tests' ``aws`` fixture, the local server and
the bench run under it.
"""

from __future__ import annotations

import copy
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import Any


def backend_table(name: str, region: str | None = None) -> Any:
    """moto's ``Table`` object for ``name`` (looked up each time: moto's own rollback
    used to replace it)."""
    from moto.dynamodb.models import dynamodb_backends

    region = region or os.environ.get("AWS_DEFAULT_REGION") or os.environ["AWS_REGION"]
    for account in dynamodb_backends:
        tables = dynamodb_backends[account][region].tables
        if name in tables:
            return tables[name]
    raise LookupError(f"table {name} is not in moto's {region} backend")


def seed_items(table_name: str, items: Iterable[Mapping[str, Any]]) -> int:
    """Put items given in DynamoDB's JSON form (``serialize``d) straight into moto's table,
    indexes included (moto derives them from the items), without stream records or
    moto's validation (item size, attribute types): keep seeded items small and well
    formed. Returns how many were put."""
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

    table = backend_table(table_name)
    hash_attr, range_attr = table.hash_key_attr, table.range_key_attr
    count = 0
    for raw in items:
        item: Any = Item.__new__(Item)
        item.hash_key = DynamoType(raw[hash_attr])
        item.range_key = DynamoType(raw[range_attr]) if range_attr else None
        attrs = LimitedSizeDict.__new__(LimitedSizeDict)
        dict.update(attrs, {name: DynamoType(value) for name, value in raw.items()})
        item.attrs = attrs
        if range_attr:
            table.items[item.hash_key][item.range_key] = item
        else:
            table.items[item.hash_key] = item
        count += 1
    return count


# Held while a patched transaction runs and while the stream is trimmed: a transaction
# cancelled in moto's server thread drops the stream records written after the length it
# noted, which a trim in the pump thread must not shift meanwhile.
_stream_lock = threading.RLock()


def trim_stream(table_name: str, through: str | None = None) -> int:
    """Drop the table's stream records up to and including sequence number ``through``
    (all of them without it); call once they have been read: moto keeps them all, every
    later ``GetRecords`` walks them, and every whole-table copy copies them (DynamoDB
    itself trims after 24 hours). Returns how many were dropped."""
    with _stream_lock:
        shard = backend_table(table_name).stream_shard
        if shard is None or not shard.items:
            return 0
        count = len(shard.items)
        if through is not None:
            count = max(0, min(count, int(through) - shard.starting_sequence_number + 1))
        shard.starting_sequence_number += count
        del shard.items[:count]
        return count


class _Transaction(threading.local):
    """Per thread: whether it is inside a (patched) ``TransactWriteItems``."""

    running = False


_transaction = _Transaction()


class _NoTableCopies:
    """Stands in for the ``copy`` module in ``moto.dynamodb.models``: inside a
    transaction, moto's whole-table snapshot is the table itself (the items it names
    are saved instead); every other copy is a real one."""

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        from moto.dynamodb.models.table import Table

        if _transaction.running and isinstance(value, Table):
            return value
        return copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def _saved_item(backend: Any, entry: Mapping[str, Any]) -> tuple[Any, Any, Any, Any] | None:
    """(table, hash key, range key, a copy of the item or None) for one transaction
    entry; None for an entry moto will reject before writing anything."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    op = next(iter(entry.values()), None)
    if not isinstance(op, Mapping):
        return None
    table = backend.tables.get(op.get("TableName"))
    key = op.get("Key") or op.get("Item")
    if table is None or not key or table.hash_key_attr not in key:
        return None
    hash_key = DynamoType(key[table.hash_key_attr])
    range_key = None
    if table.range_key_attr:
        if table.range_key_attr not in key:
            return None
        range_key = DynamoType(key[table.range_key_attr])
    return table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))


def _restore(saved: list[tuple[Any, Any, Any, Any]], streams: dict[int, tuple[Any, int]]) -> None:
    """Put every named item back as it was (last saved first, so an item named twice
    ends as it was before the first), and drop the stream records written since."""
    for table, hash_key, range_key, item in reversed(saved):
        if range_key is None:
            table.items.pop(hash_key, None)
            if item is not None:
                table.items[hash_key] = item
            continue
        table.items[hash_key].pop(range_key, None)
        if item is not None:
            table.items[hash_key][range_key] = item
    for table, length in streams.values():
        if table.stream_shard is not None:
            del table.stream_shard.items[length:]


@contextmanager
def cheap_transaction_rollback() -> Iterator[None]:
    """Within: ``TransactWriteItems`` snapshots the items it names, not whole tables.

    A cancelled transaction leaves every table exactly as before (items and stream);
    nesting is harmless (the outermost installation does the work)."""
    from moto.dynamodb import models as moto_models

    models: Any = moto_models  # patched below: moto's types do not allow it
    backend_class: Any = models.DynamoDBBackend
    original = backend_class.transact_write_items
    if getattr(original, "cheap_rollback", False):
        yield
        return

    def transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
        with _stream_lock:
            saved = [s for entry in transact_items
                     if (s := _saved_item(backend, entry)) is not None]
            streams = {id(table): (table, len(table.stream_shard.items))
                       for table, *_ in saved if table.stream_shard is not None}
            _transaction.running = True
            try:
                original(backend, transact_items)
            except BaseException:
                _restore(saved, streams)
                raise
            finally:
                _transaction.running = False

    setattr(transact_write_items, "cheap_rollback", True)  # noqa: B010 - a marker, not typed
    copy_module = models.copy
    models.copy = _NoTableCopies()
    backend_class.transact_write_items = transact_write_items
    try:
        yield
    finally:
        backend_class.transact_write_items = original
        models.copy = copy_module



# The operations whose results moto already holds in the wire form (``dynamo_to_dict``,
# stream records): their answer is that form as JSON. moto's generic serializer walks the
# botocore model for every attribute value, which was most of the tests' CPU time.
DIRECT_OPERATIONS = frozenset({
    ("dynamodb", name) for name in (
        "GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem",
        "BatchWriteItem", "TransactGetItems", "TransactWriteItems")
} | {("dynamodbstreams", "GetRecords"), ("dynamodbstreams", "GetShardIterator")})


def _wire(value: Any) -> Any:
    """``value`` as the JSON serializer writes it: no None members, times as epoch
    seconds (millisecond precision), binary values in base64."""
    from base64 import b64encode
    from datetime import UTC, datetime

    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        seconds = int(moment.timestamp())
        millis = moment.microsecond // 1000
        return seconds + millis / 1000.0 if moment.microsecond else seconds
    if isinstance(value, bytes):
        return b64encode(value).decode("ascii")
    return value


@contextmanager
def direct_responses() -> Iterator[None]:
    """Within: moto answers ``DIRECT_OPERATIONS`` with their results dumped as JSON (what
    its serializer writes for them: a test holds both equal); errors and every other
    operation go through moto's serializer as before."""
    import json

    from moto.core.responses import ActionResult

    result_class: Any = ActionResult
    original = result_class.execute_result
    if getattr(original, "direct", False):
        yield
        return

    def execute_result(result: Any, context: Any) -> Any:
        operation = (str(context.service_model.service_name),
                     str(context.operation_model.name))
        if operation not in DIRECT_OPERATIONS or isinstance(result.result, Exception):
            return original(result, context)
        body = json.dumps(_wire(result.result), separators=(",", ":"))
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, body

    setattr(execute_result, "direct", True)  # noqa: B010 - a marker, not typed
    setattr(execute_result, "serialized", original)  # noqa: B010 - for the equality test
    result_class.execute_result = execute_result
    try:
        yield
    finally:
        result_class.execute_result = original


class _DeferredPrivateKey:
    """moto's private key for a symmetric KMS key, generated when moto first reads it
    (it never does for encrypt, decrypt or data keys): the same key type and behaviour,
    without paying for an RSA key nobody uses."""

    def __init__(self, generate: Any, key_spec: str) -> None:
        self._generate = generate
        self._key_spec = key_spec
        self._key: Any = None
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_generate", "_key_spec", "_key", "_lock"):
            raise AttributeError(name)  # copy/pickle probes, and a half-built copy
        return getattr(self.generated(), name)

    def generated(self) -> Any:
        with self._lock:
            if self._key is None:
                self._key = self._generate(self._key_spec)
            return self._key


@contextmanager
def deferred_private_keys() -> Iterator[None]:
    """Within: a ``SYMMETRIC_DEFAULT`` KMS key's (unused) RSA private key is made on first
    use instead of at ``CreateKey``; asymmetric keys get theirs at once, as before."""
    from moto.kms import models as moto_models

    models: Any = moto_models  # patched below: moto's types do not allow it
    original = models.generate_private_key
    if getattr(original, "deferred", False):
        yield
        return

    def generate_private_key(key_spec: str) -> Any:
        if key_spec == "SYMMETRIC_DEFAULT":
            return _DeferredPrivateKey(original, key_spec)
        return original(key_spec)

    setattr(generate_private_key, "deferred", True)  # noqa: B010 - a marker, not typed
    models.generate_private_key = generate_private_key
    try:
        yield
    finally:
        models.generate_private_key = original


@contextmanager
def tuned_moto() -> Iterator[None]:
    """Within: every tuning that keeps moto's answers and makes them cheaper (item-level
    transaction rollback, direct item/stream answers, deferred KMS private keys)."""
    with ExitStack() as stack:
        for tuning in (cheap_transaction_rollback, direct_responses, deferred_private_keys):
            stack.enter_context(tuning())
        yield

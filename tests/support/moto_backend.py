"""Working with moto's DynamoDB backend directly, for tests that need a large table.

Writing 10,000 items through the API costs minutes in moto (serialisation, a stream
record each, and a deep copy of the whole table for every operation of every later
transaction); what those tests prove is about the reads of the code under test, not
about moto, so they seed the backend directly and skip its rollback snapshots.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable
from typing import Any

import pytest
from roster.repository import get_repository
from roster.repository.table import Item, serialize


def _backend_table() -> Any:
    from moto.dynamodb.models import dynamodb_backends

    table = get_repository().table
    region = table.client.meta.region_name
    for account in dynamodb_backends:
        backend = dynamodb_backends[account][region]
        if table.name in backend.tables:
            return backend.tables[table.name]
    raise LookupError(f"{table.name} is not in moto's backend")


def seed_items(items: Iterable[Item]) -> int:
    """Put items straight into moto's copy of the table (indexes included, as moto
    derives them from the items), without stream records; return how many.

    moto's 400 KB item-size check re-measures the whole item for every attribute it
    sets; it is skipped here, so keep seeded items small."""
    from moto.dynamodb.models.dynamo_type import LimitedSizeDict

    table = _backend_table()
    shard, table.stream_shard = table.stream_shard, None
    checked = LimitedSizeDict.__setitem__
    LimitedSizeDict.__setitem__ = dict.__setitem__  # type: ignore[assignment]
    count = 0
    try:
        for item in items:
            table.put_item(serialize(item))
            count += 1
    finally:
        LimitedSizeDict.__setitem__ = checked  # type: ignore[method-assign]
        table.stream_shard = shard
    return count


class _Snapshots(threading.local):
    """Per thread: the snapshots of the transaction it is running (``None``: none is
    running; ``skip``: take none)."""

    taken: dict[int, Any] | None = None
    skip = False


_state = _Snapshots()


class _TransactionCopy:
    """Stands in for the ``copy`` module in ``moto.dynamodb.models``: inside a
    transaction, a table is copied at most once (or not at all with ``skip``)."""

    @staticmethod
    def deepcopy(value: Any) -> Any:
        from moto.dynamodb.models.table import Table

        if _state.taken is None or not isinstance(value, Table):
            return copy.deepcopy(value)
        if _state.skip:
            return value
        if id(value) not in _state.taken:
            _state.taken[id(value)] = copy.deepcopy(value)
        return _state.taken[id(value)]

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def snapshot_once_per_transaction(monkeypatch: pytest.MonkeyPatch, *,
                                  skip: bool = False) -> list[str]:
    """moto deep-copies a table once per *operation* of a transaction, for a rollback;
    all those copies are of one state (taken before any write), so one per table and
    transaction gives the same rollback for a fraction of the cost.

    With ``skip`` no snapshot is taken at all (seconds each at 10,000 items): only for
    a test in which no transaction may be cancelled, since a cancelled one keeps its
    writes. The returned list collects every failed transaction for the test to check.
    """
    from moto.dynamodb import models

    failed: list[str] = []
    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        if _state.taken is not None:  # installed twice: the outer one decides
            original(self, transact_items)
            return
        _state.taken, _state.skip = {}, skip
        try:
            original(self, transact_items)
        except Exception as error:
            failed.append(repr(error))
            raise
        finally:
            _state.taken, _state.skip = None, False

    monkeypatch.setattr(models, "copy", _TransactionCopy())
    monkeypatch.setattr(models.DynamoDBBackend, "transact_write_items", transact_write_items)
    return failed


def without_rollback_snapshots(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``snapshot_once_per_transaction`` with ``skip``: see there."""
    return snapshot_once_per_transaction(monkeypatch, skip=True)

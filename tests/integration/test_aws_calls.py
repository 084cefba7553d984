"""``support.aws_calls``, the one recorder of AWS round trips the tests and the bench count
with: what it records, and what it leaves out (other threads, a paused block, services not
asked for)."""

from __future__ import annotations

import threading

from roster import aws
from roster_local import Runtime
from support.aws_calls import aws_calls, with_actions


def _get(table: str, pk: str) -> None:
    aws.dynamodb().get_item(TableName=table, Key={"pk": {"S": pk}, "sk": {"S": "x"}})


def test_it_records_calls_items_read_and_transaction_sizes(runtime: Runtime) -> None:
    table = runtime.environment["ROSTER_TABLE_NAME"]
    aws.dynamodb().put_item(TableName=table, Item={"pk": {"S": "a"}, "sk": {"S": "x"}})
    put = {"Put": {"TableName": table, "Item": {"pk": {"S": "b"}, "sk": {"S": "x"}}}}
    with aws_calls() as recorded:
        _get(table, "a")
        _get(table, "missing")
        aws.dynamodb().transact_write_items(TransactItems=[put])
    assert recorded.entries == ["GetItem", "GetItem", "TransactWriteItems:1"]
    assert recorded.counts == {"dynamodb:GetItem": 2, "dynamodb:TransactWriteItems": 1}
    assert recorded.reads == {"GetItem": 1} and recorded.items_read == 1
    with aws_calls(name=with_actions) as named:
        aws.dynamodb().transact_write_items(TransactItems=[put])
    assert named.entries == ["TransactWriteItems", "-Put"]


def test_it_leaves_out_other_threads_paused_blocks_and_other_services(
        runtime: Runtime) -> None:
    table = runtime.environment["ROSTER_TABLE_NAME"]
    with aws_calls(("dynamodb",), this_thread=True) as recorded:
        worker = threading.Thread(target=_get, args=(table, "elsewhere"))
        worker.start()
        worker.join()
        with recorded.paused():
            _get(table, "paused")
        aws.kms().list_keys()
        _get(table, "counted")
    assert recorded.entries == ["GetItem"]
    assert recorded.counts == {"dynamodb:GetItem": 1}

"""DynamoDB retries: busy is retried with jitter a bounded number of times, then a 503.

Faults are injected with ``botocore.stub.Stubber`` on a real DynamoDB client (no AWS, no
moto), and the policy's sleep is recorded instead of slept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from botocore.stub import Stubber
from roster import aws
from roster.errors import ConcurrentChange, EmailTaken, ServiceUnavailable
from roster.repository.table import (
    ConditionFailed,
    Expression,
    RetryPolicy,
    Table,
    put_new,
    retryable,
    update,
)

TABLE = "roster-test"
KEY = {"pk": "AGENT#1", "sk": "PROFILE"}
ITEM = {**KEY, "name": "x"}
THROTTLING = ["ProvisionedThroughputExceededException", "ThrottlingException",
              "RequestLimitExceeded"]
POLICY = RetryPolicy()
MAX_TOTAL_WAIT_SECONDS = 1.0  # inside a Lambda invocation


class Harness:
    """A table whose client answers what the test queued; the waits it asked for."""

    def __init__(self) -> None:
        client = boto3.session.Session().client(
            "dynamodb", region_name="us-east-1", aws_access_key_id="testing",
            aws_secret_access_key="testing")
        self.stubber = Stubber(client)
        self.waits: list[float] = []
        self.table = Table(TABLE, client, RetryPolicy(sleep=self.waits.append))

    def fail(self, operation: str, code: str, times: int = 1, **fields: Any) -> None:
        for _ in range(times):
            self.stubber.add_client_error(operation, service_error_code=code,
                                          http_status_code=400, modeled_fields=fields or None)

    def answer(self, operation: str, response: dict[str, Any]) -> None:
        self.stubber.add_response(operation, response)


@pytest.fixture
def harness() -> Iterator[Harness]:
    made = Harness()
    with made.stubber:
        yield made
    made.stubber.assert_no_pending_responses()


def conflict() -> dict[str, Any]:
    return {"CancellationReasons": [{"Code": "None"}, {"Code": "TransactionConflict"}]}


OPERATIONS: dict[str, tuple[str, Callable[[Table], Any]]] = {
    "get": ("get_item", lambda table: table.get(KEY)),
    "batch_get": ("batch_get_item", lambda table: table.batch_get([KEY])),
    "query": ("query", lambda table: table.query(
        Expression("pk = :pk", values={":pk": KEY["pk"]}))),
    "put": ("put_item", lambda table: table.put(ITEM)),
    "update": ("update_item", lambda table: table.update(KEY, "SET n = :n", values={":n": 1})),
    "delete": ("delete_item", lambda table: table.delete(KEY)),
    "batch_write": ("batch_write_item", lambda table: table.batch_write(puts=[ITEM])),
    "transact": ("transact_write_items", lambda table: table.transact([put_new(ITEM)])),
}


def test_a_transaction_conflict_once_is_retried_and_succeeds(harness: Harness) -> None:
    """Rule: a TransactionCanceledException with a TransactionConflict reason is retried
    (botocore never retries it). Fails when ``Table.call`` stops retrying it: the write
    would answer 409 concurrent_change for a conflict that a retry resolves."""
    harness.fail("transact_write_items", "TransactionCanceledException", **conflict())
    harness.answer("transact_write_items", {})

    harness.table.transact([put_new(ITEM), update(KEY, "SET n = :n", values={":n": 1})])

    assert len(harness.waits) == 1
    assert 0 <= harness.waits[0] <= POLICY.base_seconds


def test_a_conflict_that_persists_is_503_after_bounded_attempts(harness: Harness) -> None:
    """Rule: retries are bounded, jittered and short, then ``503 service_unavailable``
    with ``retryAfter``, never a 500 nor an endless wait. Fails when the attempts are
    unbounded (the stub runs out: another call) or end in another error."""
    harness.fail("transact_write_items", "TransactionCanceledException",
                 times=POLICY.attempts, **conflict())

    with pytest.raises(ServiceUnavailable) as raised:
        harness.table.transact([put_new(ITEM)])

    assert raised.value.status == 503 and raised.value.code == "service_unavailable"
    assert raised.value.problem()["retryAfter"] == POLICY.retry_after_seconds
    assert len(harness.waits) == POLICY.attempts - 1
    bounds = [min(POLICY.cap_seconds, POLICY.base_seconds * 2**n)
              for n in range(POLICY.attempts - 1)]
    assert all(0 <= wait <= bound for wait, bound in zip(harness.waits, bounds, strict=True))
    assert sum(bounds) <= MAX_TOTAL_WAIT_SECONDS


@pytest.mark.parametrize("code", THROTTLING)
@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_throttling_on_every_call_is_retried_then_503(harness: Harness, name: str,
                                                      code: str) -> None:
    """Rule: a throttling error on any table call is retried, then answered 503. Fails
    when a call bypasses ``Table.call`` (the error escapes as a ClientError: a 500)."""
    operation, act = OPERATIONS[name]
    harness.fail(operation, code, times=POLICY.attempts)

    with pytest.raises(ServiceUnavailable):
        act(harness.table)

    assert len(harness.waits) == POLICY.attempts - 1


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_throttling_once_then_the_call_succeeds(harness: Harness, name: str) -> None:
    operation, act = OPERATIONS[name]
    harness.fail(operation, "ProvisionedThroughputExceededException")
    harness.answer(operation, {
        "get_item": {"Item": {"pk": {"S": KEY["pk"]}, "sk": {"S": KEY["sk"]}}},
        "batch_get_item": {"Responses": {TABLE: []}},
        "query": {"Items": []},
        "batch_write_item": {},
    }.get(operation, {}))

    act(harness.table)

    assert len(harness.waits) == 1


def test_a_failed_condition_is_not_retried(harness: Harness) -> None:
    """A transaction cancelled by its own condition is the domain's answer at once,
    even when another operation met a conflict: a retry cannot change it."""
    harness.fail("transact_write_items", "TransactionCanceledException", CancellationReasons=[
        {"Code": "ConditionalCheckFailed"}, {"Code": "TransactionConflict"}])

    with pytest.raises(EmailTaken):
        harness.table.transact([put_new(ITEM, on_condition_failure=EmailTaken()),
                                update(KEY, "SET n = :n", values={":n": 1})])

    assert harness.waits == []


def test_errors_that_a_retry_cannot_mend_surface_at_once(harness: Harness) -> None:
    harness.fail("get_item", "ValidationException")
    harness.fail("transact_write_items", "TransactionCanceledException",
                 CancellationReasons=[{"Code": "ValidationError"}])

    with pytest.raises(ClientError):
        harness.table.get(KEY)
    with pytest.raises(ConcurrentChange):
        harness.table.transact([put_new(ITEM)])

    assert harness.waits == []


def test_keys_left_unprocessed_every_time_are_503(harness: Harness) -> None:
    """Rule: DynamoDB leaving batch keys unprocessed (it does when throttled) is retried
    a bounded number of rounds too. Fails when the loop is unbounded again."""
    left = {TABLE: {"Keys": [{"pk": {"S": KEY["pk"]}, "sk": {"S": KEY["sk"]}}]}}
    for _ in range(POLICY.attempts):
        harness.answer("batch_get_item", {"Responses": {TABLE: []}, "UnprocessedKeys": left})

    with pytest.raises(ServiceUnavailable):
        harness.table.batch_get([KEY])

    assert len(harness.waits) == POLICY.attempts - 1


def test_what_is_retryable() -> None:
    def error(code: str, **fields: Any) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": "x"}, **fields}, "Op")

    assert retryable(error("TransactionConflictException"))
    assert retryable(error("InternalServerError"))
    assert retryable(ReadTimeoutError(endpoint_url="http://dynamodb"))
    assert not retryable(error("ConditionalCheckFailedException"))
    assert not retryable(error("TransactionCanceledException",
                               CancellationReasons=[{"Code": "None"}]))
    assert not retryable(ValueError("not an AWS error"))


def test_the_sdk_leaves_dynamodb_retries_to_the_table() -> None:
    """The SDK's own retries would multiply the table's budget (standard mode: 3
    attempts, waits of up to 1 s and 2 s): the DynamoDB client makes one attempt."""
    aws.reset_clients()
    try:
        assert aws.dynamodb().meta.config.retries == {"mode": "standard",
                                                      "total_max_attempts": 1}
    finally:
        aws.reset_clients()


def test_an_update_meeting_a_transaction_in_flight_is_retried(harness: Harness) -> None:
    """Rule: a counter increment (the 2FA failure count, an attempt spent) that meets a
    transaction on the same item is retried, not turned into a 5xx (botocore does not
    retry TransactionConflictException); beyond the retries it is 503, and a failed
    condition is the domain's answer at once. (The two-factor store had its own loop for
    this; ``Table.call`` is now the one.)"""
    harness.fail("update_item", "TransactionConflictException", times=2)
    harness.answer("update_item", {"Attributes": {"twoFactorFailures": {"N": "3"}}})
    item = harness.table.update(KEY, "ADD twoFactorFailures :one", values={":one": 1})
    assert item == {"twoFactorFailures": 3} and len(harness.waits) == 2

    harness.fail("update_item", "TransactionConflictException", times=POLICY.attempts)
    with pytest.raises(ServiceUnavailable):
        harness.table.update(KEY, "ADD twoFactorFailures :one", values={":one": 1})

    harness.fail("update_item", "ConditionalCheckFailedException")
    waited = len(harness.waits)
    with pytest.raises(ConditionFailed):
        harness.table.update(KEY, "ADD twoFactorFailures :one", condition="attribute_exists(pk)",
                             values={":one": 1})
    assert len(harness.waits) == waited

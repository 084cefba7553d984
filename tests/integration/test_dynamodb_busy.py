"""A route whose table stays busy answers 503 service_unavailable with Retry-After.

Every DynamoDB call of the functions is answered with a throttling error by a botocore
``before-call`` hook on the shared client (fault injection, not moto), and the table's
retry policy records its waits instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from roster.repository import get_repository
from roster.repository.table import RetryPolicy
from roster_local import Runtime
from support.aws_calls import dynamodb_hook

THROTTLED = {"Error": {"Code": "ProvisionedThroughputExceededException",
                       "Message": "The level of configured provisioned throughput was exceeded"},
             "ResponseMetadata": {"HTTPStatusCode": 400}}


@pytest.fixture
def busy_table(runtime: Runtime) -> Iterator[list[str]]:
    """Every DynamoDB call from now on is throttled; the calls made, by operation."""
    calls: list[str] = []
    repository = get_repository()
    repository.table.retry = RetryPolicy(sleep=lambda _: None)

    def throttle(model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        calls.append(model.name)
        return AWSResponse("http://dynamodb", 400, {}, None), THROTTLED

    with dynamodb_hook("before-call", throttle):
        yield calls


def test_a_route_on_a_busy_table_is_503_with_retry_after(
    runtime: Runtime, busy_table: list[str]
) -> None:
    """Rule (v2 decisions): DynamoDB retries exhausted → ``503 service_unavailable`` with
    ``Retry-After`` (problem+json), never a 500. Fails when the domain-error handler
    drops the header, or when the table lets the throttling error escape (a 500)."""
    # When a public route's reads are throttled every time
    response = runtime.invoke("POST", "/password/forgot",
                              body={"login": "jdoe", "channel": "email"})

    # Then, after the bounded retries of one call, the client is told to come back
    assert response.status == 503, response.text
    assert response.header("Content-Type") == "application/problem+json"
    assert response.header("Retry-After") == str(RetryPolicy().retry_after_seconds)
    problem = response.json()
    assert problem["code"] == "service_unavailable" and problem["status"] == 503
    assert problem["retryAfter"] == RetryPolicy().retry_after_seconds
    assert len(busy_table) == RetryPolicy().attempts
    assert len(set(busy_table)) == 1  # the first call's retries, and no further call

"""The two-factor failure counter's retry on DynamoDB transaction conflicts (no AWS)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from roster.repository.table import TRANSACTION_CONFLICT_RETRIES, ConditionFailed
from roster.repository.two_factor import TwoFactorStore


def conflict() -> ClientError:
    return ClientError({"Error": {"Code": "TransactionConflictException", "Message": "x"}},
                       "UpdateItem")


class FlakyTable:
    """Answers each update with the next scripted outcome (an error or an item)."""

    def __init__(self, outcomes: list[Any]) -> None:
        self.outcomes = outcomes
        self.calls = 0

    def update(self, *_: Any, **__: Any) -> dict[str, Any]:
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return dict(outcome)


def store(table: FlakyTable) -> TwoFactorStore:
    instance = TwoFactorStore()
    instance.table = table  # type: ignore[assignment]
    return instance


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("roster.repository.two_factor.time.sleep", lambda _: None)


def test_an_update_meeting_a_transaction_in_flight_is_retried() -> None:
    # Rule: a counter increment that meets a transaction on the profile is retried, not
    # turned into a 5xx (botocore does not retry TransactionConflictException).
    table = FlakyTable([conflict(), conflict(), {"twoFactorFailures": 3}])
    item = store(table)._update_in_turn({"pk": "p", "sk": "s"}, "ADD x :one",
                                        condition="attribute_exists(pk)", values={":one": 1})
    assert item == {"twoFactorFailures": 3} and table.calls == 3


def test_conflicts_beyond_the_retries_and_other_errors_surface() -> None:
    table = FlakyTable([conflict()] * (TRANSACTION_CONFLICT_RETRIES + 1))
    with pytest.raises(ClientError):
        store(table)._update_in_turn({"pk": "p", "sk": "s"}, "ADD x :one",
                                     condition="attribute_exists(pk)", values={":one": 1})
    assert table.calls == TRANSACTION_CONFLICT_RETRIES + 1
    failing = FlakyTable([ConditionFailed()])
    with pytest.raises(ConditionFailed):
        store(failing)._update_in_turn({"pk": "p", "sk": "s"}, "ADD x :one",
                                       condition="attribute_exists(pk)", values={":one": 1})
    assert failing.calls == 1

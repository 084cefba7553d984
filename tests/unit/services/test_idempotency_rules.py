"""``Idempotency-Key`` on agent creation, on the fakes: a retry gets the first answer
(never the password again), another body under the key is refused, keys are the
caller's own, a failure burns no key, a key still in progress is refused."""

from __future__ import annotations

from typing import Any

import pytest
from roster.authorization import Actor
from roster.errors import EmailTaken, IdempotencyInProgress, IdempotencyKeyReused
from roster.models.agents_api import CreateAgentRequest
from roster.services import agents, idempotency
from support.fakes import Fakes


class Invocation:
    """A Lambda context with a minute left, as every function registers at invocation."""

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


@pytest.fixture(autouse=True)
def invocation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(idempotency, "_invocation", [Invocation()])


def request(account: str, **fields: Any) -> CreateAgentRequest:
    return CreateAgentRequest.model_validate({
        "account": account, "firstName": "Jane", "email": f"{account}@example.com", **fields})


def test_a_retry_gets_the_first_answer_without_the_password(fakes: Fakes,
                                                            admin: Actor) -> None:
    first = agents.create_agent(admin, request("jdoe"), "create-jdoe-1")
    again = agents.create_agent(admin, request("jdoe"), "create-jdoe-1")
    assert first.temporary_password and not first.replayed
    assert again.replayed and again.agent == first.agent
    assert again.temporary_password is None and "temporaryPassword" not in again.body().model_dump()
    assert len(fakes.world.agents) == 1 and len(fakes.world.outbox) == 1
    with pytest.raises(IdempotencyKeyReused):
        agents.create_agent(admin, request("someone"), "create-jdoe-1")


def test_a_key_is_the_callers_own(fakes: Fakes, admin: Actor) -> None:
    manager = Actor("manager-id", frozenset({"agents:write"}))
    agents.create_agent(admin, request("one"), "same-key")
    assert not agents.create_agent(manager, request("two"), "same-key").replayed
    assert len(fakes.world.agents) == 2


def test_a_failed_creation_does_not_burn_the_key(fakes: Fakes, admin: Actor) -> None:
    agents.create_agent(admin, request("jdoe"))
    for _ in range(2):
        with pytest.raises(EmailTaken):
            agents.create_agent(admin, request("jdoe2", email="jdoe@example.com"), "k-409")


def test_a_key_still_in_progress_is_refused(fakes: Fakes) -> None:
    # Given an invocation with time left (the ``invocation`` fixture: the claim of a
    # first attempt lasts as long as its invocation)
    seen: list[str] = []

    def first() -> dict[str, Any]:
        try:
            idempotency.run_once("agents", "caller:k", {"a": 1}, lambda: {"id": "second"})
        except IdempotencyInProgress as error:
            seen.append(error.code)
        return {"id": "first"}

    assert idempotency.run_once("agents", "caller:k", {"a": 1}, first) == (
        {"id": "first"}, False)
    assert seen == ["idempotency_in_progress"]
    assert idempotency.run_once("agents", "caller:k", {"a": 1},
                                lambda: {"id": "third"}) == ({"id": "first"}, True)

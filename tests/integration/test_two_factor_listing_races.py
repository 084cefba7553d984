"""``GET /agents?twoFactorEnabled=`` follows enabling and turning off one's own 2FA when
the agent changes between the request's read and its write: the listing item moves in
the profile's transaction, derived from the record read, so the write is conditional on
that record (``version``, ``active``) and, when it lost, read and checked again."""

from __future__ import annotations

from collections.abc import Callable

import pyotp
import pytest
from roster.models.agent import AgentRecord
from roster.models.two_factor import TotpCredential
from roster.repository import DynamoRepository, get_repository, keys
from roster_local import Runtime
from support.agents import make_agent, stored_agent
from support.api import bearer
from support.clocks import SteerableClock, steer_clock
from support.two_factor import enrol, owner_token, tokens_for

Loaded = tuple[AgentRecord | None, TotpCredential | None]


@pytest.fixture
def steered(monkeypatch: pytest.MonkeyPatch) -> SteerableClock:
    return steer_clock(monkeypatch)


def deactivate_after_the_first_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The first ``load_two_factor`` of the request is followed by a deactivation of
    that agent (an administrator's concurrent change); returns the count of reads."""
    original: Callable[[DynamoRepository, str], Loaded] = DynamoRepository.load_two_factor
    reads: list[int] = []

    def load(self: DynamoRepository, agent_id: str) -> Loaded:
        loaded = original(self, agent_id)
        reads.append(1)
        if len(reads) == 1 and loaded[0] is not None:
            get_repository().update_agent(loaded[0], {"active": False},
                                          expected_version=loaded[0].version)
        return loaded

    monkeypatch.setattr(DynamoRepository, "load_two_factor", load)
    return reads


def listed(runtime: Runtime, admin: str, **query: str) -> list[str]:
    response = runtime.invoke("GET", "/agents", headers=bearer(admin), query=query)
    assert response.status == 200, response.json()
    return [agent["account"] for agent in response.json()["items"]]


def assert_listed_as_stored(runtime: Runtime, admin: str, agent: AgentRecord, *,
                            enabled: bool) -> None:
    """The agent is stored deactivated with 2FA ``enabled``, and listed so (only)."""
    stored = stored_agent(agent.id)
    assert (stored.twoFactorEnabled, stored.active) == (enabled, False)
    flag, other = str(enabled).lower(), str(not enabled).lower()
    assert listed(runtime, admin, twoFactorEnabled=flag, active="false") == [agent.account]
    assert agent.account not in listed(runtime, admin, twoFactorEnabled=flag, active="true")
    assert agent.account not in listed(runtime, admin, twoFactorEnabled=other)


def test_enabling_follows_a_deactivation_between_read_and_write(
        runtime: Runtime, steered: SteerableClock, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an agent with a pending enrolment
    agent = make_agent("jdoe")
    admin, token = owner_token(runtime), tokens_for(runtime, "jdoe")
    started = runtime.invoke("POST", "/me/two-factor", headers=bearer(token),
                             body={"currentPassword": "Agent-Start-Passw0rd"})
    assert started.status == 200, started.json()
    secret = str(started.json()["secret"])
    # When it confirms while an administrator deactivates it (after the request's read)
    reads = deactivate_after_the_first_read(monkeypatch)
    confirmed = runtime.invoke("POST", "/me/two-factor/confirm", headers=bearer(token),
                               body={"code": pyotp.TOTP(secret).at(steered.epoch)})
    # Then 2FA is on, written after a second read, and the listing says what is stored
    assert confirmed.status == 200, confirmed.json()
    assert_listed_as_stored(runtime, admin, agent, enabled=True)
    assert len(reads) == 2


def test_turning_off_follows_a_deactivation_between_read_and_write(
        runtime: Runtime, steered: SteerableClock, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an agent with 2FA on
    agent = make_agent("jdoe")
    admin, token = owner_token(runtime), tokens_for(runtime, "jdoe")
    secret, _ = enrol(runtime, token, steered)
    assert listed(runtime, admin, twoFactorEnabled="true") == ["jdoe"]
    # When it turns 2FA off with a new code while an administrator deactivates it
    steered.advance(30)
    reads = deactivate_after_the_first_read(monkeypatch)
    response = runtime.invoke("DELETE", "/me/two-factor", headers=bearer(token),
                              body={"code": pyotp.TOTP(secret).at(steered.epoch)})
    # Then 2FA is off, written after a second read, and the listing follows
    assert response.status == 204, response.json()
    assert_listed_as_stored(runtime, admin, agent, enabled=False)
    assert len(reads) == 2
    # And the attempt it spent was not charged (the code was right)
    profile = get_repository().table.get(keys.agent(agent.id))
    assert profile is not None
    assert (profile["twoFactorFailures"], profile["twoFactorAttempts"]) == (0, 0)

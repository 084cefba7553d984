"""Turning 2FA on and off (one's own) when the agent changes between the read and the
write: the write holds the agent to the record read (its listing item comes from it),
and a lost write is read and checked again; a right code is never charged for it."""

from __future__ import annotations

import pyotp
import pytest
from roster import clock
from roster.errors import ConcurrentChange, TwoFactorNotEnabled
from roster.models.agent import AgentRecord
from roster.models.two_factor import TotpCredential
from roster.services.sign_in import two_factor
from sign_in_support import IP, SEED, add_agent, current_code
from support.clocks import SteerableClock
from support.fakes import World
from support.fakes.two_factor import FakeSeedVault, FakeTwoFactorStore

Loaded = tuple[AgentRecord | None, TotpCredential | None]


def change_after_reads(monkeypatch: pytest.MonkeyPatch, world: World, reads: int,
                       **change: object) -> list[int]:
    """Each of the first ``reads`` reads of the agent is followed by a concurrent change
    (its version moves, and ``change`` is applied); returns the reads' count."""
    original = FakeTwoFactorStore.load_two_factor
    done: list[int] = []

    def load(self: FakeTwoFactorStore, agent_id: str) -> Loaded:
        loaded = original(self, agent_id)
        done.append(1)
        if len(done) <= reads:
            current = world.agents[agent_id]
            world.update_agent(agent_id, version=current.version + 1, **change)
        return loaded

    monkeypatch.setattr(FakeTwoFactorStore, "load_two_factor", load)
    return done


def pending(world: World, agent: AgentRecord) -> None:
    world.totp[agent.id] = TotpCredential(
        encryptedSeed=FakeSeedVault().seal(agent.id, SEED), enrolmentId="enrolment-2",
        pending=True, createdAt=clock.iso(clock.now()),
        expiresAt=clock.iso(clock.now().replace(year=clock.now().year + 1)))


def attempts(world: World, agent: AgentRecord) -> int:
    count = world.two_factor_counts.get(agent.id)
    return count.attempts if count is not None else 0


def test_confirming_reads_again_after_a_concurrent_change(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    agent = add_agent(world)
    pending(world, agent)
    reads = change_after_reads(monkeypatch, world, 1, active=False)
    assert len(two_factor.confirm_enrolment(agent.id, current_code()).backupCodes) == 10
    assert len(reads) == 2 and world.agents[agent.id].twoFactorEnabled


def test_confirming_while_the_agent_keeps_changing_is_a_409(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    agent = add_agent(world)
    pending(world, agent)
    reads = change_after_reads(monkeypatch, world, two_factor.WRITE_ROUNDS)
    with pytest.raises(ConcurrentChange):
        two_factor.confirm_enrolment(agent.id, current_code())
    assert len(reads) == two_factor.WRITE_ROUNDS
    assert not world.agents[agent.id].twoFactorEnabled and world.totp[agent.id].pending


def test_turning_off_reads_again_after_a_concurrent_change(
        world: World, monkeypatch: pytest.MonkeyPatch, moved: SteerableClock) -> None:
    agent = add_agent(world, two_factor=True)
    reads = change_after_reads(monkeypatch, world, 1, active=False)
    two_factor.disable_own(agent.id, current_code(), IP)
    assert len(reads) == 2
    assert not world.agents[agent.id].twoFactorEnabled and agent.id not in world.totp
    assert attempts(world, agent) == 0


@pytest.mark.parametrize(("change", "error"), [
    ({}, ConcurrentChange),  # it keeps changing
    ({"twoFactorEnabled": False}, TwoFactorNotEnabled),  # reset meanwhile
])
def test_turning_off_refused_after_a_concurrent_change_charges_nothing(
        world: World, monkeypatch: pytest.MonkeyPatch, change: dict[str, object],
        error: type[Exception]) -> None:
    agent = add_agent(world, two_factor=True)
    change_after_reads(monkeypatch, world, two_factor.WRITE_ROUNDS, **change)
    with pytest.raises(error):
        two_factor.disable_own(agent.id, pyotp.TOTP(SEED).at(clock.now()), IP)
    assert attempts(world, agent) == 0
    assert world.agents[agent.id].twoFactorFailures == 0

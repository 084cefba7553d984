"""The TOTP step: an attempt spent before any code is compared, the fifth wrong code
locks, a time step or a backup code is used once, and a right code another request used
first is refused without being counted."""

from __future__ import annotations

import pytest
from roster import clock, totp
from roster.config import get_settings
from roster.errors import (
    AccountLocked,
    InvalidSession,
    InvalidTwoFactorCode,
    IpNotAllowed,
    TooManyAttempts,
)
from roster.models.auth import Tokens
from sign_in_support import (
    add_agent,
    answer,
    backup_codes,
    challenge,
    current_code,
)
from support.clocks import SteerableClock
from support.fakes import World
from support.fakes.world import TwoFactorCount


def wrong_code() -> str:
    return f"{(int(current_code()) + 500_000) % 1_000_000:06d}"


def test_the_fifth_wrong_code_locks_and_then_even_the_right_one_is_refused(
        world: World) -> None:
    agent = add_agent(world, two_factor=True)
    step = challenge()
    limit = get_settings().two_factor_max_failures
    remaining = []
    for _ in range(limit - 1):
        with pytest.raises(InvalidTwoFactorCode) as wrong:
            answer(step, code=wrong_code())
        remaining.append(wrong.value.extra["attemptsRemaining"])
    assert remaining == list(range(limit - 1, 0, -1))
    with pytest.raises(AccountLocked):
        answer(step, code=wrong_code())
    assert world.agents[agent.id].locked
    assert world.actions().count("agent.locked") == 1
    assert [m.template for m in world.outbox] == ["two_factor.locked"]
    with pytest.raises(AccountLocked):
        answer(step, code=current_code())
    assert world.audit[-1].details["reason"] == "locked"


def test_a_code_is_counted_before_it_is_compared(world: World,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    agent = add_agent(world, two_factor=True)
    step = challenge()
    spent: list[int] = []
    matching = totp.matching_step

    def counting(*args: object) -> int | None:
        spent.append(world.two_factor_counts[agent.id].attempts)
        return matching(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(totp, "matching_step", counting)
    with pytest.raises(InvalidTwoFactorCode):
        answer(step, code=wrong_code())
    assert spent == [1]
    assert isinstance(answer(step, code=current_code()), Tokens)
    # a right code resets both counts
    assert world.agents[agent.id].twoFactorFailures == 0
    assert world.two_factor_counts[agent.id].attempts == 0


def test_a_time_step_is_accepted_once_and_its_replay_is_not_a_failure(
        world: World, moved: SteerableClock) -> None:
    agent = add_agent(world, two_factor=True)
    code = current_code()
    assert isinstance(answer(challenge(), code=code), Tokens)
    with pytest.raises(InvalidTwoFactorCode) as replayed:
        answer(challenge(), code=code)
    assert replayed.value.detail == "This code was already used"
    assert world.agents[agent.id].twoFactorFailures == 0
    assert world.two_factor_counts[agent.id].attempts == 0  # its attempt given back
    assert world.audit[-1].details["reason"] == "replayed_code"
    moved.advance(seconds=30)
    assert isinstance(answer(challenge(), code=current_code()), Tokens)


def test_a_backup_code_signs_in_once(world: World) -> None:
    agent = add_agent(world, two_factor=True)
    code, other = backup_codes(world, agent)
    assert isinstance(answer(challenge(), backupCode=code.lower()), Tokens)
    assert "two_factor.backup_code_used" in world.actions()
    with pytest.raises(InvalidTwoFactorCode) as again:
        answer(challenge(), backupCode=code)
    assert again.value.detail == "This code was already used"
    assert world.agents[agent.id].twoFactorFailures == 0
    assert isinstance(answer(challenge(), backupCode=other), Tokens)


def test_an_unknown_backup_code_counts_as_a_wrong_code(world: World) -> None:
    agent = add_agent(world, two_factor=True)
    backup_codes(world, agent)
    with pytest.raises(InvalidTwoFactorCode) as wrong:
        answer(challenge(), backupCode="ZZZZ-ZZZZ-ZZZZ")
    assert wrong.value.extra["attemptsRemaining"] == get_settings().two_factor_max_failures - 1
    assert world.audit[-1].details["reason"] == "wrong_backup_code"


def test_a_backup_code_does_not_bypass_the_lock(world: World) -> None:
    agent = add_agent(world, two_factor=True)
    code, _ = backup_codes(world, agent)
    step = challenge()
    world.update_agent(agent.id, locked=True)
    with pytest.raises(AccountLocked):
        answer(step, backupCode=code)
    assert all(stored.usedAt is None for stored in world.backup_codes.values())


def test_a_challenge_answered_once_cannot_be_answered_again(world: World,
                                                             moved: SteerableClock) -> None:
    add_agent(world, two_factor=True)
    step = challenge()
    assert isinstance(answer(step, code=current_code()), Tokens)
    moved.advance(seconds=30)
    with pytest.raises(InvalidSession):
        answer(step, code=current_code())


def test_every_guess_in_flight_holds_an_attempt(world: World, moved: SteerableClock) -> None:
    """Attempts spent and not yet decided hold the limit: ``429``, not a comparison."""
    agent = add_agent(world, two_factor=True)
    step = challenge()
    world.two_factor_counts[agent.id] = TwoFactorCount(
        attempts=get_settings().two_factor_max_failures, at=clock.epoch(clock.now()))
    with pytest.raises(TooManyAttempts) as held:
        answer(step, code=current_code())
    assert held.value.extra["retryAfter"] == 1
    assert world.sessions == {}
    moved.advance(seconds=31)  # the requests that held them died: their attempts return
    assert isinstance(answer(step, code=current_code()), Tokens)


# Replacing HTTP-level tests of tests/integration/test_two_factor.py (the same rules).
def test_a_good_code_resets_the_failure_count(world: World, moved: SteerableClock) -> None:
    """Only consecutive wrong codes lock."""
    agent = add_agent(world, two_factor=True)
    step = challenge()
    for _ in range(4):
        with pytest.raises(InvalidTwoFactorCode):
            answer(step, code=wrong_code())
    moved.advance(30)
    assert isinstance(answer(step, code=current_code()), Tokens)
    assert world.agents[agent.id].twoFactorFailures == 0
    with pytest.raises(InvalidTwoFactorCode) as again:
        answer(challenge(), code=wrong_code())
    assert again.value.extra["attemptsRemaining"] == 4


def test_the_totp_answer_is_held_to_the_allowlist_too(world: World) -> None:
    add_agent(world, two_factor=True, ipAllowlist=["203.0.113.0/24"])
    step = challenge(ip="203.0.113.5")
    with pytest.raises(IpNotAllowed):
        answer(step, ip="198.51.100.7", code=current_code())
    assert isinstance(answer(step, ip="203.0.113.5", code=current_code()), Tokens)

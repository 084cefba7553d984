"""The password step: every guess counted before it is compared, throttles per (agent,
source) and per agent, a right guess forgiving, and the order of the challenges."""

from __future__ import annotations

import pytest
from roster import passwords
from roster.config import get_settings
from roster.errors import InvalidCredentials, TooManyAttempts
from roster.models.auth import ChallengeAnswer, Tokens
from roster.models.credentials import LoginThrottle
from roster.repository import keys
from roster.services.sign_in import steps
from sign_in_support import IP, PASSWORD, WRONG, add_agent, answer, current_code, login
from support.clocks import SteerableClock
from support.fakes import World


def source(world: World, agent_id: str, ip: str = IP) -> LoginThrottle:
    return world.throttles.get((keys.agent_subject(agent_id), ip), LoginThrottle())


def fail(times: int, account: str = "jdoe", ip: str = IP) -> None:
    for _ in range(times):
        with pytest.raises(InvalidCredentials):
            login(account, WRONG, ip)


def everywhere(world: World, agent_id: str) -> LoginThrottle:
    return world.throttles.get((keys.agent_subject(agent_id), None), LoginThrottle())


def test_the_right_password_gets_tokens_and_its_attempts_back(world: World) -> None:
    agent = add_agent(world)
    tokens = login()
    assert isinstance(tokens, Tokens)
    assert [key[0] for key in world.sessions] == [agent.id]
    assert world.actions() == ["sign_in.succeeded"]
    # the guess was right: nothing stays spent, and the source is now the agent's own
    assert (source(world, agent.id).failures, source(world, agent.id).pending) == (0, 0)
    assert source(world, agent.id).lastSuccessAt is not None
    assert (everywhere(world, agent.id).failures, everywhere(world, agent.id).pending) == (0, 0)


def test_every_guess_is_counted_before_it_is_compared(world: World,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    agent = add_agent(world)
    seen: list[tuple[int, int]] = []
    verify = passwords.verify_password

    def counting(stored: str | None, given: str) -> bool:
        seen.append((source(world, agent.id).pending, everywhere(world, agent.id).pending))
        return verify(stored, given)

    monkeypatch.setattr(passwords, "verify_password", counting)
    with pytest.raises(InvalidCredentials):
        login(password=WRONG)
    assert seen == [(1, 1)]  # both counts spent when the comparison ran
    # a wrong guess stays spent (off pending) and is audited with its source
    assert (source(world, agent.id).failures, source(world, agent.id).pending) == (1, 0)
    assert world.audit[-1].action == "sign_in.failed"
    assert world.audit[-1].details == {"reason": "wrong_password", "sourceIp": IP}


def test_an_unknown_login_is_counted_by_its_string_and_told_as_a_wrong_password(
        world: World) -> None:
    with pytest.raises(InvalidCredentials):
        login("ghost", WRONG)
    assert world.throttles[("LOGIN#ghost", IP)].failures == 1
    event = world.audit[-1]
    assert (event.action, event.targetId, event.details) == (
        "sign_in.failed", None, {"reason": "unknown_login", "sourceIp": IP})
    assert "ghost" not in str(world.audit)


def test_the_eleventh_guess_from_a_source_is_refused_even_right_and_audited(
        world: World) -> None:
    agent = add_agent(world)
    fail(get_settings().password_max_failures)
    with pytest.raises(TooManyAttempts) as refused:
        login()
    assert refused.value.extra["retryAfter"] == get_settings().password_lockout_seconds
    event = world.audit[-1]
    assert (event.action, event.actorId, event.targetId, event.details) == (
        "sign_in.refused", None, agent.id, {"reason": "throttled", "sourceIp": IP})
    # another source is not throttled by this one
    assert isinstance(login(ip="203.0.113.9"), Tokens)


def test_each_lockout_doubles_the_next_one_and_a_success_resets_them(
        world: World, moved: SteerableClock) -> None:
    add_agent(world)
    base = get_settings().password_lockout_seconds
    for lockout in (base, 2 * base, 4 * base):
        fail(get_settings().password_max_failures)
        with pytest.raises(TooManyAttempts) as refused:
            login()
        assert refused.value.extra["retryAfter"] == lockout
        moved.advance(seconds=lockout)
    assert isinstance(login(), Tokens)
    # a success forgets the history: ten failures give the base period again
    fail(get_settings().password_max_failures)
    with pytest.raises(TooManyAttempts) as refused:
        login()
    assert refused.value.extra["retryAfter"] == base


def test_a_right_password_forgives_the_failures_before_it(world: World) -> None:
    agent = add_agent(world)
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            login(password=WRONG)
    assert source(world, agent.id).failures == 3
    assert isinstance(login(), Tokens)
    assert (source(world, agent.id).failures, source(world, agent.id).pending) == (0, 0)
    assert everywhere(world, agent.id).failures == 0


def test_failures_are_not_forgiven_while_another_guess_is_in_flight(world: World) -> None:
    agent = add_agent(world)
    with pytest.raises(InvalidCredentials):
        login(password=WRONG)
    key = (keys.agent_subject(agent.id), IP)
    world.throttles[key] = world.throttles[key].model_copy(update={"pending": 1,
                                                                   "failures": 2})
    assert isinstance(login(), Tokens)
    # its own attempt was given back; the others stay while a guess is still compared
    assert (source(world, agent.id).failures, source(world, agent.id).pending) == (2, 1)


def test_a_source_the_agent_signed_in_from_skips_the_per_agent_ceiling(world: World) -> None:
    agent = add_agent(world)
    assert isinstance(login(), Tokens)
    with pytest.raises(InvalidCredentials):
        login(password=WRONG)
    assert source(world, agent.id).failures == 1
    assert everywhere(world, agent.id).failures == 0  # not spent from a trusted source
    with pytest.raises(InvalidCredentials):
        login(password=WRONG, ip="203.0.113.9")
    assert everywhere(world, agent.id).failures == 1


def test_the_per_agent_ceiling_refuses_every_untrusted_source(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROSTER_PASSWORD_MAX_FAILURES_PER_AGENT", "3")
    get_settings.cache_clear()
    agent = add_agent(world)
    for number in range(3):
        with pytest.raises(InvalidCredentials):
            login(password=WRONG, ip=f"203.0.113.{number}")
    with pytest.raises(TooManyAttempts):
        login(ip="203.0.113.200")
    # the source's attempt, spent before the ceiling refused, was returned unused
    assert source(world, agent.id, "203.0.113.200").failures == 0


def test_challenges_come_in_the_contracts_order(world: World) -> None:
    add_agent(world, two_factor=True, temporary=True)
    first = login()
    assert isinstance(first, ChallengeAnswer) and first.challenge == "TOTP_REQUIRED"
    assert world.actions() == ["sign_in.password_verified"]
    second = answer(first, code=current_code())
    assert isinstance(second, ChallengeAnswer)
    assert second.challenge == "NEW_PASSWORD_REQUIRED"
    tokens = answer(second, newPassword="A-Brand-New-Passw0rd!")
    assert isinstance(tokens, Tokens)
    assert world.actions()[-2:] == ["password.changed", "sign_in.succeeded"]
    assert world.challenges == {}  # each challenge used up


def test_a_challenge_is_answered_once(world: World) -> None:
    add_agent(world, temporary=True)
    step = login()
    assert isinstance(step, ChallengeAnswer)
    assert isinstance(answer(step, newPassword="A-Brand-New-Passw0rd!"), Tokens)
    with pytest.raises(Exception) as second:
        answer(step, newPassword="Another-New-Passw0rd!")
    assert getattr(second.value, "code", None) == "invalid_session"


def test_a_password_hashed_with_old_parameters_is_rehashed_on_sign_in(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    agent = add_agent(world)
    before = world.passwords[agent.id].hash
    monkeypatch.setattr(steps.passwords, "needs_rehash", lambda _: True)
    assert isinstance(login(), Tokens)
    assert world.passwords[agent.id].hash != before
    assert passwords.verify_password(world.passwords[agent.id].hash, PASSWORD)


# Replacing HTTP-level tests of tests/integration/test_login_throttle.py (the same rules,
# asserted on the service: 401 is InvalidCredentials, 429 TooManyAttempts).
def test_failures_must_be_consecutive(world: World) -> None:
    add_agent(world)
    for _ in range(2):
        fail(get_settings().password_max_failures - 1)
        assert isinstance(login(), Tokens)


def test_unknown_logins_are_throttled_the_same_way(world: World) -> None:
    """OWASP: the throttle does not tell known logins from unknown ones."""
    add_agent(world)

    def answers(account: str) -> list[str]:
        found = []
        for _ in range(get_settings().password_max_failures + 1):
            with pytest.raises((InvalidCredentials, TooManyAttempts)) as refused:
                login(account, WRONG)
            found.append(refused.value.code)
        return found

    known = answers("jdoe")
    assert known == answers("ghost")
    assert known[-1] == "too_many_attempts"


def test_account_and_email_share_one_count(world: World) -> None:
    """Failures count per agent: its account (in any case) and its email are one count."""
    add_agent(world)
    fail(5, "JDoe")
    fail(5, "JDOE@example.com")
    for form in ("jdoe", "jdoe@example.com"):
        with pytest.raises(TooManyAttempts):
            login(form)


def test_a_stranger_cannot_lock_the_owner_out_of_its_own_address(world: World) -> None:
    """Ten failures from one source throttle that source for that agent, not the agent."""
    add_agent(world)
    fail(10, ip="203.0.113.9")
    with pytest.raises(TooManyAttempts):
        login(ip="203.0.113.9")
    assert isinstance(login(ip="198.51.100.20"), Tokens)


def test_the_per_agent_ceiling_throttles_every_source_but_the_agents_own(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-agent ceiling's failures from all sources together throttle the agent
    everywhere, except from a source it signed in from in the last 30 days."""
    monkeypatch.setenv("ROSTER_PASSWORD_MAX_FAILURES_PER_AGENT", "20")
    get_settings.cache_clear()
    add_agent(world)
    assert isinstance(login(ip="198.51.100.20"), Tokens)  # its own address
    for source_ip in ("203.0.113.1", "203.0.113.2"):
        fail(10, ip=source_ip)
    with pytest.raises(TooManyAttempts):
        login(ip="203.0.113.3")
    assert isinstance(login(ip="198.51.100.20"), Tokens)

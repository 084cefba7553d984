"""One set of refusal checks at every step that can grant tokens (the password, the TOTP
or backup code, the new password), each refusal audited the same way: the issue found
the new-password step skipping the allowlist and only the password step auditing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from roster import clock
from roster.errors import RosterError
from roster.models.auth import ChallengeAnswer
from roster.repository import keys
from sign_in_support import IP, add_agent, answer, challenge, current_code, enrol, login
from support.fakes import World

NEW_PASSWORD = "A-Brand-New-Passw0rd!"

# What makes the account refuse tokens, set after the step before was passed.
STATES: dict[str, tuple[Callable[[World, str], None], int, str]] = {
    "inactive": (lambda world, agent_id: world.update_agent(agent_id, active=False),
                 403, "account_inactive"),
    "ip_not_allowed": (lambda world, agent_id: world.update_agent(
        agent_id, ipAllowlist=["10.0.0.0/8"]), 403, "ip_not_allowed"),
    "locked": (lambda world, agent_id: world.update_agent(agent_id, locked=True),
               423, "account_locked"),
    "temporary_password_expired": (
        lambda world, agent_id: world.passwords.__setitem__(
            agent_id, world.passwords[agent_id].model_copy(update={
                "temporary": True, "expiresAt": clock.iso(clock.now())})),
        401, "temporary_password_expired"),
}


def at_password(world: World, agent_id: str, refuse: Callable[[World, str], None]) -> None:
    refuse(world, agent_id)
    login()


def at_totp(world: World, agent_id: str, refuse: Callable[[World, str], None]) -> None:
    enrol(world, agent_id)
    step = challenge()
    refuse(world, agent_id)
    answer(step, code=current_code())


def at_new_password(world: World, agent_id: str,
                    refuse: Callable[[World, str], None]) -> None:
    world.passwords[agent_id] = world.passwords[agent_id].model_copy(update={
        "temporary": True, "expiresAt": clock.iso(clock.now().replace(year=2030))})
    step = challenge()
    assert step.challenge == "NEW_PASSWORD_REQUIRED"
    refuse(world, agent_id)
    answer(step, newPassword=NEW_PASSWORD)


STEPS = {"password": at_password, "totp": at_totp, "new_password": at_new_password}


@pytest.mark.parametrize("reason", sorted(STATES))
@pytest.mark.parametrize("step", sorted(STEPS))
def test_every_refusal_at_every_step_is_answered_and_audited_alike(
        world: World, step: str, reason: str) -> None:
    agent = add_agent(world)
    refuse, status, code = STATES[reason]
    with pytest.raises(RosterError) as refused:
        STEPS[step](world, agent.id, refuse)
    assert (refused.value.status, refused.value.code) == (status, code)
    event = world.audit[-1]
    assert (event.action, event.actorId, event.targetId, event.details) == (
        "sign_in.refused", agent.id, agent.id, {"reason": reason, "sourceIp": IP})
    # no tokens, no session; the step's challenge (if any) is still unused
    assert world.sessions == {}


def test_a_refused_right_password_gives_its_attempts_back(world: World) -> None:
    agent = add_agent(world, active=False)
    with pytest.raises(RosterError):
        login()
    for ip in (IP, None):
        throttle = world.throttles[(keys.agent_subject(agent.id), ip)]
        assert (throttle.failures, throttle.pending) == (0, 0)


def test_a_wrong_password_never_tells_the_accounts_state(world: World) -> None:
    add_agent(world, active=False, locked=True, ipAllowlist=["10.0.0.0/8"])
    with pytest.raises(RosterError) as refused:
        login(password="Not-The-Passw0rd")
    assert (refused.value.status, refused.value.code) == (401, "invalid_credentials")


def test_the_checks_run_in_one_order(world: World) -> None:
    """Inactive before the allowlist before the lock before the expiry."""
    agent = add_agent(world, temporary=True, active=False, locked=True,
                      ipAllowlist=["10.0.0.0/8"])
    answers = []
    for fix in ({"active": True}, {"ipAllowlist": []}, {"locked": False}):
        with pytest.raises(RosterError) as refused:
            login()
        answers.append(refused.value.code)
        world.update_agent(agent.id, **fix)
    assert answers == ["account_inactive", "ip_not_allowed", "account_locked"]
    world.passwords[agent.id] = world.passwords[agent.id].model_copy(
        update={"expiresAt": clock.iso(clock.now())})
    with pytest.raises(RosterError) as refused:
        login()
    assert refused.value.code == "temporary_password_expired"


def test_the_allowlist_admits_its_networks_at_the_new_password_step(world: World) -> None:
    agent = add_agent(world, temporary=True, ipAllowlist=["198.51.100.0/24"])
    step = challenge()
    assert isinstance(step, ChallengeAnswer)
    assert answer(step, newPassword=NEW_PASSWORD).model_dump().keys() >= {"accessToken"}
    assert world.agents[agent.id].passwordStatus == "set"

"""Refresh rotation, re-authentication in the sign-in's counts, and recovery codes
spent before compared and used once: on the fakes."""

from __future__ import annotations

import pytest
from roster.errors import InvalidCode, InvalidCredentials, InvalidToken
from roster.models.auth import Tokens
from roster.models.passwords import ForgotPasswordRequest, ResetPasswordRequest
from roster.repository import keys
from roster.services.sign_in import recovery, sessions
from roster.services.sign_in.reauth import reauthenticate
from sign_in_support import IP, PASSWORD, WRONG, add_agent, login
from support.fakes import World

NEW_PASSWORD = "A-Brand-New-Passw0rd!"


def signed_in() -> Tokens:
    tokens = login()
    assert isinstance(tokens, Tokens)
    return tokens


def test_a_refresh_token_works_once_and_its_reuse_ends_the_session(world: World) -> None:
    add_agent(world)
    first = signed_in()
    second = sessions.refresh(first.refreshToken, IP)
    assert len(world.sessions) == 1
    with pytest.raises(InvalidToken):
        sessions.refresh(first.refreshToken, IP)
    assert world.sessions == {}  # the reuse ended it: the rotated token dies too
    assert world.actions()[-1] == "session.refresh_reused"
    with pytest.raises(InvalidToken):
        sessions.refresh(second.refreshToken, IP)


def test_refresh_applies_the_accounts_state(world: World) -> None:
    agent = add_agent(world)
    tokens = signed_in()
    world.update_agent(agent.id, ipAllowlist=["10.0.0.0/8"])
    with pytest.raises(Exception) as refused:
        sessions.refresh(tokens.refreshToken, IP)
    assert getattr(refused.value, "code", None) == "ip_not_allowed"
    world.update_agent(agent.id, ipAllowlist=[], sessionEpoch=1)  # every session revoked
    with pytest.raises(InvalidToken):
        sessions.refresh(tokens.refreshToken, IP)


def test_a_wrong_current_password_counts_in_the_sign_ins_counts(world: World) -> None:
    agent = add_agent(world)
    credential = world.passwords[agent.id]
    with pytest.raises(InvalidCredentials):
        reauthenticate(agent.id, WRONG, credential, source_ip=IP,
                       action="password.change_failed", step="password_change")
    source = world.throttles[(keys.agent_subject(agent.id), IP)]
    assert (source.failures, source.pending) == (1, 0)
    assert world.audit[-1].details == {"reason": "wrong_password", "step": "password_change",
                                       "sourceIp": IP}
    reauthenticate(agent.id, PASSWORD, credential, source_ip=IP,
                   action="password.change_failed", step="password_change")
    source = world.throttles[(keys.agent_subject(agent.id), IP)]
    assert (source.failures, source.pending) == (0, 0)  # given back, the one before forgiven


def recovery_code(world: World) -> str:
    message = world.outbox[-1]
    assert message.template == "recovery.code" and message.secret_params is not None
    return message.secret_params["code"]


def test_a_recovery_code_sets_one_password_and_revokes_every_session(world: World) -> None:
    agent = add_agent(world)
    signed_in()
    recovery.forgot(ForgotPasswordRequest(login="jdoe", channel="email"))
    code = recovery_code(world)
    recovery.reset(ResetPasswordRequest(login="jdoe", code=code, newPassword=NEW_PASSWORD))
    assert world.agents[agent.id].sessionEpoch == 1  # the session before is dead
    with pytest.raises(InvalidCode):
        recovery.reset(ResetPasswordRequest(login="jdoe", code=code,
                                            newPassword="Yet-Another-Passw0rd!"))
    assert isinstance(login(password=NEW_PASSWORD), Tokens)


def test_recovery_tries_are_spent_before_the_code_is_compared(world: World) -> None:
    add_agent(world)
    recovery.forgot(ForgotPasswordRequest(login="jdoe", channel="email"))
    code = recovery_code(world)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises(InvalidCode):
            recovery.reset(ResetPasswordRequest(login="jdoe", code=wrong,
                                                newPassword=NEW_PASSWORD))
    with pytest.raises(InvalidCode):  # no try left: even the right code
        recovery.reset(ResetPasswordRequest(login="jdoe", code=code,
                                            newPassword=NEW_PASSWORD))
    assert world.actions().count("password.reset_failed") == 6


def test_an_unknown_login_gets_the_same_answer_and_no_message(world: World) -> None:
    recovery.forgot(ForgotPasswordRequest(login="ghost", channel="email"))
    assert world.outbox == []
    assert world.actions() == ["password.recovery_requested"]
    assert world.audit[-1].details == {"channel": "email", "sent": False}

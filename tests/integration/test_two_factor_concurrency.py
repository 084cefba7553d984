"""Two-factor "exactly once" rules under concurrency: the service called from 10 threads
at once (moto behind it, each AWS request atomic as in AWS)."""

from __future__ import annotations

from collections.abc import Callable

import pyotp
import pytest
from roster.config import get_settings
from roster.errors import RosterError
from roster.local import Runtime
from roster.models.auth import ChallengeRequest, SignInResult, Tokens
from roster.repository import get_repository, keys
from roster.services import two_factor
from support.agents import make_agent, stored_agent
from support.clocks import SteerableClock, steer_clock
from support.concurrency import atomic_aws, race
from two_factor_support import (
    challenge_session,
    enrol,
    tokens_for,
    wrong_code,
)

THREADS = 10
Outcome = tuple[str, int | None]  # ("ok" or the error code, attemptsRemaining)


@pytest.fixture
def steered(monkeypatch: pytest.MonkeyPatch) -> SteerableClock:
    atomic_aws(monkeypatch)
    return steer_clock(monkeypatch)


def answer_all(requests: list[ChallengeRequest]) -> list[Outcome]:
    """Answer every request at the same moment, one thread each."""

    def outcome(result: SignInResult | RosterError) -> Outcome:
        if isinstance(result, RosterError):
            return result.code, result.extra.get("attemptsRemaining")
        return ("ok" if isinstance(result, Tokens) else result.challenge), None

    return [outcome(result) for result in race(
        lambda request: two_factor.answer_sign_in_challenge(request, "127.0.0.1"), requests)]


def requests_for(sessions: list[str], **answer: str) -> list[ChallengeRequest]:
    return [ChallengeRequest(session=session, challenge="TOTP_REQUIRED", **answer)
            for session in sessions]


def sessions(runtime: Runtime, count: int) -> list[str]:
    return [challenge_session(runtime, "jdoe") for _ in range(count)]


def test_a_backup_code_works_exactly_once_under_10_concurrent_uses(
        runtime: Runtime, steered: SteerableClock) -> None:
    # Rule: a backup code is consumed by a conditional delete: exactly one of 10
    # concurrent sign-ins with it succeeds.
    agent = make_agent("jdoe")
    _, backup_codes = enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    # When 10 sign-ins present the same code at once
    outcomes = answer_all(requests_for(sessions(runtime, THREADS), backupCode=backup_codes[0]))
    # Then exactly one gets tokens and the others are refused
    codes = [code for code, _ in outcomes]
    assert codes.count("ok") == 1, outcomes
    assert set(codes) - {"ok"} <= {"invalid_code", "account_locked"}
    # And the code is gone
    digest = two_factor.backup_digest(agent.id, backup_codes[0])
    assert get_repository().table.get(keys.backup_code(agent.id, digest)) is None


def test_a_totp_code_is_accepted_exactly_once_under_10_concurrent_uses(
        runtime: Runtime, steered: SteerableClock) -> None:
    # Rule: replay is refused by a conditional write on the last accepted step, so of 10
    # concurrent sign-ins with one code exactly one succeeds.
    make_agent("jdoe")
    secret, _ = enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    steered.advance(30)
    code = pyotp.TOTP(secret).at(steered.epoch)
    outcomes = answer_all(requests_for(sessions(runtime, THREADS), code=code))
    codes = [code for code, _ in outcomes]
    assert codes.count("ok") == 1, outcomes
    assert set(codes) - {"ok"} <= {"invalid_code", "account_locked"}


def with_limit(monkeypatch: pytest.MonkeyPatch, limit: int) -> Callable[[], None]:
    monkeypatch.setenv("ROSTER_TWO_FACTOR_MAX_FAILURES", str(limit))
    get_settings.cache_clear()
    return get_settings.cache_clear


def test_10_concurrent_wrong_codes_are_counted_exactly(runtime: Runtime,
                                                       steered: SteerableClock,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # Rule: the failure count is an atomic counter: 10 concurrent wrong codes count 10,
    # and each answer's attemptsRemaining is that of its own increment.
    with_limit(monkeypatch, 20)
    agent = make_agent("jdoe")
    secret, _ = enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    session = challenge_session(runtime, "jdoe")
    outcomes = answer_all(requests_for([session] * THREADS, code=wrong_code(secret, steered.epoch)))
    assert {code for code, _ in outcomes} == {"invalid_code"}
    assert sorted(remaining or 0 for _, remaining in outcomes) == list(range(10, 20))
    record = stored_agent(agent.id)
    assert record.twoFactorFailures == THREADS and record.locked is False


def test_concurrent_wrong_codes_lock_exactly_at_the_limit(runtime: Runtime,
                                                          steered: SteerableClock) -> None:
    # Rule: with the default limit (5) and 10 concurrent wrong codes, the first four
    # increments answer 401 with 4, 3, 2, 1 attempts left and everything else 423; the
    # account ends locked with a count of at least 5.
    agent = make_agent("jdoe")
    secret, _ = enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    session = challenge_session(runtime, "jdoe")
    outcomes = answer_all(requests_for([session] * THREADS, code=wrong_code(secret, steered.epoch)))
    refused = sorted(remaining or 0 for code, remaining in outcomes if code == "invalid_code")
    assert refused == [1, 2, 3, 4]
    assert [code for code, _ in outcomes].count("account_locked") == THREADS - 4
    record = stored_agent(agent.id)
    assert record.locked is True and record.twoFactorFailures >= 5

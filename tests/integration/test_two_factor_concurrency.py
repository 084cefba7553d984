"""Two-factor "exactly once" rules under concurrency: the service called from 10 threads
at once (moto behind it, each AWS request atomic as in AWS)."""

from __future__ import annotations

from collections.abc import Callable

import pyotp
import pytest
from roster.config import get_settings
from roster.errors import RosterError
from roster.models.auth import ChallengeRequest, SignInResult, Tokens
from roster.repository import get_repository, keys
from roster.services.sign_in import second_factor, totp_answer
from roster_local import Runtime
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
        lambda request: totp_answer.answer(request, "127.0.0.1"), requests)]


def requests_for(sessions: list[str], **answer: str) -> list[ChallengeRequest]:
    return [ChallengeRequest(session=session, challenge="TOTP_REQUIRED", **answer)
            for session in sessions]


def sessions(runtime: Runtime, count: int) -> list[str]:
    return [challenge_session(runtime, "jdoe") for _ in range(count)]


RACE_LOSS = {"invalid_code", "invalid_session", "too_many_attempts"}


def test_a_backup_code_works_exactly_once_under_10_concurrent_uses(
        runtime: Runtime, steered: SteerableClock) -> None:
    """Rules: a backup code is consumed by a conditional delete (exactly one of 10
    concurrent sign-ins with it succeeds), and losing that race is not a failure: the
    attempt is given back, so the account is neither locked nor charged (the red team's
    15 parallel uses of one code locked it). Fails without the give-back."""
    agent = make_agent("jdoe")
    _, backup_codes = enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    # When 10 sign-ins present the same code at once
    outcomes = answer_all(requests_for(sessions(runtime, THREADS), backupCode=backup_codes[0]))
    # Then exactly one gets tokens and the others are refused
    codes = [code for code, _ in outcomes]
    assert codes.count("ok") == 1, outcomes
    assert set(codes) - {"ok"} <= RACE_LOSS, outcomes
    # And the code is used up, and nobody was charged a failure
    digest = second_factor.backup_digest(agent.id, backup_codes[0])
    used = get_repository().table.get(keys.backup_code(agent.id, digest))
    assert used is not None and used.get("usedAt")
    record = stored_agent(agent.id)
    assert (record.locked, record.twoFactorFailures) == (False, 0)


def test_a_totp_code_is_accepted_exactly_once_under_10_concurrent_uses(
        runtime: Runtime, steered: SteerableClock) -> None:
    """Rules: replay is refused by a conditional write on the last accepted step, so of
    10 concurrent sign-ins with one code exactly one succeeds; the losers lost a race
    and are not counted as failures."""
    agent = make_agent("jdoe")
    secret, _ = enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    steered.advance(30)
    code = pyotp.TOTP(secret).at(steered.epoch)
    outcomes = answer_all(requests_for(sessions(runtime, THREADS), code=code))
    codes = [code for code, _ in outcomes]
    assert codes.count("ok") == 1, outcomes
    assert set(codes) - {"ok"} <= RACE_LOSS, outcomes
    record = stored_agent(agent.id)
    assert (record.locked, record.twoFactorFailures) == (False, 0)


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


def test_every_guess_counted_before_compare_10_wrong_codes_get_5_comparisons(
        runtime: Runtime, steered: SteerableClock) -> None:
    """Rule: every guess spends an attempt (an atomic conditional write) before it is
    compared. With the default limit (5) and 10 concurrent wrong codes, exactly 5 are
    compared (the failure count ends at exactly 5): four answer 401 with 4, 3, 2, 1
    attempts left, the others 423 (once the lock is decided) or 429 too_many_attempts
    (while the remaining attempts were all in flight). Fails when the attempt is counted
    after the comparison (as before v2: 10 compared, 10 failures)."""
    agent = make_agent("jdoe")
    secret, _ = enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    session = challenge_session(runtime, "jdoe")
    outcomes = answer_all(requests_for([session] * THREADS, code=wrong_code(secret, steered.epoch)))
    codes = [code for code, _ in outcomes]
    refused = sorted(remaining or 0 for code, remaining in outcomes if code == "invalid_code")
    assert refused == [1, 2, 3, 4], outcomes
    assert codes.count("account_locked") + codes.count("too_many_attempts") == THREADS - 4
    record = stored_agent(agent.id)
    assert record.locked is True and record.twoFactorFailures == 5

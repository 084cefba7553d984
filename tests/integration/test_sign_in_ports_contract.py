"""The sign-in ports' contract, held by the in-memory fakes and the DynamoDB adapter
alike (moto): the service tests on the fakes prove something about production only
while both answer the same. Attempts spent before comparing, lockouts doubling,
in-flight attempts reclaimed, 2FA failures locking at the limit, codes used once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from roster import clock
from roster.errors import (
    AccountLocked,
    ConcurrentChange,
    InvalidSession,
    InvalidTwoFactorCode,
    TooManyAttempts,
)
from roster.models.agent import AgentRecord
from roster.models.credentials import Challenge, LoginThrottle
from roster.models.two_factor import BackupCode, TotpCredential
from roster.ports.agents import AgentFilter, AgentStore
from roster.ports.attempts import PasswordAttempts, Throttle
from roster.ports.sessions import SessionStore
from roster.ports.two_factor import TwoFactorStore
from roster.repository import get_repository
from roster.repository.password_attempts import throttle_key
from support.clocks import SteerableClock, steer_clock
from support.fakes.agents import MemoryAgentStore
from support.fakes.attempts import FakePasswordAttempts
from support.fakes.attempts import throttle_key as fake_throttle_key
from support.fakes.sessions import FakeSessionStore
from support.fakes.two_factor import FakeTwoFactorStore
from support.fakes.world import World

LIMIT, LOCKOUT = 3, 900


@dataclass
class Stores:
    attempts: PasswordAttempts
    two_factor: TwoFactorStore
    sessions: SessionStore
    add: Any  # (AgentRecord) -> None
    agent: Any  # (agent id) -> AgentRecord
    throttle: Any  # (Throttle) -> LoginThrottle
    listed: Any  # (AgentFilter) -> the ids of the agents its first page lists


def fake_stores() -> Stores:
    world = World()
    return Stores(FakePasswordAttempts(world), FakeTwoFactorStore(world),
                  FakeSessionStore(world), world.add_agent, world.agents.__getitem__,
                  lambda t: world.throttles.get(fake_throttle_key(t), LoginThrottle()),
                  lambda wanted: _ids(MemoryAgentStore(world), wanted))


def dynamodb_stores() -> Stores:
    repository = get_repository()

    def agent(agent_id: str) -> AgentRecord:
        record = repository.get_agent(agent_id)
        assert record is not None
        return record

    return Stores(repository, repository, repository,
                  lambda record: repository.create_agent(record, password=None), agent,
                  lambda t: LoginThrottle.model_validate(
                      repository.table.get(throttle_key(t)) or {}),
                  lambda wanted: _ids(repository, wanted))


def _ids(agents: AgentStore, wanted: AgentFilter) -> list[str]:
    page, _ = agents.agent_page(wanted, limit=50, after=None)
    return [record.id for record in page]


@pytest.fixture(params=["fake", "dynamodb"])
def stores(request: pytest.FixtureRequest) -> Iterator[Stores]:
    if request.param == "fake":
        yield fake_stores()
    else:
        request.getfixturevalue("runtime")
        yield dynamodb_stores()


@pytest.fixture
def moved(monkeypatch: pytest.MonkeyPatch) -> SteerableClock:
    return steer_clock(monkeypatch)


def new_agent(stores: Stores, **fields: Any) -> AgentRecord:
    stamp = clock.iso(clock.now())
    account = f"a{uuid.uuid4().hex[:8]}"
    record = AgentRecord(id=str(uuid.uuid4()), account=account,
                         email=f"{account}@example.com", firstName="A", alias="A",
                         createdAt=stamp, updatedAt=stamp, **fields)
    stores.add(record)
    return record


# ---------------------------------------------------------------------- password attempts
def spend(stores: Stores, throttle: Throttle) -> LoginThrottle:
    return stores.attempts.spend_password_attempt(throttle, max_failures=LIMIT,
                                                  lockout_seconds=LOCKOUT)


def fail(stores: Stores, throttle: Throttle) -> None:
    stores.attempts.settle_password_failure(throttle, spend(stores, throttle),
                                            max_failures=LIMIT, lockout_seconds=LOCKOUT)


def test_attempts_are_spent_before_deciding_and_held_while_in_flight(
        stores: Stores, moved: SteerableClock) -> None:
    throttle = Throttle("agent-1", source_ip="192.0.2.1")
    counts = [spend(stores, throttle) for _ in range(LIMIT)]
    assert [(c.failures, c.pending) for c in counts] == [(1, 1), (2, 2), (3, 3)]
    with pytest.raises(TooManyAttempts) as held:
        spend(stores, throttle)
    assert held.value.extra["retryAfter"] == 1  # in flight, not locked
    moved.advance(31)  # the requests died: the full count starts its lockout
    with pytest.raises(TooManyAttempts) as locked:
        spend(stores, throttle)
    assert locked.value.extra["retryAfter"] == LOCKOUT  # from the reclaiming spend
    assert (stores.throttle(throttle).failures, stores.throttle(throttle).pending) == (0, 0)


def test_the_failure_reaching_the_limit_locks_and_lockouts_double(
        stores: Stores, moved: SteerableClock) -> None:
    throttle = Throttle(None, "ghost", "192.0.2.1")
    for lockout in (LOCKOUT, 2 * LOCKOUT, 4 * LOCKOUT):
        for _ in range(LIMIT):
            fail(stores, throttle)
        with pytest.raises(TooManyAttempts) as refused:
            spend(stores, throttle)
        assert refused.value.extra["retryAfter"] == lockout
        moved.advance(lockout)
    assert stores.throttle(throttle).lockouts == 3


def test_a_right_guess_gives_back_and_forgives_only_with_nothing_in_flight(
        stores: Stores) -> None:
    throttle = Throttle("agent-2", source_ip="192.0.2.1")
    fail(stores, throttle)
    in_flight = spend(stores, throttle)
    right = spend(stores, throttle)
    stores.attempts.give_back_password_attempt(throttle)
    stores.attempts.forgive_failures(throttle)  # another guess is in flight: kept
    assert (stores.throttle(throttle).failures, stores.throttle(throttle).pending) == (2, 1)
    stores.attempts.settle_password_failure(throttle, in_flight, max_failures=LIMIT,
                                            lockout_seconds=LOCKOUT)
    stores.attempts.forgive_failures(throttle)
    assert (stores.throttle(throttle).failures, stores.throttle(throttle).pending) == (0, 0)
    assert right.failures == 3


def test_an_attempt_never_compared_is_returned_as_it_was(stores: Stores) -> None:
    throttle = Throttle("agent-3", source_ip=None)
    spend(stores, throttle)
    stores.attempts.return_password_attempt(throttle)
    stores.attempts.return_password_attempt(throttle)  # nothing left: no change
    assert (stores.throttle(throttle).failures, stores.throttle(throttle).pending) == (0, 0)


# ---------------------------------------------------------------------- two-factor
def enrolled(stores: Stores, **fields: Any) -> AgentRecord:
    record = new_agent(stores, **fields)
    credential = TotpCredential(encryptedSeed="c2VlZA==", enrolmentId="e1",
                                createdAt=clock.iso(clock.now()))
    stores.two_factor.start_totp_enrolment(record.id, credential, audit=[])
    stores.two_factor.enable_totp(record, "e1", 100, [("digest-1", BackupCode(
        source="enrolment", enrolmentId="e1", createdAt=clock.iso(clock.now())))],
        audit=[], messages=[])
    return stores.agent(record.id)


def challenge(stores: Stores, record: AgentRecord) -> str:
    digest = uuid.uuid4().hex
    stores.sessions.create_challenge(Challenge(
        digest=digest, agentId=record.id, kind="TOTP_REQUIRED", epoch=record.sessionEpoch,
        expiresAt=clock.iso(clock.now().replace(year=clock.now().year + 1))))
    return digest


def test_wrong_codes_are_counted_exactly_and_the_limit_locks(stores: Stores) -> None:
    record = enrolled(stores)
    counts = []
    for _ in range(5):
        stores.two_factor.spend_two_factor_attempt(record.id, max_failures=5)
        counts.append(stores.two_factor.record_two_factor_failure(
            record, max_failures=5, audit=[]))
    assert counts == [1, 2, 3, 4, 5]
    assert stores.agent(record.id).locked
    with pytest.raises(AccountLocked):
        stores.two_factor.spend_two_factor_attempt(record.id, max_failures=5)
    with pytest.raises(AccountLocked):
        stores.two_factor.pass_second_factor(record.id, challenge_digest=None,
                                             enrolment_id="e1", step=101)
    stores.two_factor.unlock_agent(stores.agent(record.id), audit=[])
    after = stores.agent(record.id)
    assert (after.locked, after.twoFactorFailures) == (False, 0)


def test_the_lock_and_two_factor_writes_move_the_listings(stores: Stores) -> None:
    # Given an agent with 2FA on (enabled through the port)
    record = enrolled(stores)
    assert stores.listed(AgentFilter(two_factor_enabled=True)) == [record.id]
    assert stores.listed(AgentFilter(two_factor_enabled=False)) == []
    assert stores.listed(AgentFilter(locked=False)) == [record.id]
    # When wrong codes reach the limit, Then it is listed as locked only
    for _ in range(3):
        stores.two_factor.record_two_factor_failure(record, max_failures=3, audit=[])
    assert stores.listed(AgentFilter(locked=True)) == [record.id]
    assert stores.listed(AgentFilter(locked=False)) == []
    # And a failure past the limit (already locked) moves nothing more
    assert stores.two_factor.record_two_factor_failure(record, max_failures=3, audit=[]) == 4
    assert stores.listed(AgentFilter(locked=True)) == [record.id]
    # When it is unlocked and 2FA reset by an administrator, Then both move back
    stores.two_factor.unlock_agent(stores.agent(record.id), audit=[])
    assert stores.listed(AgentFilter(locked=True)) == []
    assert stores.listed(AgentFilter(locked=False)) == [record.id]
    current = stores.agent(record.id)
    stores.two_factor.disable_totp(current, was_enabled=True, audit=[], messages=[],
                                   expected_version=current.version)
    assert stores.listed(AgentFilter(two_factor_enabled=True)) == []
    assert stores.listed(AgentFilter(two_factor_enabled=False, locked=False)) == [record.id]


@pytest.mark.parametrize("stale", [{"version": 0}, {"active": False}],
                         ids=["version-moved", "deactivated"])
def test_two_factor_writes_hold_the_agent_to_the_record_read(
        stores: Stores, stale: dict[str, Any]) -> None:
    # Given a record read before the agent changed (its listing items come from it)
    record = new_agent(stores)
    credential = TotpCredential(encryptedSeed="c2VlZA==", enrolmentId="e1",
                                createdAt=clock.iso(clock.now()))
    stores.two_factor.start_totp_enrolment(record.id, credential, audit=[])
    # When 2FA is turned on from it, Then nothing is written: the caller reads again
    with pytest.raises(ConcurrentChange):
        stores.two_factor.enable_totp(record.model_copy(update=stale), "e1", 100, [],
                                      audit=[], messages=[])
    assert not stores.agent(record.id).twoFactorEnabled
    assert stores.listed(AgentFilter(two_factor_enabled=False)) == [record.id]
    assert stores.listed(AgentFilter(two_factor_enabled=True)) == []
    # And so for turning it off with a code (the agent's own request)
    on = enrolled(stores)
    read = on.model_copy(update=stale)
    with pytest.raises(ConcurrentChange):
        stores.two_factor.disable_totp(read, was_enabled=True, audit=[], messages=[],
                                       enrolment_id="e1", step=101,
                                       expected_version=read.version)
    assert stores.agent(on.id).twoFactorEnabled
    assert stores.listed(AgentFilter(two_factor_enabled=True)) == [on.id]


def test_a_lock_counts_from_what_is_there_when_the_read_is_stale(stores: Stores) -> None:
    # Given an agent read before its failures were counted elsewhere (a lowered limit)
    record = enrolled(stores)
    for _ in range(3):
        stores.two_factor.record_two_factor_failure(record, max_failures=5, audit=[])
    # When a failure is counted against a limit already passed
    count = stores.two_factor.record_two_factor_failure(record, max_failures=2, audit=[])
    # Then it counts exactly once, locks, and the lock's listing follows
    assert count == 4
    assert stores.agent(record.id).locked
    assert stores.listed(AgentFilter(locked=True)) == [record.id]


def test_in_flight_attempts_hold_the_limit_until_reclaimed(
        stores: Stores, moved: SteerableClock) -> None:
    record = enrolled(stores)
    for _ in range(5):
        stores.two_factor.spend_two_factor_attempt(record.id, max_failures=5)
    with pytest.raises(TooManyAttempts):
        stores.two_factor.spend_two_factor_attempt(record.id, max_failures=5)
    stores.two_factor.give_back_two_factor_attempt(record.id)
    stores.two_factor.spend_two_factor_attempt(record.id, max_failures=5)
    moved.advance(31)
    stores.two_factor.spend_two_factor_attempt(record.id, max_failures=5)  # reclaimed


def test_a_time_step_a_challenge_and_a_backup_code_are_each_used_once(
        stores: Stores) -> None:
    record = enrolled(stores)
    first = challenge(stores, record)
    with pytest.raises(InvalidTwoFactorCode):  # not later than the confirmed step
        stores.two_factor.pass_second_factor(record.id, challenge_digest=first,
                                             enrolment_id="e1", step=100)
    stores.two_factor.pass_second_factor(record.id, challenge_digest=first,
                                         enrolment_id="e1", step=101)
    with pytest.raises(InvalidSession):
        stores.two_factor.pass_second_factor(record.id, challenge_digest=first,
                                             enrolment_id="e1", step=102)
    stores.two_factor.pass_second_factor(record.id, challenge_digest=challenge(stores, record),
                                         enrolment_id="e1", backup_digest="digest-1")
    with pytest.raises(InvalidTwoFactorCode):
        stores.two_factor.pass_second_factor(
            record.id, challenge_digest=challenge(stores, record), enrolment_id="e1",
            backup_digest="digest-1")
    state = stores.two_factor.load_two_factor_sign_in(record.id, "none", ["digest-1"])
    assert state.backup is not None and state.backup.usedAt is not None
    assert state.backupDigest == "digest-1"


def test_turning_off_with_a_used_step_fails_and_with_a_new_one_removes_everything(
        stores: Stores) -> None:
    record = enrolled(stores)
    with pytest.raises(InvalidTwoFactorCode):
        stores.two_factor.disable_totp(record, was_enabled=True, audit=[], messages=[],
                                       enrolment_id="e1", step=100)
    stores.two_factor.disable_totp(record, was_enabled=True, audit=[], messages=[],
                                   enrolment_id="e1", step=101)
    after, credential = stores.two_factor.load_two_factor(record.id)
    assert after is not None and not after.twoFactorEnabled and credential is None
    state = stores.two_factor.load_two_factor_sign_in(record.id, "none", ["digest-1"])
    assert state.backup is None


def test_a_right_code_forgives_the_failures_only_when_no_other_guess_is_in_flight(
        stores: Stores) -> None:
    """A right code resets the counts only when its own attempt is the only one spent
    beyond the failures it saw; with another guess in flight it gives back its own
    attempt alone (fails if a success mid-burst freed the attempts that concurrent
    wrong guesses hold: the TOTP burst then got more than 5 comparisons)."""
    record = enrolled(stores)
    stores.two_factor.spend_two_factor_attempt(record.id, max_failures=5)
    stores.two_factor.record_two_factor_failure(record, max_failures=5, audit=[])
    stores.two_factor.spend_two_factor_attempt(record.id, max_failures=5)  # in flight
    stores.two_factor.spend_two_factor_attempt(record.id, max_failures=5)  # the right one
    stores.two_factor.pass_second_factor(record.id, challenge_digest=None, enrolment_id="e1",
                                         step=101, failures_seen=1)
    assert stores.agent(record.id).twoFactorFailures == 1  # not forgiven
    for _ in range(3):  # 1 failure + 1 in flight + 3 = the limit of 5
        stores.two_factor.spend_two_factor_attempt(record.id, max_failures=5)
    with pytest.raises(TooManyAttempts):
        stores.two_factor.spend_two_factor_attempt(record.id, max_failures=5)
    for _ in range(4):  # the in-flight guess and the three decided wrong
        stores.two_factor.record_two_factor_failure(record, max_failures=5, audit=[])
    assert stores.agent(record.id).locked

    # alone, a right code forgives the failures it saw
    alone = enrolled(stores)
    stores.two_factor.spend_two_factor_attempt(alone.id, max_failures=5)
    stores.two_factor.record_two_factor_failure(alone, max_failures=5, audit=[])
    stores.two_factor.spend_two_factor_attempt(alone.id, max_failures=5)
    stores.two_factor.pass_second_factor(alone.id, challenge_digest=None, enrolment_id="e1",
                                         step=101, failures_seen=1)
    assert stores.agent(alone.id).twoFactorFailures == 0
    for _ in range(5):  # every attempt free again
        stores.two_factor.spend_two_factor_attempt(alone.id, max_failures=5)


def test_a_right_code_after_an_unlock_reset_the_counts_still_passes(stores: Stores) -> None:
    """An unlock between an attempt's spend and its right code resets the counts: the code
    passes (nothing to give back), not ``423`` on an unlocked account."""
    record = enrolled(stores)
    stores.two_factor.spend_two_factor_attempt(record.id, max_failures=5)
    stores.two_factor.record_two_factor_failure(record, max_failures=5, audit=[])
    stores.two_factor.spend_two_factor_attempt(record.id, max_failures=5)  # the right one
    stores.two_factor.unlock_agent(stores.agent(record.id), audit=[])  # counts reset
    stores.two_factor.pass_second_factor(record.id, challenge_digest=None, enrolment_id="e1",
                                         step=101, failures_seen=1)
    after = stores.agent(record.id)
    assert (after.locked, after.twoFactorFailures) == (False, 0)
    for _ in range(5):  # and no attempt went below zero
        stores.two_factor.spend_two_factor_attempt(record.id, max_failures=5)
    with pytest.raises(TooManyAttempts):
        stores.two_factor.spend_two_factor_attempt(record.id, max_failures=5)

"""Helpers of the sign-in service tests: agents in a ``World``, sign-in steps."""

from __future__ import annotations

import uuid
from datetime import timedelta
from functools import cache
from typing import Any

import pyotp
from roster import clock, passwords
from roster.models.agent import AgentRecord
from roster.models.auth import ChallengeAnswer, ChallengeRequest, LoginRequest, Tokens
from roster.models.credentials import PasswordCredential
from roster.models.two_factor import TotpCredential
from roster.services.sign_in import second_factor, steps
from support.fakes import World
from support.fakes.two_factor import FakeSeedVault

PASSWORD = "Agent-Start-Passw0rd"
WRONG = "Not-The-Passw0rd"
IP = "198.51.100.7"
SEED = pyotp.random_base32()


@cache
def hashed(password: str) -> str:
    return passwords.hash_password(password)


def add_agent(world: World, account: str = "jdoe", *, password: str | None = PASSWORD,
              temporary: bool = False, expires_in: timedelta = timedelta(days=7),
              two_factor: bool = False, **fields: Any) -> AgentRecord:
    """An agent in ``world`` (with TOTP on ``SEED`` when ``two_factor``)."""
    stamp = clock.iso(clock.now())
    record = AgentRecord(
        id=str(uuid.uuid4()), account=account, email=f"{account}@example.com",
        firstName=account.title(), alias=account.title(), twoFactorEnabled=two_factor,
        passwordStatus="none" if password is None else "temporary" if temporary else "set",
        createdAt=stamp, updatedAt=stamp, **fields)
    credential = None if password is None else PasswordCredential(
        hash=hashed(password), temporary=temporary, setAt=stamp,
        expiresAt=clock.iso(clock.now() + expires_in) if temporary else None)
    world.add_agent(record, credential)
    if two_factor:
        enrol(world, record.id)
    return record


def enrol(world: World, agent_id: str) -> None:
    """TOTP on ``SEED`` on for the agent (enrolment ``enrolment-1``)."""
    world.update_agent(agent_id, twoFactorEnabled=True)
    world.totp[agent_id] = TotpCredential(
        encryptedSeed=FakeSeedVault().seal(agent_id, SEED), enrolmentId="enrolment-1",
        pending=False, createdAt=clock.iso(clock.now()))


def backup_codes(world: World, record: AgentRecord, count: int = 2) -> list[str]:
    """Enrolment backup codes stored for ``record`` (shown in clear here)."""
    plain, stored = second_factor.new_backup_codes(
        record.id, count, source="enrolment", enrolment_id="enrolment-1", expires_at=None)
    for digest, code in stored:
        world.backup_codes[(record.id, digest)] = code
    return plain


def login(account: str = "jdoe", password: str = PASSWORD, ip: str = IP,
          ) -> Tokens | ChallengeAnswer:
    return steps.login(LoginRequest(login=account, password=password), ip)


def challenge(account: str = "jdoe", password: str = PASSWORD,
              ip: str = IP) -> ChallengeAnswer:
    answer = login(account, password, ip)
    assert isinstance(answer, ChallengeAnswer), answer
    return answer


def current_code() -> str:
    return pyotp.TOTP(SEED).at(clock.now())


def answer(step: ChallengeAnswer, ip: str = IP, **fields: str) -> Tokens | ChallengeAnswer:
    return steps.answer_challenge(
        ChallengeRequest(challenge=step.challenge, session=step.session, **fields), ip)

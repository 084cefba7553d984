"""Re-authentication for sensitive self-service changes, and what guards them (API.md
"Security rules (v2)" -> "Re-authentication for self-service email changes"; "v2
decisions" -> Authorization: phones and two-factor enrolment)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from roster import passwords
from roster.authorization import Actor
from roster.config import get_settings
from roster.errors import RosterError
from roster.models.credentials import LoginThrottle
from roster.permissions import ALL_PERMISSIONS
from roster.repository import get_repository, keys
from roster.services import email_change
from roster.services.sign_in.reauth import reauthenticate
from roster_local import LocalResponse, Runtime
from support.agents import AGENT_PASSWORD, OWNER_PASSWORD, make_agent, stored_agent
from support.api import access_token, bearer, login
from support.audit import audit_actions
from support.aws_calls import dynamodb_calls
from support.clocks import ShiftedClock
from support.concurrency import atomic_aws, race
from support.mail import messages_to

# an administrator holding every permission (resends are administrators' acts)
AN_ADMIN = Actor("an-admin", frozenset(ALL_PERMISSIONS))

WRONG = "Not-The-Passw0rd-At-All"
NEW_MOBILE = "+4791234567"


@pytest.fixture
def jdoe(runtime: Runtime) -> tuple[Runtime, str, str]:
    """The runtime, an agent with a mobile phone, and its access token."""
    agent = make_agent("jdoe", mobile="+4798765432", phone="+4722334455")
    return runtime, agent.id, access_token(runtime, "jdoe", AGENT_PASSWORD)


def patch_me(runtime: Runtime, token: str, body: dict[str, Any]) -> LocalResponse:
    return runtime.invoke("PATCH", "/me", headers=bearer(token), body=body)


def throttle_of(agent_id: str, source_ip: str = "127.0.0.1") -> LoginThrottle:
    """The agent's password-failure count from ``source_ip`` (sign-in's and
    re-authentication's alike)."""
    item = get_repository().table.get(
        keys.sign_in_source_throttle(keys.agent_subject(agent_id), source_ip))
    return LoginThrottle.model_validate(item or {})


# ---------------------------------------------------------------------- asking for it
@pytest.mark.parametrize("body", [{"email": "new@example.com"}, {"phone": "+4711111111"},
                                  {"mobilePhone": NEW_MOBILE}])
def test_email_and_phone_changes_without_the_current_password_are_422(
        jdoe: tuple[Runtime, str, str], body: dict[str, Any]) -> None:
    """Rule: PATCH /me with email, phone or mobilePhone needs currentPassword. Fails
    without the check (the change would be made with the token alone)."""
    runtime, agent_id, token = jdoe
    response = patch_me(runtime, token, body)
    assert (response.status, response.json()["code"]) == (422, "validation_failed")
    assert response.json()["errors"][0]["field"] == "currentPassword"
    assert stored_agent(agent_id).version == 1


@pytest.mark.parametrize("body", [{"email": "new@example.com"}, {"phone": "+4711111111"},
                                  {"mobilePhone": NEW_MOBILE}])
def test_a_wrong_current_password_is_401_and_counted_as_a_password_failure(
        jdoe: tuple[Runtime, str, str], body: dict[str, Any]) -> None:
    """Rule: a wrong currentPassword is 401 invalid_credentials and counts as a password
    failure. Fails without the re-authentication (200) or without the count."""
    runtime, agent_id, token = jdoe
    response = patch_me(runtime, token, {**body, "currentPassword": WRONG})
    assert (response.status, response.json()["code"]) == (401, "invalid_credentials")
    assert stored_agent(agent_id).version == 1 and stored_agent(agent_id).pendingEmail is None
    assert throttle_of(agent_id).failures == 1
    assert "agent.reauthentication_failed" in audit_actions(agent_id)
    # The session is not ended by it (a 401 with this code is not "signed out")
    assert runtime.invoke("GET", "/me", headers=bearer(token)).status == 200


def test_other_self_service_fields_need_no_password(jdoe: tuple[Runtime, str, str]) -> None:
    runtime, _, token = jdoe
    assert patch_me(runtime, token, {"title": "Lead"}).status == 200


def test_two_factor_enrolment_needs_the_current_password(
        jdoe: tuple[Runtime, str, str]) -> None:
    """Rule: POST /me/two-factor needs currentPassword (422 without, 401 when wrong).
    Fails without the re-authentication (a stolen token could bind its authenticator)."""
    runtime, agent_id, token = jdoe
    missing = runtime.invoke("POST", "/me/two-factor", headers=bearer(token))
    assert (missing.status, missing.json()["code"]) == (422, "validation_failed")
    wrong = runtime.invoke("POST", "/me/two-factor", headers=bearer(token),
                           body={"currentPassword": WRONG})
    assert (wrong.status, wrong.json()["code"]) == (401, "invalid_credentials")
    assert throttle_of(agent_id).failures == 1
    right = runtime.invoke("POST", "/me/two-factor", headers=bearer(token),
                           body={"currentPassword": AGENT_PASSWORD})
    assert right.status == 200 and right.json()["secret"]
    # the right guess resets the count to the guesses still in flight (none here)
    assert throttle_of(agent_id).failures == 0


def test_concurrent_wrong_current_passwords_get_no_more_comparisons_than_the_limit(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule: every re-authentication guess is counted before it is compared, so 20
    concurrent wrong guesses get at most ROSTER_PASSWORD_MAX_FAILURES comparisons; the
    rest are 429 with Retry-After. Fails when the failure is counted after comparing
    (POST /me/password did that: all 20 were compared)."""
    atomic_aws(monkeypatch)
    agent = make_agent("jdoe")
    _, credential = get_repository().load_credentials(agent.id)
    compared = []
    lock = threading.Lock()
    real_verify = passwords.verify_password

    def counting_verify(stored: str | None, given: str) -> bool:
        with lock:
            compared.append(given)
        return real_verify(stored, given)

    monkeypatch.setattr(passwords, "verify_password", counting_verify)
    outcomes = race(lambda guess: reauthenticate(agent.id, guess, credential,
                                                 source_ip="127.0.0.1",
                                                 action="test.failed", step="test"),
                    [f"{WRONG}{n}" for n in range(20)])
    limit = get_settings().password_max_failures
    assert len(compared) <= limit
    codes = sorted((o.status, o.code) for o in outcomes if isinstance(o, RosterError))
    assert len(codes) == 20
    assert set(codes) <= {(401, "invalid_credentials"), (429, "too_many_attempts")}
    assert codes.count((401, "invalid_credentials")) == len(compared)
    refused = [o for o in outcomes if isinstance(o, RosterError) and o.status == 429]
    assert all(int(o.extra["retryAfter"]) > 0 for o in refused)
    # And the limit reached started the lockout: even the right password waits now
    with pytest.raises(RosterError) as locked:
        reauthenticate(agent.id, AGENT_PASSWORD, credential, source_ip="127.0.0.1",
                       action="test.failed", step="t")
    assert locked.value.status == 429


def test_the_password_change_counts_before_comparing_too(
        jdoe: tuple[Runtime, str, str]) -> None:
    """POST /me/password uses the same re-authentication: once the limit is spent, the
    right current password is refused with 429 too_many_attempts and Retry-After."""
    runtime, _, token = jdoe
    for _ in range(get_settings().password_max_failures):
        wrong = runtime.invoke("POST", "/me/password", headers=bearer(token),
                               body={"currentPassword": WRONG,
                                     "newPassword": "Brand-New-Passw0rd"})
        assert wrong.status == 401
    right = runtime.invoke("POST", "/me/password", headers=bearer(token),
                           body={"currentPassword": AGENT_PASSWORD,
                                 "newPassword": "Brand-New-Passw0rd"})
    assert (right.status, right.json()["code"]) == (429, "too_many_attempts")
    assert int(right.header("Retry-After") or 0) > 0


# ---------------------------------------------------------------------- phones
def test_a_phone_change_notifies_the_old_email_and_the_old_numbers(
        jdoe: tuple[Runtime, str, str]) -> None:
    """Rule: on a self-service phone change the old email and old phone get a notice.
    Fails without the notices (a thief would quietly redirect SMS recovery)."""
    runtime, _, token = jdoe
    response = patch_me(runtime, token, {"mobilePhone": NEW_MOBILE, "phone": "+4711111111",
                                         "currentPassword": AGENT_PASSWORD})
    assert response.status == 200, response.json()
    assert response.json()["mobilePhone"] == NEW_MOBILE
    assert [m["subject"] for m in messages_to(runtime, "jdoe@example.com")][-1] == \
        "Your Roster phone number was changed"
    assert len(messages_to(runtime, "+4798765432")) == 1  # the old mobile
    assert len(messages_to(runtime, "+4722334455")) == 1  # the old phone
    assert messages_to(runtime, NEW_MOBILE) == []


def test_no_sms_recovery_code_goes_to_a_number_changed_in_the_last_24_hours(
        jdoe: tuple[Runtime, str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule: POST /password/forgot by SMS sends nothing (still 202) to a mobile number
    changed less than 24 hours ago. Fails without the hold."""
    runtime, _, token = jdoe
    shifted = ShiftedClock(monkeypatch)
    assert patch_me(runtime, token, {"mobilePhone": NEW_MOBILE,
                                     "currentPassword": AGENT_PASSWORD}).status == 200
    forgot = runtime.invoke("POST", "/password/forgot",
                            body={"login": "jdoe", "channel": "sms"})
    assert forgot.status == 202
    assert messages_to(runtime, NEW_MOBILE) == []
    # And once 24 hours have passed, the code goes to the new number
    shifted.advance(hours=24, minutes=1)
    assert runtime.invoke("POST", "/password/forgot",
                          body={"login": "jdoe", "channel": "sms"}).status == 202
    assert len(messages_to(runtime, NEW_MOBILE)) == 1


# ---------------------------------------------------------------------- no address oracle
def test_another_agents_address_answers_like_a_free_one_and_tells_its_holder(
        jdoe: tuple[Runtime, str, str]) -> None:
    """Rule: a self-service change to an address another agent holds answers as for a
    free one (200, pendingEmail set); the holder gets a notice without a link; nothing
    can verify it. Fails with the old 409 email_taken (an oracle of who is registered)."""
    runtime, agent_id, token = jdoe
    make_agent("holder", email="taken@example.com", firstName="Hanna")
    free = patch_me(runtime, token, {"email": "free@example.com",
                                     "currentPassword": AGENT_PASSWORD})
    taken = patch_me(runtime, token, {"email": "Taken@Example.com",
                                      "currentPassword": AGENT_PASSWORD})
    assert (free.status, taken.status) == (200, 200)
    assert taken.json()["pendingEmail"]["email"] == "Taken@Example.com"
    assert set(free.json()) == set(taken.json())
    # The holder is told someone asked for its address, with no link in it
    notices = messages_to(runtime, "taken@example.com")
    assert [m["subject"] for m in notices] == [
        "Someone asked to use your email address in Roster"]
    assert "token=" not in notices[0]["body"] and "Hanna" in notices[0]["body"]
    # And no token exists that could complete it
    stored = get_repository().load_email_change(agent_id)[1]
    assert stored is not None and stored.digest == email_change.NO_TOKEN
    with pytest.raises(RosterError) as refused:
        email_change.verify(f"{agent_id}.{'A' * 43}")
    assert refused.value.code == "invalid_token"
    # And an administrator still gets 409 email_taken
    runtime.create_owner(OWNER_PASSWORD)
    admin = access_token(runtime, "admin", OWNER_PASSWORD)
    conflict = runtime.invoke("PATCH", f"/agents/{agent_id}", headers=bearer(admin),
                              body={"email": "taken@example.com"})
    assert (conflict.status, conflict.json()["code"]) == (409, "email_taken")


def test_a_free_and_a_taken_address_make_the_same_dynamodb_calls(runtime: Runtime) -> None:
    """No timing oracle either: a self-service change to a free and to another agent's
    address make the same DynamoDB round trips. Fails when only a held address reads
    its holder's profile."""
    make_agent("holder", email="taken@example.com")
    shapes = []
    for n, address in enumerate(["free@example.com", "taken@example.com"]):
        agent = make_agent(f"asker{n}")
        with dynamodb_calls() as calls:
            email_change.start_change(agent.id, agent, address, self_service=True)
        shapes.append(calls)
    assert shapes[0] == shapes[1], shapes


def test_a_resend_for_an_address_in_use_sends_no_link(
        jdoe: tuple[Runtime, str, str]) -> None:
    """A resend of such a change tells the holder again; it never mails a link."""
    runtime, agent_id, token = jdoe
    make_agent("holder", email="taken@example.com")
    patch_me(runtime, token, {"email": "taken@example.com", "currentPassword": AGENT_PASSWORD})
    email_change.resend(AN_ADMIN, agent_id)
    runtime.pump_streams()  # the notifier sends what the service wrote
    sent = messages_to(runtime, "taken@example.com")
    assert len(sent) == 2 and not any("token=" in m["body"] for m in sent)
    stored = get_repository().load_email_change(agent_id)[1]
    assert stored is not None and stored.digest == email_change.NO_TOKEN


# ---------------------------------------------------------------------- mail limit
def test_email_change_mails_are_limited_per_agent_per_hour(
        runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule: at most ROSTER_EMAIL_CHANGE_REQUESTS_PER_HOUR email-change mails per agent
    per hour (changes and resends, by anyone); past that 429 too_many_attempts with
    Retry-After, and nothing changes. Fails without the counter."""
    shifted = ShiftedClock(monkeypatch)
    now = datetime.now(UTC)
    shifted.advance(seconds=-(now.minute * 60 + now.second) + 60)  # hh:01, one clock hour
    agent = make_agent("jdoe")
    limit = get_settings().email_change_requests_per_hour
    for n in range(limit - 1):
        email_change.start_change(agent.id, stored_agent(agent.id), f"new{n}@example.com",
                                  self_service=True)
    email_change.resend(AN_ADMIN, agent.id)  # a resend is counted too
    before = stored_agent(agent.id)
    with pytest.raises(RosterError) as refused:
        email_change.start_change(agent.id, before, "one-more@example.com", self_service=True)
    assert (refused.value.status, refused.value.code) == (429, "too_many_attempts")
    assert 0 < int(refused.value.extra["retryAfter"]) <= 3600
    with pytest.raises(RosterError):
        email_change.resend(AN_ADMIN, agent.id)
    assert stored_agent(agent.id).pendingEmail == before.pendingEmail
    runtime.pump_streams()
    assert len(messages_to(runtime, "new0@example.com")) == 1
    assert messages_to(runtime, "one-more@example.com") == []
    # And the next clock hour allows mails again
    shifted.advance(hours=1)
    email_change.start_change(agent.id, stored_agent(agent.id), "later@example.com")
    assert stored_agent(agent.id).pendingEmail is not None


def test_a_wrong_current_password_is_a_password_failure_of_that_source_only(
        jdoe: tuple[Runtime, str, str]) -> None:
    """Rule: a wrong current password counts as a password failure (API.md v2): in the
    sign-in's counts, per agent and source IP. A stolen token guessing from elsewhere
    throttles that address, not the agent's own (red team: ten wrong guesses blocked the
    real user's password change from its own address), and sign-in plus
    re-authentication from one address get ten guesses together, not twenty."""
    runtime, agent_id, token = jdoe
    thief = "203.0.113.66"
    for _ in range(get_settings().password_max_failures):
        wrong = runtime.invoke("PATCH", "/me", headers=bearer(token), source_ip=thief,
                               body={"phone": "+4711111111", "currentPassword": WRONG})
        assert wrong.status == 401
    assert throttle_of(agent_id, thief).lockedUntil is not None
    assert login(runtime, "jdoe", AGENT_PASSWORD, source_ip=thief).status == 429
    mine = runtime.invoke("PATCH", "/me", headers=bearer(token),
                          body={"phone": "+4711111111", "currentPassword": AGENT_PASSWORD})
    assert mine.status == 200, mine.json()

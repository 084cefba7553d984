"""Password changes over the API (moto): ``POST /me/password``, ``POST
/agents/{id}/password`` and the ``NEW_PASSWORD_REQUIRED`` sign-in challenge.

Rules held: ASVS 6.4.1 / 2.3.1 (temporary passwords expire and must be changed at first
use), ASVS 2.1.5-2.1.6 (changing a password needs the current one), NIST SP 800-63B
5.1.1.2 (the policy and the blocklist apply everywhere a password is set), OWASP Session
Management (a password change ends the other sessions).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from roster import password_policy
from roster.config import get_settings
from roster.repository import get_repository, keys
from support.agents import AGENT_PASSWORD, OWNER_PASSWORD, make_agent
from support.api import Caller, bearer, login, sign_in
from support.audit import audit_actions
from support.clocks import ShiftedClock
from support.mail import messages_to

NEW_PASSWORD = "Brand-New-Passw0rd"
MOBILE = "+4791234567"


def change_own(runtime: Any, token: str, current: str, new: str) -> Any:
    return runtime.invoke("POST", "/me/password", headers=bearer(token),
                          body={"currentPassword": current, "newPassword": new})


def admin_set(runtime: Any, token: str, agent_id: str, body: dict[str, Any]) -> Any:
    return runtime.invoke("POST", f"/agents/{agent_id}/password", headers=bearer(token),
                          body=body)


def answer_new_password(runtime: Any, session: str, password: str | None) -> Any:
    body: dict[str, Any] = {"session": session, "challenge": "NEW_PASSWORD_REQUIRED"}
    if password is not None:
        body["newPassword"] = password
    return runtime.invoke("POST", "/auth/challenge", body=body)


# ---------------------------------------------------------------------- POST /me/password
def test_own_change_keeps_the_callers_session_and_ends_the_others(runtime: Any) -> None:
    # Given an agent signed in twice
    agent = make_agent(account="jdoe", mobile=MOBILE)
    mine = sign_in(runtime, "jdoe", AGENT_PASSWORD)
    other = sign_in(runtime, "jdoe@example.com", AGENT_PASSWORD)
    # When it changes its password from the first session
    answer = change_own(runtime, mine["accessToken"], AGENT_PASSWORD, NEW_PASSWORD)
    # Then 204; the calling session still works (access and refresh), the other does not
    assert answer.status == 204, answer.json()
    assert runtime.invoke("GET", "/me", headers=bearer(mine["accessToken"])).status == 200
    assert runtime.invoke("POST", "/auth/refresh",
                          body={"refreshToken": mine["refreshToken"]}).status == 200
    assert runtime.invoke("GET", "/me", headers=bearer(other["accessToken"])).status == 401
    assert runtime.invoke("POST", "/auth/refresh",
                          body={"refreshToken": other["refreshToken"]}).status == 401
    # And only the new password signs in
    sign_in(runtime, "jdoe", NEW_PASSWORD)
    assert login(runtime, "jdoe", AGENT_PASSWORD).status == 401
    # And the agent was told on both channels, and the change audited
    assert "changed" in messages_to(runtime, agent.email)[-1]["subject"]
    assert "changed" in messages_to(runtime, MOBILE)[-1]["body"]
    assert "password.changed" in audit_actions(agent.id)


def test_own_change_with_a_wrong_current_password_is_invalid_credentials(
        runtime: Any) -> None:
    make_agent(account="jdoe")
    token = sign_in(runtime, "jdoe", AGENT_PASSWORD)["accessToken"]
    answer = change_own(runtime, token, "Not-The-Passw0rd", NEW_PASSWORD)
    assert answer.status == 401 and answer.json()["code"] == "invalid_credentials"
    sign_in(runtime, "jdoe", AGENT_PASSWORD)


def test_own_change_applies_the_policy_and_refuses_the_same_password(runtime: Any) -> None:
    make_agent(account="jdoe")
    token = sign_in(runtime, "jdoe", AGENT_PASSWORD)["accessToken"]
    weak = change_own(runtime, token, AGENT_PASSWORD, "password")
    same = change_own(runtime, token, AGENT_PASSWORD, AGENT_PASSWORD)
    assert (weak.status, weak.json()["code"]) == (422, "password_policy")
    assert {"min_length", "common"} <= {e["rule"] for e in weak.json()["errors"]}
    assert (same.status, same.json()["code"]) == (422, "password_policy")
    assert [e["rule"] for e in same.json()["errors"]] == ["same_as_current"]
    assert all(e["field"] == "newPassword" for e in weak.json()["errors"])


def test_own_change_guessing_is_throttled(runtime: Any,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """NIST SP 800-63B 5.2.2: a session cannot be used to guess the password unlimited."""
    monkeypatch.setenv("ROSTER_PASSWORD_MAX_FAILURES", "3")
    get_settings.cache_clear()
    make_agent(account="jdoe")
    token = sign_in(runtime, "jdoe", AGENT_PASSWORD)["accessToken"]
    for _ in range(3):
        assert change_own(runtime, token, "Wrong-Guess-123", NEW_PASSWORD).status == 401
    # When the right current password comes after 3 wrong ones
    answer = change_own(runtime, token, AGENT_PASSWORD, NEW_PASSWORD)
    # Then it is throttled, and so is sign-in from that address (API.md v2: a wrong
    # current password is a password failure), not sign-in from the agent's others
    assert answer.status == 429 and answer.json()["code"] == "too_many_attempts"
    assert int(answer.headers["Retry-After"]) > 0
    assert login(runtime, "jdoe", AGENT_PASSWORD).status == 429
    sign_in(runtime, "jdoe", AGENT_PASSWORD, source_ip="198.51.100.7")


def test_own_change_requires_a_token(runtime: Any) -> None:
    answer = runtime.invoke("POST", "/me/password",
                            body={"currentPassword": "x", "newPassword": "y"})
    assert answer.status == 401 and answer.json()["code"] == "unauthorized"


# ---------------------------------------------------------------------- admin
def test_admin_sets_a_password_that_must_be_changed_by_default(runtime: Any,
                                                               admin: Caller) -> None:
    # Given a signed-in agent
    agent = make_agent(account="jdoe")
    session = sign_in(runtime, "jdoe", AGENT_PASSWORD)
    # When an admin sets its password (forceChange not given)
    answer = admin_set(runtime, admin.token, agent.id,
                       {"newPassword": NEW_PASSWORD, "confirmPassword": NEW_PASSWORD})
    # Then 204, the agent's sessions are revoked, and sign-in asks for a new password
    assert answer.status == 204, answer.json()
    assert runtime.invoke("GET", "/me", headers=bearer(session["accessToken"])).status == 401
    challenge = login(runtime, "jdoe", NEW_PASSWORD).json()
    assert challenge["challenge"] == "NEW_PASSWORD_REQUIRED"
    record = get_repository().get_agent(agent.id)
    assert record is not None and record.passwordStatus == "temporary"
    # And the agent was told, without the password, and the change audited
    notice = messages_to(runtime, agent.email)[-1]
    assert "administrator" in notice["subject"] and NEW_PASSWORD not in notice["body"]
    assert "password.set_by_admin" in audit_actions(agent.id)


def test_admin_sets_a_password_without_forcing_a_change(runtime: Any, admin: Caller) -> None:
    agent = make_agent(account="jdoe")
    answer = admin_set(runtime, admin.token, agent.id, {"newPassword": NEW_PASSWORD,
                                                  "confirmPassword": NEW_PASSWORD,
                                                  "forceChange": False})
    assert answer.status == 204
    sign_in(runtime, "jdoe", NEW_PASSWORD)
    record = get_repository().get_agent(agent.id)
    assert record is not None and record.passwordStatus == "set"


def test_admin_generates_a_temporary_password(runtime: Any, admin: Caller) -> None:
    agent = make_agent(account="jdoe")
    # When an admin asks for a generated password
    answer = admin_set(runtime, admin.token, agent.id, {"generate": True})
    # Then 200 with a password that passes the policy, shown once, not cached
    assert answer.status == 200
    generated = answer.json()["temporaryPassword"]
    assert password_policy.violations(generated, account="jdoe",
                                      email=agent.email) == []
    assert answer.headers.get("Cache-Control") == "no-store"
    # And it is temporary: sign-in asks for a new one
    assert login(runtime, "jdoe", generated).json()["challenge"] == "NEW_PASSWORD_REQUIRED"
    assert all(generated not in m["body"] for m in runtime.outbox())


def test_admin_password_mismatch_and_policy(runtime: Any, admin: Caller) -> None:
    agent = make_agent(account="jdoe")
    mismatch = admin_set(runtime, admin.token, agent.id,
                         {"newPassword": NEW_PASSWORD, "confirmPassword": NEW_PASSWORD + "x"})
    weak = admin_set(runtime, admin.token, agent.id,
                     {"newPassword": "jdoe-Passw0rd-12", "confirmPassword": "jdoe-Passw0rd-12"})
    assert (mismatch.status, mismatch.json()["code"]) == (422, "password_mismatch")
    assert (weak.status, weak.json()["code"]) == (422, "password_policy")
    assert [e["rule"] for e in weak.json()["errors"]] == ["contains_account", "contains_email"]
    sign_in(runtime, "jdoe", AGENT_PASSWORD)  # unchanged


@pytest.mark.parametrize("body", [
    {}, {"newPassword": NEW_PASSWORD}, {"generate": True, "newPassword": NEW_PASSWORD},
    {"generate": True, "forceChange": False}, {"generate": "yes please"},
    {"newPassword": NEW_PASSWORD, "confirmPassword": NEW_PASSWORD, "extra": 1},
])
def test_admin_body_must_be_one_of_the_two_forms(runtime: Any, admin: Caller,
                                                 body: dict[str, Any]) -> None:
    agent = make_agent(account="jdoe")
    answer = admin_set(runtime, admin.token, agent.id, body)
    assert (answer.status, answer.json()["code"]) == (422, "validation_failed")


def test_admin_route_needs_the_credentials_permission(runtime: Any) -> None:
    target = make_agent(account="target")
    make_agent(account="plain")
    token = sign_in(runtime, "plain", AGENT_PASSWORD)["accessToken"]
    answer = admin_set(runtime, token, target.id, {"generate": True})
    assert (answer.status, answer.json()["code"]) == (403, "forbidden")


def test_a_manager_cannot_set_an_admins_password(runtime: Any) -> None:
    """No privilege escalation: only an admin may set an admin's password."""
    admin = make_agent(account="second-admin", roles=["admin"])
    colleague = make_agent(account="colleague")
    make_agent(account="boss", roles=["manager"])
    token = sign_in(runtime, "boss", AGENT_PASSWORD)["accessToken"]
    refused = admin_set(runtime, token, admin.id, {"generate": True})
    allowed = admin_set(runtime, token, colleague.id, {"generate": True})
    assert (refused.status, refused.json()["code"]) == (403, "forbidden")
    assert allowed.status == 200


def test_an_admin_cannot_reset_its_own_password_this_way(runtime: Any, admin: Caller) -> None:
    owner_id = get_repository().find_agent_id("admin")
    assert owner_id is not None
    answer = admin_set(runtime, admin.token, owner_id, {"generate": True})
    assert (answer.status, answer.json()["code"]) == (403, "forbidden")
    assert "/me/password" in answer.json()["detail"]


def test_admin_set_for_an_unknown_agent_is_not_found(runtime: Any, admin: Caller) -> None:
    answer = admin_set(runtime, admin.token, "5b4f0d4c-1111-4222-8333-944455556666",
                       {"generate": True})
    assert (answer.status, answer.json()["code"]) == (404, "not_found")


# ---------------------------------------------------------------------- challenge
def test_first_sign_in_with_a_temporary_password(runtime: Any) -> None:
    """ASVS 2.3.1: a temporary password must be replaced at first use."""
    agent = make_agent(account="jdoe", temporary=True)
    # Given the NEW_PASSWORD_REQUIRED challenge
    first = login(runtime, "jdoe", AGENT_PASSWORD).json()
    assert first["status"] == "challenge" and first["challenge"] == "NEW_PASSWORD_REQUIRED"
    # When it is answered with a good new password
    answer = answer_new_password(runtime, first["session"], NEW_PASSWORD)
    # Then tokens come back, they work, the status is "set"
    assert answer.status == 200, answer.json()
    tokens = answer.json()
    assert tokens["status"] == "authenticated"
    assert runtime.invoke("GET", "/me", headers=bearer(tokens["accessToken"])).json()[
        "passwordStatus"] == "set"
    # And the challenge cannot be answered twice; the new password signs in directly
    again = answer_new_password(runtime, first["session"], "Another-Passw0rd-9")
    assert (again.status, again.json()["code"]) == (401, "invalid_session")
    sign_in(runtime, "jdoe", NEW_PASSWORD)
    assert {"password.changed", "sign_in.succeeded"} <= set(audit_actions(agent.id))


def test_new_password_must_differ_from_the_temporary_one_and_pass_the_policy(
        runtime: Any) -> None:
    make_agent(account="jdoe", temporary=True)
    session = login(runtime, "jdoe", AGENT_PASSWORD).json()["session"]
    same = answer_new_password(runtime, session, AGENT_PASSWORD)
    weak = answer_new_password(runtime, session, "short")
    missing = answer_new_password(runtime, session, None)
    assert (same.status, same.json()["code"]) == (422, "password_policy")
    assert [e["rule"] for e in same.json()["errors"]] == ["same_as_current"]
    assert (weak.status, weak.json()["code"]) == (422, "password_policy")
    assert (missing.status, missing.json()["code"]) == (422, "validation_failed")
    # And the challenge still works after those refusals
    assert answer_new_password(runtime, session, NEW_PASSWORD).status == 200


def test_a_bad_or_expired_challenge_session_is_invalid_session(
        runtime: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    moved_clock = ShiftedClock(monkeypatch)
    make_agent(account="jdoe", temporary=True)
    bad = answer_new_password(runtime, "made-up-session", NEW_PASSWORD)
    assert (bad.status, bad.json()["code"]) == (401, "invalid_session")
    session = login(runtime, "jdoe", AGENT_PASSWORD).json()["session"]
    moved_clock.advance(seconds=get_settings().challenge_ttl_seconds + 1)
    late = answer_new_password(runtime, session, NEW_PASSWORD)
    assert (late.status, late.json()["code"]) == (401, "invalid_session")


@pytest.mark.parametrize(("change", "status", "code"), [
    ("SET locked = :t", 423, "account_locked"),
    ("SET active = :f", 403, "account_inactive"),
])
def test_a_lock_or_deactivation_during_the_challenge_wins(
        runtime: Any, change: str, status: int, code: str) -> None:
    agent = make_agent(account="jdoe", temporary=True)
    session = login(runtime, "jdoe", AGENT_PASSWORD).json()["session"]
    # Given the account is locked or deactivated after the password step
    get_repository().table.update(keys.agent(agent.id), change,
                                  values={":t": True} if ":t" in change else {":f": False})
    # When the new password comes
    answer = answer_new_password(runtime, session, NEW_PASSWORD)
    # Then it is refused with the account's state, and the password is unchanged
    assert (answer.status, answer.json()["code"]) == (status, code)
    credential = get_repository().load_credentials(agent.id)[1]
    assert credential is not None and credential.temporary


def test_a_totp_session_does_not_answer_the_new_password_challenge(runtime: Any) -> None:
    make_agent(account="jdoe", temporary=True, two_factor=True)
    first = login(runtime, "jdoe", AGENT_PASSWORD).json()
    assert first["challenge"] == "TOTP_REQUIRED"  # the contract's order: 2FA first
    answer = answer_new_password(runtime, first["session"], NEW_PASSWORD)
    assert (answer.status, answer.json()["code"]) == (401, "invalid_session")


def test_an_expired_temporary_password_is_refused(
        runtime: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """ASVS 6.4.1: temporary passwords expire (ROSTER_TEMP_PASSWORD_TTL_SECONDS)."""
    moved_clock = ShiftedClock(monkeypatch)
    make_agent(account="jdoe", temporary=True, expires_in=timedelta(days=7))
    moved_clock.advance(days=7, seconds=1)
    # When the right temporary password comes after its lifetime
    answer = login(runtime, "jdoe", AGENT_PASSWORD)
    # Then 401 temporary_password_expired; a wrong one still gets invalid_credentials
    assert (answer.status, answer.json()["code"]) == (401, "temporary_password_expired")
    wrong = login(runtime, "jdoe", "Wrong-Passw0rd-1")
    assert (wrong.status, wrong.json()["code"]) == (401, "invalid_credentials")


def test_a_temporary_password_expiring_during_the_challenge_is_refused(
        runtime: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    moved_clock = ShiftedClock(monkeypatch)
    make_agent(account="jdoe", temporary=True, expires_in=timedelta(seconds=120))
    session = login(runtime, "jdoe", AGENT_PASSWORD).json()["session"]
    moved_clock.advance(seconds=121)
    answer = answer_new_password(runtime, session, NEW_PASSWORD)
    assert (answer.status, answer.json()["code"]) == (401, "temporary_password_expired")


def test_admin_temporary_password_lifetime_follows_the_setting(
        runtime: Any, admin: Caller, monkeypatch: pytest.MonkeyPatch) -> None:
    moved_clock = ShiftedClock(monkeypatch)
    monkeypatch.setenv("ROSTER_TEMP_PASSWORD_TTL_SECONDS", "3600")
    get_settings.cache_clear()
    agent = make_agent(account="jdoe")
    generated = admin_set(runtime, admin.token, agent.id, {"generate": True}).json()[
        "temporaryPassword"]
    moved_clock.advance(seconds=3601)
    answer = login(runtime, "jdoe", generated)
    assert (answer.status, answer.json()["code"]) == (401, "temporary_password_expired")


def test_two_factor_then_new_password_then_tokens(runtime: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The contract's order: TOTP_REQUIRED first, then NEW_PASSWORD_REQUIRED."""
    import pyotp
    from support.clocks import steer_clock
    from support.two_factor import enrol

    steered = steer_clock(monkeypatch)
    runtime.create_owner(OWNER_PASSWORD)
    owner_token = sign_in(runtime, "admin", OWNER_PASSWORD)["accessToken"]
    # Given an agent with 2FA on whose password an admin replaced by a generated one
    agent = make_agent(account="jdoe")
    secret, _ = enrol(runtime, sign_in(runtime, "jdoe", AGENT_PASSWORD)["accessToken"], steered)
    temporary = admin_set(runtime, owner_token, agent.id, {"generate": True}).json()[
        "temporaryPassword"]
    # When it signs in: the TOTP step comes first
    first = login(runtime, "jdoe", temporary).json()
    assert first["challenge"] == "TOTP_REQUIRED"
    steered.advance(30)
    second = runtime.invoke("POST", "/auth/challenge", body={
        "session": first["session"], "challenge": "TOTP_REQUIRED",
        "code": pyotp.TOTP(secret).at(steered.epoch)}).json()
    # Then the new-password step, and tokens after it
    assert second["challenge"] == "NEW_PASSWORD_REQUIRED"
    answer = answer_new_password(runtime, second["session"], NEW_PASSWORD)
    assert answer.status == 200 and answer.json()["status"] == "authenticated"
    assert runtime.invoke("GET", "/me", headers=bearer(answer.json()["accessToken"])
                          ).json()["passwordStatus"] == "set"


@pytest.mark.parametrize("flag", ["forcePasswordChange", "forceChange"])
def test_admin_reset_takes_force_password_change_by_its_one_name(runtime: Any, admin: Caller,
                                                               flag: str) -> None:
    """API.md "Consistency (v2)": the admin reset takes ``forcePasswordChange`` (the name
    ``POST /agents`` uses); the v1 ``forceChange`` still works."""
    agent = make_agent("jdoe")
    answer = admin_set(runtime, admin.token, agent.id, {
        "newPassword": "Chosen-By-Admin-77", "confirmPassword": "Chosen-By-Admin-77",
        flag: False})
    assert answer.status == 204
    assert get_repository().get_agent(agent.id).passwordStatus == "set"  # type: ignore[union-attr]


def test_a_sign_in_half_way_dies_with_a_password_reset_or_revoke_all(runtime: Any,
                                                                     admin: Caller) -> None:
    """Rule: a pending sign-in (its challenge) is bound to the agent's session epoch, so a
    password reset or "revoke every session" ends it as it ends the sessions (red team:
    someone holding a leaked temporary password answered NEW_PASSWORD_REQUIRED after the
    admin had reset it, and set a password of their own). Fails without the epoch check."""
    agent = make_agent(account="jdoe", temporary=True)
    # the admin resets the password while someone is half-way with the old one
    pending = login(runtime, "jdoe", AGENT_PASSWORD)
    assert pending.json()["challenge"] == "NEW_PASSWORD_REQUIRED"
    current = admin_set(runtime, admin.token, agent.id,
                        {"generate": True}).json()["temporaryPassword"]
    late = answer_new_password(runtime, pending.json()["session"], "Attacker-Chosen-Pw1")
    assert (late.status, late.json()["code"]) == (401, "invalid_session")
    # the admin revokes every session while someone is half-way with the new one
    pending = login(runtime, "jdoe", current)
    assert pending.json()["challenge"] == "NEW_PASSWORD_REQUIRED"
    runtime.invoke("DELETE", f"/agents/{agent.id}/sessions", headers=admin.headers)
    late = answer_new_password(runtime, pending.json()["session"], "Attacker-Chosen-Pw1")
    assert (late.status, late.json()["code"]) == (401, "invalid_session")
    assert login(runtime, "jdoe", "Attacker-Chosen-Pw1").status == 401

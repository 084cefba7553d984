"""Two-factor sign-in through the local runtime: enrolment, the TOTP_REQUIRED challenge,
replay, lockout and unlock, backup codes, turning 2FA off, the admin reset, the IP
allowlist. Each test names the rule it holds."""

from __future__ import annotations

import base64
from datetime import timedelta

import boto3
import pyotp
import pytest
from roster import clock
from roster.config import get_settings
from roster.repository import get_repository, keys
from roster.repository.table import Expression
from roster.services.sign_in import second_factor, two_factor
from roster_local import Runtime
from support.agents import (
    AGENT_PASSWORD,
    OWNER_PASSWORD,
    make_agent,
    set_password,
    stored_agent,
)
from support.api import bearer
from support.audit import audit_events
from support.clocks import SteerableClock, steer_clock
from support.two_factor import (
    answer,
    challenge_session,
    enrol,
    login,
    owner_token,
    tokens_for,
    wrong_code,
)

pytestmark = pytest.mark.usefixtures("steered")

REAUTH = {"currentPassword": AGENT_PASSWORD}  # POST /me/two-factor re-authenticates


@pytest.fixture
def steered(monkeypatch: pytest.MonkeyPatch) -> SteerableClock:
    return steer_clock(monkeypatch)


def raw_item(key: dict[str, str]) -> dict[str, object] | None:
    return get_repository().table.get(key)


# ---------------------------------------------------------------------- enrolment
def test_enrolment_returns_a_fresh_secret_and_otpauth_uri_and_stays_pending(
        runtime: Runtime) -> None:
    # Rule: POST /me/two-factor gives a 160-bit base32 secret and an otpauth URI; 2FA is
    # not on until confirmed.
    # Given an agent signed in without 2FA
    agent = make_agent("jdoe")
    token = tokens_for(runtime, "jdoe")
    # When it starts enrolment twice
    first = runtime.invoke("POST", "/me/two-factor", headers=bearer(token),
                           body=REAUTH)
    second = runtime.invoke("POST", "/me/two-factor", headers=bearer(token),
                            body=REAUTH)
    # Then each answer has a fresh secret and a URI naming the issuer and the account
    assert first.status == 200 and second.status == 200
    secret = first.json()["secret"]
    assert len(base64.b32decode(secret)) == 20
    assert second.json()["secret"] != secret
    uri = first.json()["otpauthUri"]
    assert uri.startswith("otpauth://totp/Roster:jdoe?") and f"secret={secret}" in uri
    assert "issuer=Roster" in uri
    # And 2FA is still off, so sign-in needs no code
    assert stored_agent(agent.id).twoFactorEnabled is False
    assert login(runtime, "jdoe").json()["status"] == "authenticated"


def test_every_seed_in_the_table_is_kms_ciphertext_bound_to_the_agent(
        runtime: Runtime) -> None:
    # Rule: the TOTP seed is stored only KMS-encrypted, encryption context = agent id.
    agent = make_agent("jdoe")
    other = make_agent("other")
    token = tokens_for(runtime, "jdoe")
    secret = runtime.invoke("POST", "/me/two-factor", headers=bearer(token),
                            body=REAUTH).json()["secret"]
    # When the seed item is read from the table
    item = raw_item(keys.totp(agent.id))
    assert item is not None
    # Then no attribute holds the secret in any encoding
    flat = repr(item)
    assert secret not in flat and secret.lower() not in flat
    assert base64.b32decode(secret).hex() not in flat
    # And the stored value is a KMS ciphertext that opens only with the agent's context
    kms = boto3.client("kms")
    blob = base64.b64decode(str(item["encryptedSeed"]))
    opened = kms.decrypt(CiphertextBlob=blob, EncryptionContext={"agentId": agent.id})
    assert opened["Plaintext"].decode() == secret
    with pytest.raises(kms.exceptions.InvalidCiphertextException):
        kms.decrypt(CiphertextBlob=blob, EncryptionContext={"agentId": other.id})


def test_confirm_with_a_wrong_code_is_400_and_2fa_stays_off(runtime: Runtime,
                                                           steered: SteerableClock) -> None:
    """Rules: confirm verifies against the pending seed; a wrong code on a bearer route
    is ``400 invalid_code`` (API.md v2), not a 401 a client would take for an ended
    session."""
    agent = make_agent("jdoe")
    token = tokens_for(runtime, "jdoe")
    secret = runtime.invoke("POST", "/me/two-factor", headers=bearer(token),
                            body=REAUTH).json()["secret"]
    # When confirming with a code that is not the seed's
    response = runtime.invoke("POST", "/me/two-factor/confirm", headers=bearer(token),
                              body={"code": wrong_code(secret, steered.epoch)})
    # Then 400 invalid_code and 2FA is still off
    assert response.status == 400 and response.json()["code"] == "invalid_code"
    assert stored_agent(agent.id).twoFactorEnabled is False


def test_confirm_turns_2fa_on_with_ten_single_use_backup_codes_stored_hashed(
        runtime: Runtime, steered: SteerableClock) -> None:
    # Rule: a valid code turns 2FA on and returns 10 backup codes, stored as digests;
    # the agent is told by email.
    agent = make_agent("jdoe")
    token = tokens_for(runtime, "jdoe")
    # When enrolment is confirmed
    _, backup_codes = enrol(runtime, token, steered)
    # Then 10 distinct codes come back and 2FA is on
    assert len(backup_codes) == 10 and len(set(backup_codes)) == 10
    record = stored_agent(agent.id)
    assert record.twoFactorEnabled is True
    me = runtime.invoke("GET", "/me", headers=bearer(token))
    assert me.json()["twoFactorEnabled"] is True
    # And the table holds digests, never the codes
    items, _ = get_repository().table.query(Expression(
        "pk = :pk AND begins_with(sk, :b)",
        values={":pk": keys.agent_partition(agent.id), ":b": keys.BACKUP_PREFIX}),
        consistent=True)
    assert len(items) == 10
    stored = repr(items)
    for code in backup_codes:
        assert code not in stored and code.replace("-", "") not in stored
    assert all(item["source"] == "enrolment" and "expiresAt" not in item for item in items)
    # And the agent was notified
    assert any(m["to"] == "jdoe@example.com" and m["subject"] == "Two-factor sign-in is on"
               for m in runtime.outbox())


def test_enrolment_when_2fa_is_on_is_409(runtime: Runtime, steered: SteerableClock) -> None:
    # Rule: 409 two_factor_already_enabled for enrolment and confirm once 2FA is on.
    make_agent("jdoe")
    token = tokens_for(runtime, "jdoe")
    secret, _ = enrol(runtime, token, steered)
    started = runtime.invoke("POST", "/me/two-factor", headers=bearer(token),
                             body=REAUTH)
    steered.advance(30)
    confirmed = runtime.invoke("POST", "/me/two-factor/confirm", headers=bearer(token),
                               body={"code": pyotp.TOTP(secret).at(steered.epoch)})
    for response in (started, confirmed):
        assert response.status == 409
        assert response.json()["code"] == "two_factor_already_enabled"


def test_confirm_without_a_pending_enrolment_or_after_it_expired_is_400(
        runtime: Runtime, steered: SteerableClock) -> None:
    # Rule: there is nothing to confirm without a live pending enrolment.
    make_agent("jdoe")
    token = tokens_for(runtime, "jdoe")
    nothing = runtime.invoke("POST", "/me/two-factor/confirm", headers=bearer(token),
                             body={"code": "123456"})
    assert nothing.status == 400 and nothing.json()["code"] == "invalid_code"
    # Given a pending enrolment left longer than its lifetime
    secret = runtime.invoke("POST", "/me/two-factor", headers=bearer(token),
                            body=REAUTH).json()["secret"]
    steered.advance(two_factor.ENROLMENT_TTL_SECONDS + 1)
    late = runtime.invoke("POST", "/me/two-factor/confirm", headers=bearer(token),
                          body={"code": pyotp.TOTP(secret).at(steered.epoch)})
    # Then its code no longer confirms
    assert late.status == 400 and late.json()["code"] == "invalid_code"


def test_a_new_enrolment_replaces_the_pending_secret(runtime: Runtime,
                                                     steered: SteerableClock) -> None:
    # Rule: only the latest pending secret can be confirmed.
    make_agent("jdoe")
    token = tokens_for(runtime, "jdoe")
    old = runtime.invoke("POST", "/me/two-factor", headers=bearer(token),
                         body=REAUTH).json()["secret"]
    new = runtime.invoke("POST", "/me/two-factor", headers=bearer(token),
                         body=REAUTH).json()["secret"]
    refused = runtime.invoke("POST", "/me/two-factor/confirm", headers=bearer(token),
                             body={"code": pyotp.TOTP(old).at(steered.epoch)})
    accepted = runtime.invoke("POST", "/me/two-factor/confirm", headers=bearer(token),
                              body={"code": pyotp.TOTP(new).at(steered.epoch)})
    assert refused.status == 400 and accepted.status == 200


@pytest.mark.parametrize("body", [{}, {"code": ""}, {"code": 123456}, {"code": "1" * 21},
                                  {"code": "123456", "extra": 1}])
def test_confirm_with_a_malformed_body_is_422(runtime: Runtime, body: dict[str, object]) -> None:
    # Rule: bad input is a 422 problem, never a 5xx.
    make_agent("jdoe")
    token = tokens_for(runtime, "jdoe")
    response = runtime.invoke("POST", "/me/two-factor/confirm", headers=bearer(token),
                              body=body)
    assert response.status == 422 and response.json()["code"] == "validation_failed"


# ---------------------------------------------------------------------- sign-in
def test_sign_in_with_2fa_needs_the_code_then_gives_tokens(runtime: Runtime,
                                                          steered: SteerableClock) -> None:
    # Rule: a correct password for an agent with 2FA is answered with TOTP_REQUIRED; a
    # valid code then gives tokens, and the sign-in is audited.
    agent = make_agent("jdoe")
    secret, _ = enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    steered.advance(30)
    session = challenge_session(runtime, "jdoe")
    response = answer(runtime, session, code=pyotp.TOTP(secret).at(steered.epoch))
    assert response.status == 200 and response.json()["status"] == "authenticated"
    me = runtime.invoke("GET", "/me", headers=bearer(response.json()["accessToken"]))
    assert me.status == 200 and me.json()["id"] == agent.id
    succeeded = [e for e in audit_events(agent.id) if e["action"] == "sign_in.succeeded"]
    assert succeeded and succeeded[-1]["details"]["method"] == "totp"


def test_a_code_of_an_already_accepted_step_is_refused(runtime: Runtime,
                                                       steered: SteerableClock) -> None:
    # Rule: replay - a code whose time step was already accepted is refused (a
    # conditional write on the last accepted step). Another request used it first: the
    # attempt is given back (v2), so the attempts left do not move.
    make_agent("jdoe")
    secret, _ = enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    steered.advance(30)
    code = pyotp.TOTP(secret).at(steered.epoch)
    assert answer(runtime, challenge_session(runtime, "jdoe"), code=code).status == 200
    # When the same code is presented again in a new sign-in, within its validity
    replay = answer(runtime, challenge_session(runtime, "jdoe"), code=code)
    # Then it is refused, and not charged
    assert replay.status == 401 and replay.json()["code"] == "invalid_code"
    assert replay.json()["attemptsRemaining"] == get_settings().two_factor_max_failures
    # And so is the previous step's code, still inside the drift window
    earlier = pyotp.TOTP(secret).at(steered.epoch - 30)
    assert answer(runtime, challenge_session(runtime, "jdoe"), code=earlier).status == 401
    # While the next step's code is accepted
    later = pyotp.TOTP(secret).at(steered.epoch + 30)
    assert answer(runtime, challenge_session(runtime, "jdoe"), code=later).status == 200


def test_the_confirm_code_cannot_be_replayed_to_sign_in(runtime: Runtime,
                                                        steered: SteerableClock) -> None:
    # Rule: the step accepted at enrolment is the first "last accepted step".
    make_agent("jdoe")
    secret, _ = enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    same = answer(runtime, challenge_session(runtime, "jdoe"),
                  code=pyotp.TOTP(secret).at(steered.epoch))
    assert same.status == 401 and same.json()["code"] == "invalid_code"


def test_the_fifth_wrong_code_locks_and_the_right_password_then_gets_423(
        runtime: Runtime, steered: SteerableClock) -> None:
    # Rule: ROSTER_TWO_FACTOR_MAX_FAILURES (5) consecutive wrong codes lock the account;
    # each 401 says how many attempts remain; the fifth failure answers 423; the agent
    # is told by email.
    agent = make_agent("jdoe")
    secret, _ = enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    session = challenge_session(runtime, "jdoe")
    bad = wrong_code(secret, steered.epoch)
    remaining = []
    for _ in range(4):
        response = answer(runtime, session, code=bad)
        assert response.status == 401 and response.json()["code"] == "invalid_code"
        remaining.append(response.json()["attemptsRemaining"])
    assert remaining == [4, 3, 2, 1]
    fifth = answer(runtime, session, code=bad)
    assert fifth.status == 423 and fifth.json()["code"] == "account_locked"
    # Then the right code on the same session is refused too
    steered.advance(30)
    assert answer(runtime, session, code=pyotp.TOTP(secret).at(steered.epoch)).status == 423
    # And every sign-in with the right password answers 423
    relogin = login(runtime, "jdoe")
    assert relogin.status == 423 and relogin.json()["code"] == "account_locked"
    record = stored_agent(agent.id)
    assert record.locked is True and record.twoFactorFailures == 5
    assert [m for m in runtime.outbox() if m["subject"] == "Your account is locked"]
    assert "agent.locked" in [e["action"] for e in audit_events(agent.id)]


def test_a_wrong_password_for_a_locked_account_is_still_401(runtime: Runtime,
                                                            steered: SteerableClock) -> None:
    # Rule: 423 only once the password was right (the lock reveals nothing otherwise).
    make_agent("jdoe")
    secret, _ = enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    session = challenge_session(runtime, "jdoe")
    for _ in range(5):
        answer(runtime, session, code=wrong_code(secret, steered.epoch))
    response = login(runtime, "jdoe", "Not-The-Passw0rd-1")
    assert response.status == 401 and response.json()["code"] == "invalid_credentials"


def test_a_backup_code_does_not_bypass_the_lock(runtime: Runtime,
                                                steered: SteerableClock) -> None:
    # Rule: a backup code does not open a locked account, and is not used up trying.
    make_agent("jdoe")
    secret, backup_codes = enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    session = challenge_session(runtime, "jdoe")
    spare = challenge_session(runtime, "jdoe")
    for _ in range(5):
        answer(runtime, session, code=wrong_code(secret, steered.epoch))
    # When a valid backup code is given on a challenge from before the lock
    response = answer(runtime, spare, backup_code=backup_codes[0])
    # Then 423, and the code still works once an admin unlocked the account
    assert response.status == 423 and response.json()["code"] == "account_locked"
    admin = owner_token(runtime)
    agent_id = record_of_account("jdoe")
    assert runtime.invoke("POST", f"/agents/{agent_id}/unlock", headers=bearer(admin)).status == 204
    assert answer(runtime, spare, backup_code=backup_codes[0]).status == 200


def record_of_account(account: str) -> str:
    agent_id = get_repository().find_agent_id(account)
    assert agent_id is not None
    return agent_id


def test_admin_unlock_clears_the_lock_and_the_count(runtime: Runtime,
                                                    steered: SteerableClock) -> None:
    # Rule: POST /agents/{id}/unlock clears the 2FA lock and failure count (204), audited.
    agent = make_agent("jdoe")
    secret, _ = enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    session = challenge_session(runtime, "jdoe")
    for _ in range(5):
        answer(runtime, session, code=wrong_code(secret, steered.epoch))
    admin = owner_token(runtime)
    # When the admin unlocks the agent
    response = runtime.invoke("POST", f"/agents/{agent.id}/unlock", headers=bearer(admin))
    # Then 204, the agent signs in with a code, and a wrong code has 4 attempts left again
    assert response.status == 204
    record = stored_agent(agent.id)
    assert record.locked is False and record.twoFactorFailures == 0
    steered.advance(30)
    fresh = challenge_session(runtime, "jdoe")
    wrong = answer(runtime, fresh, code=wrong_code(secret, steered.epoch))
    assert wrong.json()["attemptsRemaining"] == 4
    assert answer(runtime, fresh, code=pyotp.TOTP(secret).at(steered.epoch)).status == 200
    unlocked = [e for e in audit_events(agent.id) if e["action"] == "agent.unlocked"]
    assert unlocked and unlocked[0]["actorId"] == record_of_account("admin")


def test_unlock_also_lifts_the_password_throttle(runtime: Runtime) -> None:
    # Rule: "failure counts cleared" includes the wrong-password throttle of the
    # agent's account and email, so the unlocked agent can sign in at once.
    agent = make_agent("jdoe")
    for _ in range(get_settings().password_max_failures):
        login(runtime, "jdoe", "Wrong-Passw0rd-123")
    assert login(runtime, "jdoe").status == 429
    admin = owner_token(runtime)
    assert runtime.invoke("POST", f"/agents/{agent.id}/unlock", headers=bearer(admin)).status == 204
    assert login(runtime, "jdoe").status == 200


def test_unlock_of_an_unknown_agent_is_404_and_needs_the_permission(runtime: Runtime) -> None:
    # Rule: 404 not_found for no such agent; agents:credentials is required.
    make_agent("jdoe")
    admin = owner_token(runtime)
    missing = runtime.invoke("POST", "/agents/00000000-0000-0000-0000-000000000000/unlock",
                             headers=bearer(admin))
    assert missing.status == 404 and missing.json()["code"] == "not_found"
    plain = tokens_for(runtime, "jdoe")
    owner_id = record_of_account("admin")
    for method, path in (("POST", f"/agents/{owner_id}/unlock"),
                         ("POST", f"/agents/{owner_id}/backup-codes"),
                         ("DELETE", f"/agents/{owner_id}/two-factor")):
        denied = runtime.invoke(method, path, headers=bearer(plain))
        assert denied.status == 403 and denied.json()["code"] == "forbidden"


def test_a_lock_survives_a_password_reset(runtime: Runtime, steered: SteerableClock) -> None:
    # Rule: a reset sets the password and does not lift a 2FA lock.
    agent = make_agent("jdoe")
    secret, _ = enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    session = challenge_session(runtime, "jdoe")
    for _ in range(5):
        answer(runtime, session, code=wrong_code(secret, steered.epoch))
    # When the password is reset
    set_password(agent.id, "Brand-New-Passw0rd-9")
    # Then the new password is accepted but the account is still locked
    response = login(runtime, "jdoe", "Brand-New-Passw0rd-9")
    assert response.status == 423 and response.json()["code"] == "account_locked"


# ---------------------------------------------------------------------- backup codes
def test_admin_backup_codes_work_once_and_notify(runtime: Runtime,
                                                 steered: SteerableClock) -> None:
    # Rule: POST /agents/{id}/backup-codes returns codes once (201, expiresAt), each
    # works once; the agent is told when codes are issued and when one is used.
    agent = make_agent("jdoe")
    enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    admin = owner_token(runtime)
    issued = runtime.invoke("POST", f"/agents/{agent.id}/backup-codes", headers=bearer(admin),
                            body={"count": 3})
    assert issued.status == 201
    body = issued.json()
    assert len(body["codes"]) == 3 and len(set(body["codes"])) == 3
    ttl = get_settings().backup_code_ttl_seconds
    assert body["expiresAt"] == clock.iso(steered.moment + timedelta(seconds=ttl))
    # When the agent signs in with one of them (in lower case, without the dash)
    code = body["codes"][1]
    used = answer(runtime, challenge_session(runtime, "jdoe"),
                  backup_code=code.lower().replace("-", ""))
    assert used.status == 200 and used.json()["status"] == "authenticated"
    # Then the same code is refused afterwards, and the others still work
    again = answer(runtime, challenge_session(runtime, "jdoe"), backup_code=code)
    assert again.status == 401 and again.json()["code"] == "invalid_code"
    assert answer(runtime, challenge_session(runtime, "jdoe"),
                  backup_code=body["codes"][0]).status == 200
    subjects = [m["subject"] for m in runtime.outbox() if m["to"] == "jdoe@example.com"]
    assert "Backup codes were issued for your account" in subjects
    assert subjects.count("A backup code was used to sign in") == 2
    actions = [e["action"] for e in audit_events(agent.id)]
    assert "two_factor.backup_codes_issued" in actions
    assert "two_factor.backup_code_used" in actions
    assert code not in repr(audit_events(agent.id))


def test_default_count_is_one(runtime: Runtime, steered: SteerableClock) -> None:
    # Rule: `count` is optional and defaults to 1 (no body, or an empty one).
    agent = make_agent("jdoe")
    enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    admin = owner_token(runtime)
    for body in (None, {}):
        issued = runtime.invoke("POST", f"/agents/{agent.id}/backup-codes",
                                headers=bearer(admin), body=body)
        assert issued.status == 201 and len(issued.json()["codes"]) == 1


@pytest.mark.parametrize("count", [0, 11, -1, "3", 2.5, True, None])
def test_count_outside_1_to_10_is_422(runtime: Runtime, steered: SteerableClock,
                                      count: object) -> None:
    # Rule: `count` is an integer 1-10; anything else is 422 validation_failed.
    agent = make_agent("jdoe")
    enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    admin = owner_token(runtime)
    response = runtime.invoke("POST", f"/agents/{agent.id}/backup-codes",
                              headers=bearer(admin), body={"count": count})
    assert response.status == 422 and response.json()["code"] == "validation_failed"


def test_backup_codes_need_2fa_on(runtime: Runtime) -> None:
    # Rule: 409 two_factor_not_enabled for an agent without 2FA; 404 for no agent.
    agent = make_agent("jdoe")
    admin = owner_token(runtime)
    response = runtime.invoke("POST", f"/agents/{agent.id}/backup-codes", headers=bearer(admin))
    assert response.status == 409 and response.json()["code"] == "two_factor_not_enabled"
    missing = runtime.invoke("POST", "/agents/00000000-0000-0000-0000-000000000000/backup-codes",
                             headers=bearer(admin))
    assert missing.status == 404


def test_new_admin_codes_revoke_earlier_admin_codes_but_not_the_agents_own(
        runtime: Runtime, steered: SteerableClock) -> None:
    # Rule: earlier admin-issued codes are revoked; enrolment codes stay.
    agent = make_agent("jdoe")
    _, own = enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    admin = owner_token(runtime)
    path = f"/agents/{agent.id}/backup-codes"
    first = runtime.invoke("POST", path, headers=bearer(admin), body={"count": 2}).json()["codes"]
    second = runtime.invoke("POST", path, headers=bearer(admin)).json()["codes"]
    for code in first:
        assert answer(runtime, challenge_session(runtime, "jdoe"), backup_code=code).status == 401
    assert answer(runtime, challenge_session(runtime, "jdoe"), backup_code=second[0]).status == 200
    assert answer(runtime, challenge_session(runtime, "jdoe"), backup_code=own[0]).status == 200


def test_admin_codes_expire_and_enrolment_codes_do_not(runtime: Runtime,
                                                       steered: SteerableClock) -> None:
    # Rule: admin-issued codes are valid ROSTER_BACKUP_CODE_TTL_SECONDS (checked on read,
    # TTL deletes late); enrolment codes do not expire.
    agent = make_agent("jdoe")
    _, own = enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    admin = owner_token(runtime)
    issued = runtime.invoke("POST", f"/agents/{agent.id}/backup-codes", headers=bearer(admin))
    item = raw_item(keys.backup_code(agent.id, second_factor.backup_digest(
        agent.id, issued.json()["codes"][0])))
    assert item is not None and item["source"] == "admin" and "ttl" in item
    # When the code's lifetime has passed (and TTL has not yet deleted it)
    steered.advance(get_settings().backup_code_ttl_seconds + 1)
    expired = answer(runtime, challenge_session(runtime, "jdoe"),
                     backup_code=issued.json()["codes"][0])
    # Then it is refused, while an enrolment code made long before still works
    assert expired.status == 401 and expired.json()["code"] == "invalid_code"
    steered.advance(400 * 86400)
    assert answer(runtime, challenge_session(runtime, "jdoe"), backup_code=own[0]).status == 200


def test_a_manager_may_not_manage_an_admins_credentials(runtime: Runtime,
                                                        steered: SteerableClock) -> None:
    # Rule (docs/api.md): only an admin manages an admin's second factor.
    owner_token(runtime)
    owner_id = record_of_account("admin")
    make_agent("boss", roles=["manager"])
    manager = tokens_for(runtime, "boss")
    worker = make_agent("jdoe")
    denied = runtime.invoke("DELETE", f"/agents/{owner_id}/two-factor", headers=bearer(manager))
    assert denied.status == 403 and denied.json()["code"] == "forbidden"
    allowed = runtime.invoke("POST", f"/agents/{worker.id}/unlock", headers=bearer(manager))
    assert allowed.status == 204


# ---------------------------------------------------------------------- turning off
def test_turning_2fa_off_needs_a_fresh_valid_code(runtime: Runtime,
                                                  steered: SteerableClock) -> None:
    # Rule: DELETE /me/two-factor needs a valid code (not a replayed one): 204, 2FA off,
    # backup codes revoked, the agent notified.
    agent = make_agent("jdoe")
    token = tokens_for(runtime, "jdoe")
    secret, backup_codes = enrol(runtime, token, steered)
    wrong = runtime.invoke("DELETE", "/me/two-factor", headers=bearer(token),
                           body={"code": wrong_code(secret, steered.epoch)})
    assert wrong.status == 400 and wrong.json()["attemptsRemaining"] == 4
    replayed = runtime.invoke("DELETE", "/me/two-factor", headers=bearer(token),
                              body={"code": pyotp.TOTP(secret).at(steered.epoch)})
    assert replayed.status == 400 and replayed.json()["code"] == "invalid_code"
    steered.advance(30)
    off = runtime.invoke("DELETE", "/me/two-factor", headers=bearer(token),
                         body={"code": pyotp.TOTP(secret).at(steered.epoch)})
    assert off.status == 204
    assert stored_agent(agent.id).twoFactorEnabled is False
    assert raw_item(keys.totp(agent.id)) is None
    assert get_repository().backup_code_keys(agent.id) == []
    assert login(runtime, "jdoe").json()["status"] == "authenticated"
    again = runtime.invoke("DELETE", "/me/two-factor", headers=bearer(token),
                           body={"code": pyotp.TOTP(secret).at(steered.epoch)})
    assert again.status == 409 and again.json()["code"] == "two_factor_not_enabled"
    assert any(m["subject"] == "Two-factor sign-in is off" for m in runtime.outbox())
    # And a later enrolment does not revive the old backup codes
    steered.advance(30)
    enrol(runtime, token, steered)
    old = answer(runtime, challenge_session(runtime, "jdoe"), backup_code=backup_codes[0])
    assert old.status == 401


def test_admin_reset_turns_2fa_off_and_revokes_codes(runtime: Runtime,
                                                     steered: SteerableClock) -> None:
    # Rule: DELETE /agents/{id}/two-factor (lost device): 204, 2FA off, codes revoked,
    # audited, the agent notified; repeating it is harmless.
    agent = make_agent("jdoe", language="nb")
    _, backup_codes = enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    admin = owner_token(runtime)
    runtime.invoke("POST", f"/agents/{agent.id}/backup-codes", headers=bearer(admin))
    response = runtime.invoke("DELETE", f"/agents/{agent.id}/two-factor", headers=bearer(admin))
    assert response.status == 204
    record = stored_agent(agent.id)
    assert record.twoFactorEnabled is False
    assert raw_item(keys.totp(agent.id)) is None
    assert get_repository().backup_code_keys(agent.id) == []
    assert login(runtime, "jdoe").json()["status"] == "authenticated"
    assert any(m["to"] == "jdoe@example.com"
               and m["subject"] == "Totrinnspålogging ble tilbakestilt"
               for m in runtime.outbox())
    reset_events = [e for e in audit_events(agent.id) if e["action"] == "two_factor.reset"]
    assert reset_events and backup_codes[0] not in repr(reset_events)
    repeat = runtime.invoke("DELETE", f"/agents/{agent.id}/two-factor", headers=bearer(admin))
    assert repeat.status == 204


def test_owner_credentials_another_admin_cannot_reset_the_owners_2fa(
        runtime: Runtime, steered: SteerableClock) -> None:
    """Rule (v2): only the owner changes the owner's credentials; another admin, holding
    every permission, gets ``409 owner_protected`` and the owner's 2FA stays on.
    Fails without the owner rule in ``roster.authorization``."""
    admin = owner_token(runtime)
    owner_id = record_of_account("admin")
    enrol(runtime, admin, steered, OWNER_PASSWORD)
    make_agent("second", roles=["admin"])
    other = tokens_for(runtime, "second")
    response = runtime.invoke("DELETE", f"/agents/{owner_id}/two-factor", headers=bearer(other))
    assert (response.status, response.json()["code"]) == (409, "owner_protected")
    assert stored_agent(owner_id).twoFactorEnabled is True


def test_a_challenge_issued_before_a_reset_is_dead(runtime: Runtime,
                                                   steered: SteerableClock) -> None:
    # Rule: a TOTP_REQUIRED session issued before an admin reset cannot be answered.
    agent = make_agent("jdoe")
    secret, _ = enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    session = challenge_session(runtime, "jdoe")
    admin = owner_token(runtime)
    runtime.invoke("DELETE", f"/agents/{agent.id}/two-factor", headers=bearer(admin))
    steered.advance(30)
    response = answer(runtime, session, code=pyotp.TOTP(secret).at(steered.epoch))
    assert response.status == 401 and response.json()["code"] == "invalid_session"


# ---------------------------------------------------------------------- the challenge
@pytest.mark.parametrize("fields", [{}, {"code": "123456", "backupCode": "AAAAA-BBBBB"}])
def test_exactly_one_of_code_and_backup_code(runtime: Runtime, steered: SteerableClock,
                                             fields: dict[str, str]) -> None:
    # Rule: the TOTP_REQUIRED answer carries exactly one of `code` and `backupCode`.
    make_agent("jdoe")
    enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    session = challenge_session(runtime, "jdoe")
    response = runtime.invoke("POST", "/auth/challenge", body={
        "session": session, "challenge": "TOTP_REQUIRED", **fields})
    assert response.status == 422 and response.json()["code"] == "validation_failed"


def test_unknown_expired_or_used_sessions_are_401_invalid_session(
        runtime: Runtime, steered: SteerableClock) -> None:
    # Rule: the challenge session is single use and short-lived; anything else is
    # 401 invalid_session (and no failure is counted).
    agent = make_agent("jdoe")
    secret, _ = enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    # Unknown and malformed sessions
    for session in ("nonsense", f"{agent.id}.forged-secret", "."):
        response = answer(runtime, session, code="123456")
        assert response.status == 401 and response.json()["code"] == "invalid_session"
    # A used session
    steered.advance(30)
    session = challenge_session(runtime, "jdoe")
    assert answer(runtime, session, code=pyotp.TOTP(secret).at(steered.epoch)).status == 200
    steered.advance(30)
    used = answer(runtime, session, code=pyotp.TOTP(secret).at(steered.epoch))
    assert used.status == 401 and used.json()["code"] == "invalid_session"
    # An expired session
    session = challenge_session(runtime, "jdoe")
    steered.advance(get_settings().challenge_ttl_seconds + 1)
    late = answer(runtime, session, code=pyotp.TOTP(secret).at(steered.epoch))
    assert late.status == 401 and late.json()["code"] == "invalid_session"
    assert stored_agent(agent.id).twoFactorFailures == 0


# ---------------------------------------------------------------------- IP allowlist
def test_ip_allowlist_admits_only_its_networks(runtime: Runtime) -> None:
    # Rule: an agent with a non-empty ipAllowlist signs in only from those addresses,
    # judged by API Gateway's source IP; 403 ip_not_allowed once the password was right.
    make_agent("jdoe", ipAllowlist=["203.0.113.0/24", "2001:db8::/32"])
    outside = login(runtime, "jdoe", source_ip="198.51.100.7")
    assert outside.status == 403 and outside.json()["code"] == "ip_not_allowed"
    wrong_password = login(runtime, "jdoe", "Wrong-Passw0rd-1", source_ip="198.51.100.7")
    assert wrong_password.status == 401
    assert login(runtime, "jdoe", source_ip="203.0.113.77").status == 200
    assert login(runtime, "jdoe", source_ip="2001:db8::5").status == 200


def test_ip_allowlist_set_later_by_an_admin_applies_at_once(runtime: Runtime) -> None:
    # Rule: the allowlist is read at each sign-in (the admin sets it through the
    # repository here; PATCH /agents is another area's).
    # Given an agent that signs in from anywhere, When an admin sets its allowlist
    agent = make_agent("jdoe")
    assert login(runtime, "jdoe", source_ip="198.51.100.7").status == 200
    repository = get_repository()
    repository.table.update(keys.agent(agent.id), "SET ipAllowlist = :list",
                            values={":list": ["203.0.113.0/24"]})
    # Then sign-in from outside is refused and from inside allowed
    assert login(runtime, "jdoe", source_ip="198.51.100.7").json()["code"] == "ip_not_allowed"
    assert login(runtime, "jdoe", source_ip="203.0.113.1").status == 200


def test_admin_issued_codes_are_backup_codes_by_their_one_name(runtime: Runtime,
                                                               steered: SteerableClock) -> None:
    """API.md "Consistency (v2)": the admin route answers ``backupCodes`` as the enrolment
    does (and keeps ``codes``)."""
    agent = make_agent("jdoe")
    enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    issued = runtime.invoke("POST", f"/agents/{agent.id}/backup-codes",
                            headers=bearer(owner_token(runtime)), body={"count": 2})
    assert issued.status == 201
    assert issued.json()["backupCodes"] == issued.json()["codes"]
    assert len(issued.json()["backupCodes"]) == 2


def _listed(runtime: Runtime, admin: str, **query: str) -> list[str]:
    response = runtime.invoke("GET", "/agents", headers=bearer(admin), query=query)
    assert response.status == 200, response.json()
    return [agent["account"] for agent in response.json()["items"]]


def test_the_locked_and_two_factor_filters_follow_enrolment_lock_unlock_and_reset(
        runtime: Runtime, steered: SteerableClock) -> None:
    # Rule: GET /agents?locked= and ?twoFactorEnabled= (true|false) list by the flags the
    # 2FA writes change, each moved with its change.
    agent = make_agent("jdoe")
    admin = owner_token(runtime)
    assert "jdoe" in _listed(runtime, admin, twoFactorEnabled="false")
    secret, _ = enrol(runtime, tokens_for(runtime, "jdoe"), steered)
    assert _listed(runtime, admin, twoFactorEnabled="true") == ["jdoe"]
    assert "jdoe" not in _listed(runtime, admin, twoFactorEnabled="false")
    # When five wrong codes lock the account, Then it is listed as locked
    assert _listed(runtime, admin, locked="true") == []
    session = challenge_session(runtime, "jdoe")
    for _ in range(5):
        answer(runtime, session, code=wrong_code(secret, steered.epoch))
    assert _listed(runtime, admin, locked="true") == ["jdoe"]
    assert _listed(runtime, admin, locked="true", twoFactorEnabled="true") == ["jdoe"]
    # When an administrator unlocks it and resets its 2FA, Then both listings move back
    path = f"/agents/{agent.id}"
    assert runtime.invoke("POST", f"{path}/unlock", headers=bearer(admin)).status == 204
    assert _listed(runtime, admin, locked="true") == []
    assert "jdoe" in _listed(runtime, admin, locked="false")
    assert runtime.invoke("DELETE", f"{path}/two-factor", headers=bearer(admin)).status == 204
    assert _listed(runtime, admin, twoFactorEnabled="true") == []
    for name in ("locked", "twoFactorEnabled"):
        bad = runtime.invoke("GET", "/agents", headers=bearer(admin), query={name: "maybe"})
        assert bad.status == 422 and bad.json()["errors"][0]["field"] == name

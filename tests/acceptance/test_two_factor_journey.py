"""The two-factor journey over HTTP against the local server, as a client sees it:
enrol -> sign in with a TOTP code -> five wrong codes -> locked -> admin unlock ->
sign in with an admin-issued backup code -> the same code refused."""

from __future__ import annotations

import time
import uuid

import pyotp
import pytest
import requests
from support.http import LocalServer, call, login, outbox, post

pytestmark = pytest.mark.acceptance
PASSWORD = "Journey-Passw0rd-77"


def totp_answer(server: LocalServer, session: str, **answer: str) -> requests.Response:
    return post(server, "/auth/challenge",
                {"session": session, "challenge": "TOTP_REQUIRED", **answer})


def not_a_code(secret: str) -> str:
    """A code outside every step the server could accept in the next minute."""
    app = pyotp.TOTP(secret)
    now = time.time()
    window = {app.at(now + 30 * offset) for offset in range(-2, 4)}
    return next(code for code in (f"{n:06d}" for n in range(1_000_000)) if code not in window)


def test_enrol_sign_in_lock_unlock_and_a_single_use_backup_code(
        local_server: LocalServer) -> None:
    # Given an admin, and an agent it created with a password of its own
    admin = login(local_server, "admin", local_server.admin_password).json()["accessToken"]
    account = f"tf-{uuid.uuid4().hex[:10]}"
    created = call(local_server, "POST", "/agents", token=admin, json={
        "account": account, "email": f"{account}@example.com", "firstName": "Tove",
        "lastName": "Faktor", "password": PASSWORD, "passwordMode": "set",
        "forcePasswordChange": False, "sendWelcome": False})
    assert created.status_code == 201, created.text
    agent_id = created.json()["id"]

    # When the agent enrols (confirming with the current code)
    token = login(local_server, account, PASSWORD).json()["accessToken"]
    enrolment = call(local_server, "POST", "/me/two-factor", token=token,
                     json={"currentPassword": PASSWORD})
    assert enrolment.status_code == 200, enrolment.text
    secret = enrolment.json()["secret"]
    assert enrolment.json()["otpauthUri"].startswith(f"otpauth://totp/Roster:{account}?")
    app = pyotp.TOTP(secret)
    confirmed = call(local_server, "POST", "/me/two-factor/confirm", token=token,
                     json={"code": app.at(time.time())})
    assert confirmed.status_code == 200, confirmed.text
    assert len(confirmed.json()["backupCodes"]) == 10

    # Then signing in takes the password and then a code (of a later step: replay-safe)
    first = login(local_server, account, PASSWORD)
    assert first.json()["challenge"] == "TOTP_REQUIRED"
    signed_in = totp_answer(local_server, first.json()["session"], code=app.at(time.time() + 30))
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["status"] == "authenticated"

    # When five wrong codes follow
    session = login(local_server, account, PASSWORD).json()["session"]
    wrong = not_a_code(secret)
    for remaining in (4, 3, 2, 1):
        refused = totp_answer(local_server, session, code=wrong)
        assert refused.status_code == 401 and refused.json()["code"] == "invalid_code"
        assert refused.json()["attemptsRemaining"] == remaining
    fifth = totp_answer(local_server, session, code=wrong)

    # Then the account is locked, even for the right password
    assert fifth.status_code == 423 and fifth.json()["code"] == "account_locked"
    locked = login(local_server, account, PASSWORD)
    assert locked.status_code == 423 and locked.json()["code"] == "account_locked"

    # When the admin unlocks it and issues a backup code
    unlocked = call(local_server, "POST", f"/agents/{agent_id}/unlock", token=admin)
    assert unlocked.status_code == 204, unlocked.text
    issued = call(local_server, "POST", f"/agents/{agent_id}/backup-codes", token=admin,
                  json={"count": 1})
    assert issued.status_code == 201, issued.text
    backup_code = issued.json()["codes"][0]
    assert issued.json()["expiresAt"]

    # Then the agent signs in with the backup code
    session = login(local_server, account, PASSWORD).json()["session"]
    with_backup = totp_answer(local_server, session, backupCode=backup_code)
    assert with_backup.status_code == 200, with_backup.text
    assert with_backup.json()["status"] == "authenticated"

    # And the same code is refused the next time
    session = login(local_server, account, PASSWORD).json()["session"]
    again = totp_answer(local_server, session, backupCode=backup_code)
    assert again.status_code == 401 and again.json()["code"] == "invalid_code"

    # And the agent was told by email about the lock, the issued code and its use
    messages = outbox(local_server)
    subjects = [m["subject"] for m in messages if m["to"] == f"{account}@example.com"]
    assert "Two-factor sign-in is on" in subjects
    assert "Your account is locked" in subjects
    assert "Backup codes were issued for your account" in subjects
    assert "A backup code was used to sign in" in subjects
    assert all(backup_code not in m["body"] for m in messages)

"""Signing in through the web app as an agent does: a temporary password replaced on the
new-password step; password and TOTP, a wrong code answered with the attempts left; a
locked account sent to an administrator; signing out."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import Page, expect
from support.browser import AGENT_PASSWORD, WebApp, check_page, sign_in
from support.http import call, login
from support.two_factor import wrong_code as code_outside_window

pytestmark = [pytest.mark.acceptance, pytest.mark.browser]
NEW_PASSWORD = "Fresh-Passw0rd-2468"


def enrolled(web_app: WebApp, account: str) -> pyotp.TOTP:
    """Two-factor turned on for ``account`` over the API; its authenticator."""
    token = login(web_app.server, account, AGENT_PASSWORD).json()["accessToken"]
    enrolment = call(web_app.server, "POST", "/me/two-factor", token=token,
                     json={"currentPassword": AGENT_PASSWORD})
    assert enrolment.status_code == 200, enrolment.text
    app = pyotp.TOTP(enrolment.json()["secret"])
    confirmed = call(web_app.server, "POST", "/me/two-factor/confirm", token=token,
                     json={"code": app.at(time.time())})
    assert confirmed.status_code == 200, confirmed.text
    return app


def test_a_temporary_password_is_replaced_on_the_new_password_step(
        web_page: Page, web_app: WebApp) -> None:
    # Given an agent with a temporary password, on the app's address
    agent = web_app.create_agent()
    response = web_page.goto("/app/")
    assert response is not None and response.ok

    # Then a visitor who is not signed in gets the sign-in page
    expect(web_page).to_have_url(re.compile(r"/app/sign-in$"))
    expect(web_page.get_by_role("link", name="Forgot password/Need new password")).to_be_visible()
    check_page(web_page, "sign-in")

    # When the agent signs in with the temporary password
    sign_in(web_page, agent["account"], AGENT_PASSWORD)

    # Then it must choose a new one; one breaking the policy shows the failed rules there
    expect(web_page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    web_page.get_by_label("New password").fill("short")
    web_page.get_by_label("Confirm password").fill("short")
    web_page.get_by_role("button", name="Save").click()
    new_password = web_page.get_by_label("New password")
    expect(new_password).to_have_attribute("aria-invalid", "true")
    expect(web_page.get_by_text("Use at least 12 characters.")).to_be_visible()
    expect(web_page.get_by_text("Use an upper-case letter.")).to_be_visible()
    check_page(web_page, "new-password")

    # When a good one is given (and confirmed)
    new_password.fill(NEW_PASSWORD)
    web_page.get_by_label("Confirm password").fill(NEW_PASSWORD)
    web_page.get_by_role("button", name="Save").click()

    # Then the agent is signed in, on its profile, and the new password works
    expect(web_page.get_by_role("heading", name="Profile", level=1)).to_be_visible()
    expect(web_page).to_have_url(re.compile(r"/app/profile$"))
    assert login(web_app.server, agent["account"], NEW_PASSWORD).json()["status"] == \
        "authenticated"


def test_password_then_totp_a_wrong_code_says_the_attempts_left(
        web_page: Page, web_app: WebApp) -> None:
    # Given an agent with two-factor on, showing times in 12-hour format
    agent = web_app.create_agent(forcePasswordChange=False, timeFormat="12h")
    app = enrolled(web_app, agent["account"])
    web_page.goto("/app/sign-in")

    # When it signs in with its password, then a wrong code
    sign_in(web_page, agent["email"], AGENT_PASSWORD)
    web_page.get_by_label("Code").fill(code_outside_window(app.secret, time.time()))
    web_page.get_by_role("button", name="Verify").click()

    # Then the step says how many attempts remain
    expect(web_page.get_by_role("alert")).to_contain_text("4 attempts remaining")
    check_page(web_page, "two-factor")

    # When the right code follows
    web_page.get_by_label("Code").fill(app.at(time.time() + 30))
    web_page.get_by_role("button", name="Verify").click()

    # Then it is signed in, and its times are shown in its 12-hour format
    expect(web_page.get_by_role("heading", name="Profile", level=1)).to_be_visible()
    expect(web_page.locator("time").first).to_have_text(re.compile(r"\d{1,2}:\d\d\s?[AP]M"))

    # And the session lives in memory and the cookie only: a reload keeps it
    web_page.reload()
    expect(web_page.get_by_role("heading", name="Profile", level=1)).to_be_visible()
    assert web_page.evaluate("() => JSON.stringify(window.localStorage)").find("eyJ") == -1

    # When it signs out
    web_page.get_by_role("button", name="Sign out").click()

    # Then it is back on the sign-in page, and a reload does not sign it in again
    expect(web_page.get_by_role("button", name="Sign in")).to_be_visible()
    web_page.reload()
    expect(web_page.get_by_role("button", name="Sign in")).to_be_visible()


def test_a_locked_account_is_sent_to_an_administrator(web_page: Page, web_app: WebApp) -> None:
    # Given an agent with two-factor on, on the two-factor step
    agent = web_app.create_agent(forcePasswordChange=False)
    app = enrolled(web_app, agent["account"])
    web_page.goto("/app/sign-in")
    sign_in(web_page, agent["account"], AGENT_PASSWORD)

    # When five wrong codes are given
    wrong = code_outside_window(app.secret, time.time())
    for remaining in (4, 3, 2, 1):
        web_page.get_by_label("Code").fill(wrong)
        web_page.get_by_role("button", name="Verify").click()
        expect(web_page.get_by_role("alert")).to_contain_text(f"{remaining} attempt")
    web_page.get_by_label("Code").fill(wrong)
    web_page.get_by_role("button", name="Verify").click()

    # Then the account is locked, and the agent is told to contact an administrator
    alert = web_page.get_by_role("alert")
    expect(alert).to_contain_text("locked")
    expect(alert).to_contain_text("Contact an administrator")


def test_a_backup_code_is_asked_for_in_its_own_field(web_page: Page, web_app: WebApp) -> None:
    agent = web_app.create_agent(forcePasswordChange=False)
    enrolled(web_app, agent["account"])
    issued = call(web_app.server, "POST", f"/agents/{agent['id']}/backup-codes",
                  token=web_app.admin_token, json={"count": 1})
    assert issued.status_code == 201, issued.text
    web_page.goto("/app/sign-in")
    sign_in(web_page, agent["account"], AGENT_PASSWORD)

    web_page.get_by_role("button", name="Use a backup code").click()
    web_page.get_by_label("Backup code").fill(issued.json()["backupCodes"][0])
    web_page.get_by_role("button", name="Verify").click()

    expect(web_page.get_by_role("heading", name="Profile", level=1)).to_be_visible()


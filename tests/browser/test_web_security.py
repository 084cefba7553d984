"""The Security page: two-factor enrolment with the secret read from the page and
confirmed, the backup codes shown once, a backup code signing in; changing the
password; turning two-factor off; and the headers the app is served with."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import Page, expect
from support.browser import AGENT_PASSWORD, WebApp, check_page, sign_in, signed_in
from support.http import login

pytestmark = [pytest.mark.acceptance, pytest.mark.browser]
CHANGED_PASSWORD = "Changed-Passw0rd-8642"


def test_two_factor_enrolment_then_a_backup_code_signs_in(web_page: Page, web_app: WebApp
                                                          ) -> None:
    # Given an agent signed in, on the Security page
    agent = web_app.create_agent(forcePasswordChange=False)
    signed_in(web_page, agent["account"], AGENT_PASSWORD)
    web_page.get_by_role("link", name="Security").click()
    expect(web_page.get_by_role("heading", name="Security", level=1)).to_be_visible()
    check_page(web_page, "security")

    # When it enables two-factor (with its password)
    web_page.get_by_role("button", name="Enable two-factor").click()
    web_page.get_by_label("Current password").fill(AGENT_PASSWORD)
    web_page.get_by_role("button", name="Enable two-factor").click()

    # Then a QR code drawn in the browser and the secret as text are shown
    qr = web_page.get_by_role("img", name=re.compile("QR code"))
    expect(qr).to_be_visible()
    assert (qr.get_attribute("src") or "").startswith("data:image/png;base64,")
    secret = web_page.get_by_test_id("two-factor-secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret), secret
    check_page(web_page, "two-factor-enrol")

    # When it confirms with the authenticator's code for that secret
    app = pyotp.TOTP(secret)
    web_page.get_by_label("Code").fill(app.at(time.time()))
    web_page.get_by_role("button", name="Confirm").click()

    # Then the 10 backup codes are shown, with copy and download
    codes = web_page.get_by_role("list", name="Backup codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    backup_code = codes.first.inner_text().strip()
    expect(web_page.get_by_role("button", name="Copy backup codes")).to_be_visible()
    with web_page.expect_download() as download:
        web_page.get_by_role("button", name="Download backup codes").click()
    assert backup_code in download.value.path().read_text(encoding="utf-8")
    check_page(web_page, "backup-codes")

    # And once done, the page offers to turn two-factor off instead; the codes are gone
    web_page.get_by_role("button", name="Done").click()
    expect(web_page.get_by_role("button", name="Turn off two-factor")).to_be_visible()
    expect(web_page.get_by_role("list", name="Backup codes")).to_have_count(0)

    # When it signs out and in again, with a backup code
    web_page.get_by_role("button", name="Sign out").click()
    sign_in(web_page, agent["account"], AGENT_PASSWORD)
    web_page.get_by_role("button", name="Use a backup code").click()
    web_page.get_by_label("Backup code").fill(backup_code)
    web_page.get_by_role("button", name="Verify").click()

    # Then it is signed in
    expect(web_page.get_by_role("heading", name="Profile", level=1)).to_be_visible()

    # When it turns two-factor off with a code
    web_page.get_by_role("link", name="Security").click()
    web_page.get_by_label("Code").fill(app.at(time.time() + 30))
    web_page.get_by_role("button", name="Turn off two-factor").click()

    # Then it can be enabled again
    expect(web_page.get_by_role("button", name="Enable two-factor")).to_be_visible()


def test_changing_the_password(web_page: Page, web_app: WebApp) -> None:
    agent = web_app.create_agent(forcePasswordChange=False)
    signed_in(web_page, agent["account"], AGENT_PASSWORD)
    web_page.get_by_role("link", name="Security").click()

    web_page.get_by_label("Current password").fill(AGENT_PASSWORD)
    web_page.get_by_label("New password").fill(CHANGED_PASSWORD)
    web_page.get_by_label("Confirm password").fill(CHANGED_PASSWORD + "x")
    web_page.get_by_role("button", name="Change password").click()
    expect(web_page.get_by_text("The passwords do not match.")).to_be_visible()

    web_page.get_by_label("Confirm password").fill(CHANGED_PASSWORD)
    web_page.get_by_role("button", name="Change password").click()

    expect(web_page.get_by_role("status").filter(has_text="password has been changed")
           ).to_be_visible()
    assert login(web_app.server, agent["account"], CHANGED_PASSWORD).status_code == 200


def test_the_app_is_served_with_the_contracts_headers(web_page: Page, web_app: WebApp) -> None:
    photo_origin = re.search(r"Embedded AWS \(moto\) on (\S+)", web_app.server.log())
    assert photo_origin
    for path in ("/app/", "/app/verify-email"):
        response = web_page.goto(path)
        assert response is not None and response.status == 200
        headers = response.headers
        assert headers["content-security-policy"] == (
            "default-src 'self'; script-src 'self'; style-src 'self'; "
            f"img-src 'self' blob: data: {photo_origin.group(1)}; connect-src 'self'; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-content-type-options"] == "nosniff"
        assert "strict-transport-security" not in headers
    expect(web_page.get_by_role("button", name="Verify email")).to_have_count(0)
    expect(web_page.get_by_role("alert")).to_have_text("This link is invalid or has expired.")

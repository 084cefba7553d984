"""Recovering access and verifying an email through the web app: forgot password by email
with the code from the outbox, and the verification link of an email change opened in the
browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from support.browser import AGENT_PASSWORD, WebApp, check_page, sign_in, signed_in
from support.mail import CODE

pytestmark = [pytest.mark.acceptance, pytest.mark.browser]
NEW_PASSWORD = "Recovered-Passw0rd-1357"


def test_forgot_password_by_email_with_the_code_from_the_outbox(
        web_page: Page, web_app: WebApp) -> None:
    # Given an agent, on the sign-in page
    agent = web_app.create_agent(forcePasswordChange=False)
    web_page.goto("/app/sign-in")

    # When it follows "Forgot password/Need new password" and asks for a code by email
    web_page.get_by_role("link", name="Forgot password/Need new password").click()
    expect(web_page).to_have_url(re.compile(r"/app/forgot-password$"))
    web_page.get_by_label("Account or email").fill(agent["account"])
    expect(web_page.get_by_role("radio", name="Email")).to_be_checked()
    expect(web_page.get_by_role("radio", name="SMS")).to_be_visible()
    check_page(web_page, "forgot-password")
    web_page.get_by_role("button", name="Send code").click()

    # Then the page asks for the code, saying nothing of whether the account exists
    expect(web_page.get_by_label("Code")).to_be_visible()
    expect(web_page.get_by_role("status")).to_contain_text("If the account exists")
    check_page(web_page, "reset-password")

    # When it enters the emailed code and a new password
    code = mailed_code(web_app, agent["email"])
    web_page.get_by_label("Code").fill(code)
    web_page.get_by_label("New password").fill(NEW_PASSWORD)
    web_page.get_by_label("Confirm password").fill(NEW_PASSWORD)
    web_page.get_by_role("button", name="Reset password").click()

    # Then the seed's sentence says so, and the new password signs in
    expect(web_page.get_by_text("The password has been reset successfully.")).to_be_visible()
    check_page(web_page, "password-reset")
    web_page.get_by_role("link", name="Sign in").click()
    sign_in(web_page, agent["email"], NEW_PASSWORD)
    expect(web_page.get_by_role("heading", name="Profile", level=1)).to_be_visible()


def test_an_unknown_account_gets_the_same_answer(web_page: Page) -> None:
    web_page.goto("/app/forgot-password")
    web_page.get_by_label("Account or email").fill("nobody-at-all")
    web_page.get_by_role("radio", name="SMS").check()
    web_page.get_by_role("button", name="Send code").click()

    expect(web_page.get_by_label("Code")).to_be_visible()
    expect(web_page.get_by_role("status")).to_contain_text("If the account exists")


def test_the_verification_link_of_an_email_change_verifies_on_one_click(
        web_page: Page, web_app: WebApp) -> None:
    # Given an agent signed in, on its profile
    agent = web_app.create_agent(forcePasswordChange=False)
    signed_in(web_page, agent["account"], AGENT_PASSWORD)
    check_page(web_page, "profile")

    # When it changes its email there (which asks for its current password)
    new_address = f"new-{agent['account']}@example.com"
    web_page.get_by_label("Email", exact=True).fill(new_address)
    web_page.get_by_label("Current password").fill(AGENT_PASSWORD)
    web_page.get_by_role("button", name="Save").click()
    expect(web_page.get_by_role("status").filter(has_text="verification link")).to_be_visible()

    # And opens the link mailed to the new address
    link = mailed_link(web_app, new_address)
    assert link.startswith(f"{web_app.server.url}/app/verify-email?token="), link
    web_page.goto(link)

    # Then the token has left the address bar, and nothing is verified before the click
    expect(web_page.get_by_role("button", name="Verify email")).to_be_visible()
    expect(web_page).to_have_url(re.compile(r"/app/verify-email$"))
    check_page(web_page, "verify-email")
    web_page.get_by_role("button", name="Verify email").click()

    # And after it the address is verified, and the profile shows it
    expect(web_page.get_by_text("Your email address is verified.")).to_be_visible()
    check_page(web_page, "email-verified")
    web_page.goto("/app/profile")
    expect(web_page.get_by_text(new_address, exact=True)).to_be_visible()

    # When the same link is opened again, it is invalid
    web_page.goto(link)
    web_page.get_by_role("button", name="Verify email").click()
    expect(web_page.get_by_role("alert")).to_have_text("This link is invalid or has expired.")



def mailed_code(web_app: WebApp, address: str) -> str:
    body = web_app.last_email_to(address)["body"]
    found = CODE.search(body)
    assert found, body
    return found.group(1)


def mailed_link(web_app: WebApp, address: str) -> str:
    body = web_app.last_email_to(address)["body"]
    return next(word for word in body.split() if "?token=" in word)

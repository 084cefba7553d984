"""The Profile page: self-service fields saved (only what changed), times following the
chosen time format, and logging on to and off the queues."""

from __future__ import annotations

import base64
import re

import pytest
import requests
from playwright.sync_api import Page, expect
from support.browser import AGENT_PASSWORD, WebApp, signed_in
from support.http import call, login

pytestmark = [pytest.mark.acceptance, pytest.mark.browser]
TWELVE_HOUR = re.compile(r"\d{1,2}:\d\d\s?[AP]M")


def test_details_time_format_and_the_queue(web_page: Page, web_app: WebApp) -> None:
    # Given an agent signed in, on its profile, with times in 24-hour format
    agent = web_app.create_agent(forcePasswordChange=False)
    signed_in(web_page, agent["account"], AGENT_PASSWORD)
    last_sign_in = web_page.locator("time").first
    expect(last_sign_in).not_to_have_text(TWELVE_HOUR)

    # When it changes its title and bio (text only, markup included) and picks 12-hour
    web_page.get_by_label("Title").fill("Team <b>lead</b>")
    web_page.get_by_label("Bio").fill("Billing & <script>alert(1)</script> chats")
    web_page.get_by_role("radio", name="12-hour").check()
    web_page.get_by_label("Show photo to visitors").uncheck()
    web_page.get_by_role("button", name="Save").click()

    # Then it is saved, and the times follow the new format at once
    expect(web_page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    expect(last_sign_in).to_have_text(TWELVE_HOUR)
    expect(web_page.get_by_label("Title")).to_have_value("Team <b>lead</b>")
    token = login(web_app.server, agent["account"], AGENT_PASSWORD).json()["accessToken"]
    me = call(web_app.server, "GET", "/me", token=token).json()
    assert (me["title"], me["timeFormat"], me["showPhoto"]) == ("Team <b>lead</b>", "12h", False)
    assert me["bio"] == "Billing & <script>alert(1)</script> chats"

    # When it logs on to its queues, then off
    web_page.get_by_role("button", name="Log on").click()
    expect(web_page.get_by_text("You are logged on to your queues.")).to_be_visible()
    assert call(web_app.server, "GET", "/me", token=token).json()["queueStatus"] == "logged_on"
    web_page.get_by_role("button", name="Log off").click()
    expect(web_page.get_by_text("You are logged off.")).to_be_visible()
    expect(web_page.get_by_label("Profile", exact=True)).to_be_visible()


# A 1x1 PNG: what S3 (moto) stores and the browser draws.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def test_the_photo_is_shown_from_the_photo_bucket_and_removed(web_page: Page, web_app: WebApp
                                                              ) -> None:
    # Given an agent whose photo is in the photo bucket (uploaded as a presigned POST)
    agent = web_app.create_agent(forcePasswordChange=False)
    token = login(web_app.server, agent["account"], AGENT_PASSWORD).json()["accessToken"]
    upload = call(web_app.server, "POST", "/me/photo", token=token,
                  json={"contentType": "image/png", "contentLength": len(PNG)})
    assert upload.status_code == 200, upload.text
    stored = requests.post(upload.json()["uploadUrl"], data=upload.json()["fields"],
                           files={"file": ("photo.png", PNG, "image/png")}, timeout=30)
    assert stored.status_code in (200, 204), stored.text

    # When it opens its profile
    signed_in(web_page, agent["account"], AGENT_PASSWORD)

    # Then the photo is drawn (the CSP allows the photo bucket's origin)
    photo = web_page.get_by_role("img", name="Your photo")
    expect(photo).to_be_visible()
    web_page.wait_for_function(
        "() => document.querySelector('img.photo')?.naturalWidth === 1")

    # When it removes the photo, it is gone
    web_page.get_by_role("button", name="Remove photo").click()
    expect(web_page.get_by_text("No photo yet.")).to_be_visible()
    assert call(web_app.server, "GET", "/me", token=token).json()["photoUrl"] is None

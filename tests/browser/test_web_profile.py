"""The Profile page: self-service fields saved (only what changed), times following the
chosen time format, logging on to and off the queues, and the photo uploaded through the
app's own origin (PUT /me/photo), shown and removed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from support.browser import AGENT_PASSWORD, WebApp, check_page, signed_in
from support.http import call, login
from support.images import png

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


def test_the_photo_is_uploaded_through_the_app_shown_and_removed(web_page: Page,
                                                                web_app: WebApp) -> None:
    # Given an agent signed in, on its profile, with no photo
    agent = web_app.create_agent(forcePasswordChange=False)
    signed_in(web_page, agent["account"], AGENT_PASSWORD)
    expect(web_page.get_by_text("No photo yet.")).to_be_visible()
    requests_made: list[str] = []
    web_page.on("request", lambda request: requests_made.append(request.url))

    # When it chooses a real PNG (96 x 96 pixels) with "Upload photo"
    with web_page.expect_file_chooser() as chosen:
        web_page.get_by_role("button", name="Upload photo").click()
    chosen.value.set_files(files=[{"name": "me.png", "mimeType": "image/png",
                                   "buffer": png(96, 96)}])

    # Then the photo is drawn, as the image it uploaded, and said saved
    expect(web_page.get_by_text("Photo saved.")).to_be_visible()
    photo = web_page.get_by_role("img", name="Your photo")
    expect(photo).to_be_visible()
    web_page.wait_for_function(
        "() => document.querySelector('img.photo')?.naturalWidth === 96")
    check_page(web_page, "profile-photo")
    # And the upload went to the app's own origin only (the CSP's connect-src 'self')
    origin = web_app.server.url
    sent = [url for url in requests_made if "/me/photo" in url]
    assert sent == [f"{origin}/me/photo"]
    token = login(web_app.server, agent["account"], AGENT_PASSWORD).json()["accessToken"]
    me = call(web_app.server, "GET", "/me", token=token).json()
    assert me["photoUrl"] and me["showPhoto"] is True

    # When it removes the photo, it is gone
    web_page.get_by_role("button", name="Remove photo").click()
    expect(web_page.get_by_text("No photo yet.")).to_be_visible()
    assert call(web_app.server, "GET", "/me", token=token).json()["photoUrl"] is None


def test_a_file_that_is_not_the_image_it_claims_is_refused(web_page: Page,
                                                           web_app: WebApp) -> None:
    # Given an agent on its profile
    agent = web_app.create_agent(forcePasswordChange=False)
    signed_in(web_page, agent["account"], AGENT_PASSWORD)
    # When it chooses a text file named and typed as a PNG
    with web_page.expect_file_chooser() as chosen:
        web_page.get_by_role("button", name="Upload photo").click()
    chosen.value.set_files(files=[{"name": "me.png", "mimeType": "image/png",
                                   "buffer": b"not an image at all"}])
    # Then the API's refusal is said in words, and there is still no photo
    expect(web_page.get_by_text("The file is not a JPEG, PNG or WebP image.")).to_be_visible()
    expect(web_page.get_by_text("No photo yet.")).to_be_visible()

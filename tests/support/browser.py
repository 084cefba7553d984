"""The web app's browser tests: Debian's Chromium (``/usr/bin/chromium``) driven by
Playwright for Python against a local server of their own, serving the built app at
``/app/``. Every page a test visits is checked with axe-core (no serious or critical
violation) and may be saved as a screenshot into ``docs/web/`` (shown in docs/web.md); a
console error or an uncaught exception fails the test.

Without Chromium the tests skip, saying so; everything else they need (the app's build,
``axe-core`` in ``web/node_modules``) is made by ``make web`` when missing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import expect

from support.agents import OWNER_PASSWORD
from support.http import LocalServer, call, login, outbox
from support.server import ROOT, RunningServer, running_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WEB = ROOT / "web"
AXE = WEB / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "web"
VIEWPORT = {"width": 1024, "height": 800}
# Chromium logs every 4xx answer to a fetch as "Failed to load resource" on the console:
# the API's refusals a journey provokes (a wrong code is a 401). The app's own errors,
# CSP violations and exceptions are never of this form.
REFUSED_BY_API = re.compile(
    r"^Failed to load resource: the server responded with a status of 4\d\d")
SERIOUS = {"serious", "critical"}
# make test runs these beside the rest of the suite on two cores: a password hash or a
# page's first load may take seconds there
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)
AGENT_PASSWORD = "Browser-Passw0rd-91"
MAIL_WAIT_SECONDS = 10


@dataclass
class Console:
    """What a page wrote to the console as errors, and its uncaught exceptions."""

    errors: list[str] = field(default_factory=list)

    def message(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not REFUSED_BY_API.match(message.text):
            self.errors.append(message.text)

    def exception(self, error: Any) -> None:
        self.errors.append(f"uncaught: {error}")


@dataclass
class WebApp:
    """The served app and a signed-in owner for setting up agents over the API."""

    server: LocalServer
    admin_token: str

    def url(self, path: str = "/app/") -> str:
        return f"{self.server.url}{path}"

    def last_email_to(self, address: str) -> dict[str, Any]:
        """The newest email to ``address``, waiting for it a while (mail is sent after
        the answer)."""
        deadline = time.monotonic() + MAIL_WAIT_SECONDS
        while True:
            sent = [m for m in outbox(self.server)
                    if m["channel"] == "email" and m["to"].lower() == address.lower()]
            if sent:
                return sent[-1]
            assert time.monotonic() < deadline, f"no email to {address}"
            time.sleep(0.1)

    def create_agent(self, **fields: Any) -> dict[str, Any]:
        """An agent with ``AGENT_PASSWORD`` (temporary unless said otherwise)."""
        account = fields.pop("account", f"web-{uuid.uuid4().hex[:10]}")
        body = {"account": account, "email": f"{account}@example.com", "firstName": "Wenche",
                "lastName": "Webb", "alias": "Wenche Webb", "password": AGENT_PASSWORD,
                "passwordMode": "set", "forcePasswordChange": True, "sendWelcome": False,
                **fields}
        created = call(self.server, "POST", "/agents", token=self.admin_token, json=body)
        assert created.status_code == 201, created.text
        agent: dict[str, Any] = created.json()
        return agent


def build_app() -> None:
    """``make web``: the app's Node packages and build, when missing or stale."""
    if shutil.which("npm") is None:
        pytest.fail("Node 20 and npm are needed to build the web app (web/)")
    subprocess.run(["make", "-s", "web"], cwd=ROOT, check=True)


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.skip("Debian's Chromium is not installed (apt-get install -y chromium): "
                    "the browser tests need /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def web_server(chromium_browser: Browser, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[RunningServer]:
    build_app()
    with running_server(tmp_path_factory.mktemp("roster-web") / "server.log",
                        OWNER_PASSWORD) as server:
        yield server


@pytest.fixture(scope="session")
def web_app(web_server: RunningServer) -> WebApp:
    signed_in = login(web_server, "admin", web_server.admin_password)
    assert signed_in.status_code == 200, signed_in.text
    return WebApp(web_server, signed_in.json()["accessToken"])


@pytest.fixture
def web_page(chromium_browser: Browser, web_app: WebApp) -> Iterator[Page]:
    """A fresh browser profile (no cookie, no storage) on the app; fails the test on a
    console error or an uncaught exception."""
    context = chromium_browser.new_context(viewport=VIEWPORT, base_url=web_app.server.url)
    page = context.new_page()
    console = Console()
    page.on("console", console.message)
    page.on("pageerror", console.exception)
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()
    assert not console.errors, f"the page logged errors: {console.errors}"


def check_page(page: Page, screenshot: str | None = None) -> None:
    """axe-core on the page as it is (no serious or critical violation), and its
    screenshot saved as ``docs/web/<screenshot>.png``. axe is evaluated through the
    DevTools protocol, so the page's CSP stays as served."""
    page.wait_for_load_state("networkidle")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    results = page.evaluate("() => window.axe.run(document)")
    serious = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        f"{[node['target'] for node in violation['nodes']]}"
        for violation in results["violations"] if violation["impact"] in SERIOUS]
    assert not serious, f"axe-core on {page.url}: {serious}"
    if screenshot is not None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{screenshot}.png"), full_page=True)


def sign_in(page: Page, login_name: str, password: str) -> None:
    """Fill the sign-in page and press "Sign in" (the next step is the test's to check)."""
    page.get_by_label("Account or email").fill(login_name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def signed_in(page: Page, login_name: str, password: str) -> None:
    """Signed in from the sign-in page, on the profile (no two-factor, no new password)."""
    page.goto("/app/sign-in")
    sign_in(page, login_name, password)
    expect(page.get_by_role("heading", name="Profile", level=1)).to_be_visible()

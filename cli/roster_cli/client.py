"""HTTP to a Roster API, and nothing else: the bearer token, one refresh on an ended
access token, problem documents turned into ``Problem``, no answer into ``Unreachable``."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from roster_cli import credentials
from roster_cli.credentials import Credentials
from roster_cli.errors import CliError, Problem, Unreachable

TIMEOUT_SECONDS = 30.0
PAGE_SIZE = 100
# A 401 with one of these codes means the access token ended (API.md v2 decisions).
SESSION_ENDED = frozenset({"unauthorized", "invalid_token"})
# Answers that say "later" (API.md v2 decisions: both carry ``Retry-After``).
RETRYABLE = frozenset({429, 503})
LONGEST_WAIT_SECONDS = 60.0
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                  r"[0-9a-fA-F]{12}$")


def send(url: str, method: str, path: str, token: str | None = None,
         transport: httpx.BaseTransport | None = None, **kwargs: Any) -> httpx.Response:
    """One request; any failure to get an answer is ``Unreachable`` (exit 2).
    ``transport`` is httpx's default unless given (tests give a ``MockTransport``)."""
    headers = dict(kwargs.pop("headers", None) or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        with httpx.Client(transport=transport, timeout=TIMEOUT_SECONDS) as http:
            return http.request(method, f"{url.rstrip('/')}{path}", headers=headers,
                                **kwargs)
    except httpx.TimeoutException:
        raise Unreachable("timeout", f"{url} did not answer in {TIMEOUT_SECONDS:.0f}s"
                          ) from None
    except (httpx.TransportError, httpx.InvalidURL, httpx.UnsupportedProtocol) as error:
        raise Unreachable("unreachable", f"cannot reach {url}: {error}") from None


def retry_after(response: httpx.Response, default: float) -> float:
    """Seconds to wait from ``Retry-After`` (delta-seconds; an HTTP date or nothing
    means ``default``), never more than ``LONGEST_WAIT_SECONDS``."""
    try:
        seconds = float(response.headers.get("Retry-After", ""))
    except ValueError:
        seconds = default
    return min(max(seconds, 0.0), LONGEST_WAIT_SECONDS)


def body_of(response: httpx.Response) -> Any:
    """The JSON body of a success, or the problem it carries raised."""
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = None
        if response.is_success:
            raise Unreachable("not_roster", f"{response.request.url} did not answer "
                              "JSON: is the URL a Roster API?") from None
    if response.is_success:
        return body
    if not (isinstance(body, dict) and body.get("code")):
        raise Unreachable("not_roster", f"{response.request.url} answered "
                          f"{response.status_code} {response.reason_phrase} without a "
                          "problem document: is the URL a Roster API?")
    raise Problem(response.status_code, body)


class Client:
    """A signed-in session (``credentials.json``).

    With ``retries``, a ``429`` or ``503`` is asked again after its ``Retry-After``, and
    a request that got no answer is sent again, up to ``retries`` more times: only for
    reads and for writes that carry an ``Idempotency-Key`` (the server answers a repeat
    with the first result, so nothing is done twice).
    """

    def __init__(self, saved: Credentials | None = None, *,
                 transport: httpx.BaseTransport | None = None, retries: int = 0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.saved = saved or credentials.load()
        self.transport = transport
        self.retries = retries
        self.sleep = sleep

    @property
    def url(self) -> str:
        return self.saved.url

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The response of a request made with the saved access token; when the server
        says that token ended, the refresh token is spent once (it rotates: the new pair
        is saved) and the request sent again."""
        repeatable = method in ("GET", "HEAD") or "Idempotency-Key" in (
            kwargs.get("headers") or {})
        retries = self.retries if repeatable else 0
        for attempt in range(retries + 1):
            wait = 0.5 * 2 ** attempt
            try:
                response = self._authorized(method, path, **kwargs)
            except Unreachable:
                if attempt == retries:
                    raise
                self.sleep(wait)
                continue
            if response.status_code not in RETRYABLE or attempt == retries:
                break
            self.sleep(retry_after(response, wait))
        return response

    def _authorized(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = send(self.url, method, path, self.saved.accessToken, self.transport,
                        **kwargs)
        if response.status_code == 401 and self._code(response) in SESSION_ENDED:
            self._refresh()
            response = send(self.url, method, path, self.saved.accessToken,
                            self.transport, **kwargs)
        return response

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        return body_of(self.request(method, path, **kwargs))

    def pages(self, path: str, params: dict[str, Any] | None = None
              ) -> Iterator[list[dict[str, Any]]]:
        """Every page of a listing, following ``nextCursor`` until it is ``null`` (a
        filtered page may be short or empty and still have one)."""
        query: dict[str, Any] = {"limit": PAGE_SIZE, **(params or {})}
        while True:
            page = self.call("GET", path, params=query)
            yield list(page.get("items") or [])
            if not page.get("nextCursor"):
                return
            query["cursor"] = page["nextCursor"]

    def items(self, path: str, params: dict[str, Any] | None = None
              ) -> Iterator[dict[str, Any]]:
        for page in self.pages(path, params):
            yield from page

    def agent_id(self, name: str) -> str:
        """The id of the agent named by ``name``, an id or an account.

        The one place that knows how: a UUID is an id; an account is looked up with the
        exact ``account`` filter of ``GET /agents`` (one request, read through the
        account's uniqueness guard). Routes under ``/agents/{id}`` take an account as
        well, but ``GET /audit?agentId=`` and the tables need the id.
        """
        if UUID.match(name):
            return name
        for agent in self.items("/agents", {"account": name}):
            return str(agent["id"])
        raise CliError("not_found", f"no agent has the account {name!r}")

    def _refresh(self) -> None:
        """Under the lock: if another process refreshed since this one read the file,
        its new pair is used as it is; otherwise the refresh token is spent."""
        with credentials.locked():
            latest = credentials.load()
            if (latest.url, latest.refreshToken) != (self.saved.url,
                                                     self.saved.refreshToken):
                self.saved = latest
                return
            response = send(self.url, "POST", "/auth/refresh", transport=self.transport,
                            json={"refreshToken": self.saved.refreshToken})
            if response.status_code == 401:
                raise CliError("session_ended",
                               "your session ended: run `roster login` again")
            tokens = body_of(response)
            self.saved.accessToken = tokens["accessToken"]
            self.saved.refreshToken = tokens["refreshToken"]
            credentials.save(self.saved)

    @staticmethod
    def _code(response: httpx.Response) -> str | None:
        try:
            body = response.json()
        except ValueError:
            return None
        return body.get("code") if isinstance(body, dict) else None

"""The acceptance tests' client: plain HTTP to the local server, knowing only the
contract (and the two local-only routes)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

import requests

TIMEOUT = 30


class LocalServer(Protocol):
    """What the ``local_server`` fixture gives (``support.plugin``: a
    ``support.server.RunningServer``)."""

    url: str
    admin_password: str

    def log(self) -> str: ...


class StartServer(Protocol):
    """What the ``start_local_server`` fixture gives: start another local server, its
    output in ``log_path``, the owner's password given (or ``None``: generated)."""

    def __call__(self, log_path: Path, admin_password: str | None
                 ) -> AbstractContextManager[LocalServer]: ...


def call(server: LocalServer, method: str, path: str, token: str | None = None, *,
         session: requests.Session | None = None, **kwargs: Any) -> requests.Response:
    """A request (``kwargs`` as for ``requests``: ``json``, ``params``, ``headers``),
    with the bearer ``token`` if given, on ``session`` if given (``support.parallel``
    gives each racing client its own)."""
    headers = dict(kwargs.pop("headers", None) or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    send = session.request if session is not None else requests.request
    return send(method, f"{server.url}{path}", headers=headers, timeout=TIMEOUT, **kwargs)


def post(server: LocalServer, path: str, body: Any, token: str | None = None
         ) -> requests.Response:
    return call(server, "POST", path, token, json=body)


def login(server: LocalServer, login_name: str, password: str) -> requests.Response:
    return post(server, "/auth/login", {"login": login_name, "password": password})


def sign_in(server: LocalServer, login_name: str, password: str) -> dict[str, Any]:
    """The token pair of a sign-in that needs no further step."""
    response = login(server, login_name, password)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == "authenticated", body
    return body


def admin_token(server: LocalServer) -> str:
    """An access token of the owner (``admin``)."""
    return str(sign_in(server, "admin", server.admin_password)["accessToken"])


def outbox(server: LocalServer) -> list[dict[str, Any]]:
    """Every email and SMS the server sent, oldest first (``GET /_local/outbox``)."""
    response = call(server, "GET", "/_local/outbox")
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages

"""Sign-in through the local runtime, as a client does."""

from __future__ import annotations

from typing import Any

from roster_local import LocalResponse, Runtime


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login(runtime: Runtime, who: str, password: str, **extra: Any) -> LocalResponse:
    """``POST /auth/login`` (``extra``: more ``Runtime.invoke`` arguments, e.g.
    ``source_ip``)."""
    return runtime.invoke("POST", "/auth/login", body={"login": who, "password": password},
                          **extra)


def sign_in(runtime: Runtime, who: str, password: str, **extra: Any) -> dict[str, Any]:
    """The token pair of a sign-in that needs no further step."""
    response = login(runtime, who, password, **extra)
    assert response.status == 200, response.json()
    body: dict[str, Any] = response.json()
    assert body["status"] == "authenticated", body
    return body


def access_token(runtime: Runtime, who: str, password: str, **extra: Any) -> str:
    return str(sign_in(runtime, who, password, **extra)["accessToken"])

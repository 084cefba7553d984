"""Sign-in through the local runtime, as a client does, and a signed-in caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from roster_local import LocalResponse, Runtime

from support.agents import AGENT_PASSWORD


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


@dataclass
class Caller:
    """A signed-in caller: ``call`` adds its bearer token (``headers`` are those)."""

    runtime: Runtime
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)

    def call(self, method: str, path: str, body: Any = None, *,
             headers: dict[str, str] | None = None, query: dict[str, str] | None = None,
             ) -> LocalResponse:
        return self.runtime.invoke(method, path, body=body, query=query,
                                   headers={**self.headers, **(headers or {})})


def signed_in(runtime: Runtime, who: str, password: str) -> Caller:
    return Caller(runtime, access_token(runtime, who, password))


def new_agent(admin: Caller, account: str, **fields: Any) -> dict[str, Any]:
    """Create an agent through ``POST /agents`` with a known, permanent password; return
    the resource."""
    body = {"account": account, "email": f"{account}@example.com", "firstName": account.title(),
            "password": AGENT_PASSWORD, "forcePasswordChange": False, "sendWelcome": False,
            **fields}
    response = admin.call("POST", "/agents", body)
    assert response.status == 201, response.json()
    return dict(response.json())

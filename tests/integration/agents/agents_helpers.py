"""Helpers of the agent-route tests: signed-in callers, agents, catalogue items."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from support.agents import AGENT_PASSWORD, OWNER_PASSWORD
from support.api import access_token, bearer

__all__ = ["AGENT_PASSWORD", "OWNER_PASSWORD", "Api", "catalog", "new_agent", "sign_in"]


@dataclass
class Api:
    """A signed-in caller: ``call`` adds its bearer token."""

    runtime: Any
    token: str

    def call(self, method: str, path: str, body: Any = None, *,
             headers: dict[str, str] | None = None, query: dict[str, str] | None = None,
             ) -> Any:
        return self.runtime.invoke(method, path, body=body, query=query,
                                   headers={**bearer(self.token), **(headers or {})})


def sign_in(runtime: Any, login: str, password: str) -> Api:
    return Api(runtime, access_token(runtime, login, password))


def new_agent(admin: Api, account: str, **fields: Any) -> dict[str, Any]:
    """Create an agent with a known, permanent password; return the resource."""
    body = {"account": account, "email": f"{account}@example.com", "firstName": account.title(),
            "password": AGENT_PASSWORD, "forcePasswordChange": False, "sendWelcome": False,
            **fields}
    response = admin.call("POST", "/agents", body)
    assert response.status == 201, response.json()
    return dict(response.json())


def catalog(kind: str, item_id: str, **fields: Any) -> None:
    """Put a catalogue item straight into the table (the catalogue routes are another
    engineer's; these tests need items to refer to)."""
    from roster.repository import get_repository, keys

    get_repository().table.put({**keys.catalog(kind, item_id), "type": "catalog",
                                "kind": kind, "id": item_id, "name": item_id, **fields})

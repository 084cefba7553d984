"""The catalogue tests' view of the shared ``runtime`` fixture: the owner signed in, its
token sent by default, and agents written (with their reference items) as
``POST /agents`` writes them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from roster.repository import DynamoRepository, get_repository
from roster_local import Runtime
from support.agents import OWNER_PASSWORD, make_agent
from support.api import sign_in


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class CatalogRuntime:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        runtime.create_owner(OWNER_PASSWORD)
        self.owner_token = self.login("admin", OWNER_PASSWORD)
        self.owner_id = str(get_repository().find_agent_id("admin"))

    @property
    def repository(self) -> DynamoRepository:
        return get_repository()

    def create_agent(self, account: str, *, roles: tuple[str, ...] = ("agent",),
                     password: str | None = None, **references: Any) -> str:
        """An agent written by the repository as ``POST /agents`` does, with its
        reference items (``queues``, ``skills``, ``groupId``, ``profiles`` as given)."""
        return make_agent(account, roles=list(roles), password=password, alias=account,
                          **references).id

    def sign_in(self, login: str, password: str) -> dict[str, Any]:
        return sign_in(self.runtime, login, password)

    def login(self, login: str, password: str) -> str:
        return str(self.sign_in(login, password)["accessToken"])

    def invoke(self, method: str, path: str, *, body: Any = None,
               query: dict[str, str] | None = None, token: str | None = None,
               raw_body: str | None = None) -> Reply:
        """A request with the owner's token, or ``token`` ("" for none)."""
        bearer = self.owner_token if token is None else token
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        if raw_body is not None:
            headers["Content-Type"] = "application/json"
        reply = self.runtime.invoke(method, path, headers=headers, query=query,
                                    body=raw_body if raw_body is not None else body)
        return Reply(reply.status, dict(reply.headers), reply.text)

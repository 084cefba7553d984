"""A small stand-in for the shared ``runtime`` fixture, for the catalogue tests.

Provisions ``template.yaml`` in moto, creates the owner, and invokes the catalog
function's real handler with API Gateway events whose authorizer context comes from
the real authorizer decision for the route (401 / 403 as the gateway would answer).
"""

from __future__ import annotations

import json
import re
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[2] / "shared"
if str(SHARED) not in sys.path:
    sys.path.insert(0, str(SHARED))

import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402
from roster import aws, clock, passwords  # noqa: E402
from roster.config import get_settings  # noqa: E402
from roster.errors import RosterError  # noqa: E402
from roster.local.provision import provision  # noqa: E402
from roster.local.template import Template  # noqa: E402
from roster.models.agent import AgentRecord  # noqa: E402
from roster.models.auth import LoginRequest  # noqa: E402
from roster.models.credentials import PasswordCredential  # noqa: E402
from roster.openapi import load_function_module  # noqa: E402
from roster.repository import DynamoRepository, get_repository, reset_repository  # noqa: E402
from roster.services import auth, authorizer, bootstrap  # noqa: E402

OWNER_PASSWORD = "Correct-Horse-Battery-9"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Context:
    function_name: str = "catalog"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:catalog"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))


class CatalogRuntime:
    def __init__(self, template: Template) -> None:
        self.template = template
        spec = template.function("catalog")
        assert spec is not None, "CatalogFunction is missing from template.yaml"
        self.routes = spec.routes
        self.module = load_function_module("catalog", suffix=f"_{uuid.uuid4().hex}")
        self.owner_token = ""
        self.owner_id = ""

    @property
    def repository(self) -> DynamoRepository:
        return get_repository()

    def create_agent(self, account: str, *, roles: tuple[str, ...] = ("agent",),
                     password: str | None = None, **references: Any) -> str:
        """An agent written by the repository as ``POST /agents`` does, with its
        reference items (``queues``, ``skills``, ``groupId``, ``profiles`` as given)."""
        stamp = clock.iso(clock.now())
        record = AgentRecord(
            id=str(uuid.uuid4()), account=account, email=f"{account}@example.com",
            firstName=account.title(), alias=account, roles=list(roles),
            passwordStatus="set" if password else "none", createdAt=stamp, updatedAt=stamp,
            **references,
        )
        credential = PasswordCredential(hash=passwords.hash_password(password), setAt=stamp,
                                        ) if password else None
        self.repository.create_agent(record, password=credential)
        return record.id

    def login(self, login: str, password: str) -> str:
        tokens = auth.login(LoginRequest(login=login, password=password), "127.0.0.1")
        return str(tokens.accessToken)  # type: ignore[union-attr]

    def _resource(self, method: str, path: str) -> tuple[str, dict[str, str]] | None:
        for route in self.routes:
            if route.method not in (method, "ANY"):
                continue
            names = re.findall(r"{(\w+)}", route.path)
            pattern = "^" + re.sub(r"{\w+}", "([^/]+)", route.path) + "$"
            match = re.match(pattern, path)
            if match:
                return route.path, dict(zip(names, match.groups(), strict=True))
        return None

    def invoke(self, method: str, path: str, *, body: Any = None,
               query: dict[str, str] | None = None, token: str | None = None,
               raw_body: str | None = None) -> Reply:
        method = method.upper()
        found = self._resource(method, path)
        if found is None:
            return Reply(404, {}, json.dumps({"status": 404, "code": "not_found"}))
        resource, path_parameters = found
        bearer = self.owner_token if token is None else token
        authorization = f"Bearer {bearer}" if bearer else None
        try:
            decision = authorizer.decide(authorization, method, resource)
        except RosterError:
            return Reply(401, {}, json.dumps({"status": 401, "code": "unauthorized"}))
        if not decision.allow:
            return Reply(403, {}, json.dumps({"status": 403, "code": "forbidden"}))
        headers = {"Content-Type": "application/json", "Authorization": authorization or ""}
        text = raw_body if raw_body is not None else (
            json.dumps(body) if body is not None else None)
        event = {
            "resource": resource, "path": path, "httpMethod": method,
            "headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "queryStringParameters": query or None,
            "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()}
            or None,
            "pathParameters": path_parameters or None, "stageVariables": None,
            "requestContext": {
                "resourcePath": resource, "httpMethod": method, "path": f"/v1{path}",
                "stage": "v1", "requestId": str(uuid.uuid4()),
                "identity": {"sourceIp": "127.0.0.1"},
                "authorizer": decision.context(),
            },
            "body": text, "isBase64Encoded": False,
        }
        result = self.module.handler(event, Context())
        replied = {k: v[-1] for k, v in (result.get("multiValueHeaders") or {}).items() if v}
        replied.update(result.get("headers") or {})
        return Reply(int(result["statusCode"]), replied, str(result.get("body") or ""))


@contextmanager
def catalog_runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[CatalogRuntime]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1",
                        "POWERTOOLS_METRICS_NAMESPACE": "Roster",
                        "POWERTOOLS_SERVICE_NAME": "roster"}.items():
        monkeypatch.setenv(name, value)
    from aws_lambda_powertools.utilities import parameters

    with mock_aws():
        template = Template.load()
        values = template.parameter_values({"OwnerEmail": "admin@example.com",
                                            "SenderEmail": "roster@example.com"})
        _stack, resolver = provision(template, values)
        spec = template.function("catalog")
        assert spec is not None
        for name, value in resolver.resolve(spec.environment).items():
            monkeypatch.setenv(name, str(value))
        get_settings.cache_clear()
        aws.reset_clients()
        reset_repository()
        parameters.clear_caches()
        runtime = CatalogRuntime(template)
        bootstrap.create_owner("admin", "admin@example.com", OWNER_PASSWORD, temporary=False)
        runtime.owner_token = runtime.login("admin", OWNER_PASSWORD)
        runtime.owner_id = str(get_repository().find_agent_id("admin"))
        try:
            yield runtime
        finally:
            get_settings.cache_clear()
            aws.reset_clients()
            reset_repository()
            parameters.clear_caches()

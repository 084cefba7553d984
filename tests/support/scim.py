"""Provisioning tokens and SCIM calls for tests: ``provisioning_token`` creates one
through ``POST /provisioning-tokens`` as an admin; a ``Caller`` holding it calls
``/scim/v2`` (the ``scim`` fixture is one) through ``call``; ``error_of`` checks a SCIM
error document."""

from __future__ import annotations

from typing import Any

from roster.scim_api import ERROR_SCHEMA, SCIM_CONTENT_TYPE
from roster_local.gateway import LocalResponse

from support.api import Caller


def provisioning_token(admin: Caller, name: str = "Entra ID", **fields: Any) -> dict[str, Any]:
    """A new token's creation answer (``token`` is the secret, shown this once)."""
    response = admin.call("POST", "/provisioning-tokens", {"name": name, **fields})
    assert response.status == 201, response.json()
    return dict(response.json())


def scim_caller(admin: Caller, **fields: Any) -> Caller:
    """A SCIM client holding a fresh provisioning token."""
    return Caller(admin.runtime, str(provisioning_token(admin, **fields)["token"]))


PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def call(client: Caller, method: str, path: str, body: Any = None, *,
         headers: dict[str, str] | None = None,
         query: dict[str, str] | None = None) -> LocalResponse:
    sent = {"Content-Type": SCIM_CONTENT_TYPE, "Host": "127.0.0.1:3000", **(headers or {})}
    return client.call(method, f"/scim/v2{path}", body, headers=sent, query=query)


def error_of(response: LocalResponse, status: int) -> str | None:
    assert response.status == status, response.body[:300]
    assert response.header("Content-Type") == SCIM_CONTENT_TYPE
    document = response.json()
    assert document["schemas"] == [ERROR_SCHEMA] and document["status"] == str(status)
    scim_type: str | None = document.get("scimType")
    return scim_type

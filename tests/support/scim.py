"""Provisioning tokens and SCIM calls for tests: ``provisioning_token`` creates one
through ``POST /provisioning-tokens`` as an admin; a ``Caller`` holding it calls
``/scim/v2`` (the ``scim`` fixture is one)."""

from __future__ import annotations

from typing import Any

from support.api import Caller


def provisioning_token(admin: Caller, name: str = "Entra ID", **fields: Any) -> dict[str, Any]:
    """A new token's creation answer (``token`` is the secret, shown this once)."""
    response = admin.call("POST", "/provisioning-tokens", {"name": name, **fields})
    assert response.status == 201, response.json()
    return dict(response.json())


def scim_caller(admin: Caller, **fields: Any) -> Caller:
    """A SCIM client holding a fresh provisioning token."""
    return Caller(admin.runtime, str(provisioning_token(admin, **fields)["token"]))

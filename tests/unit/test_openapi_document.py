"""The OpenAPI document in the repo is the one the code generates (no drift)."""

from __future__ import annotations

import json

from roster import openapi


def test_committed_document_matches_the_code() -> None:
    # Given the routers of every function, When the document is generated
    generated = openapi.render()
    # Then it is byte for byte the committed one (run `make openapi` after changing routes)
    assert openapi.DOCUMENT.read_text(encoding="utf-8") == generated


def test_document_has_bearer_security_and_public_sign_in() -> None:
    document = json.loads(openapi.DOCUMENT.read_text(encoding="utf-8"))
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert document["paths"]["/auth/login"]["post"]["security"] == []
    assert "security" not in document["paths"]["/me"]["get"] or \
        document["paths"]["/me"]["get"]["security"] != []

"""The SCIM API and the main API on the one local port, over HTTP: a provisioning token
made on the main API works on /scim/v2, which answers in SCIM's schema, as deployed."""

from __future__ import annotations

import pytest
from support.http import LocalServer, admin_token, call

pytestmark = pytest.mark.acceptance

SCIM = "application/scim+json"
SPC = "/scim/v2/ServiceProviderConfig"


def test_a_provisioning_token_reads_scim_and_is_refused_on_the_main_api(
        local_server: LocalServer) -> None:
    admin = admin_token(local_server)
    created = call(local_server, "POST", "/provisioning-tokens", admin,
                   json={"name": "over HTTP"})
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    # On SCIM: through, in SCIM's content type
    answer = call(local_server, "GET", SPC, token)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"] == SCIM
    assert answer.json()["patch"] == {"supported": True}
    # On the main API: 401 problem; the admin's JWT on SCIM: 401 SCIM error
    assert call(local_server, "GET", "/me", token).status_code == 401
    refused = call(local_server, "GET", SPC, admin)
    assert refused.status_code == 401 and refused.headers["Content-Type"] == SCIM
    # A wrong method on a SCIM path is a SCIM 405 naming the methods it serves
    wrong = call(local_server, "DELETE", SPC, token)
    assert wrong.status_code == 405 and wrong.headers["Content-Type"] == SCIM
    assert wrong.headers["Allow"] == "GET" and wrong.json()["status"] == "405"
    revoked = call(local_server, "DELETE", f"/provisioning-tokens/{created.json()['id']}",
                   admin)
    assert revoked.status_code == 204
    assert call(local_server, "GET", SPC, token).status_code == 401

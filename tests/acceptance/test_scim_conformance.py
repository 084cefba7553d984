"""scim2-tester (PyPI) against the local server over HTTP, with a provisioning token the
owner created: every check passes, except those docs/scim.md lists, each for the reason
given there (asserted here, so a new failure fails the suite)."""

from __future__ import annotations

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server
from support.http import LocalServer, admin_token, call

pytestmark = pytest.mark.acceptance

# docs/scim.md "Conformance": scim2-tester fills userName with a random UUID, which
# Roster refuses (an account may not have an agent id's shape, API.md v2), so it cannot
# create the Users those checks (and the Group checks that add a member) start from.
KNOWN_REASON = "userName: cannot have the shape of an agent id"
KNOWN_FAILURES = {
    ("User", name) for name in (
        "object_creation", "object_query", "object_query_without_id",
        "object_query_with_attributes", "object_list_with_attributes",
        "search_with_attributes", "object_replacement", "object_deletion",
        "check_add_attribute", "check_remove_attribute", "check_replace_attribute")
} | {
    ("Group", name) for name in (
        "object_query_with_attributes", "object_list_with_attributes",
        "search_with_attributes", "object_replacement", "check_add_attribute",
        "check_remove_attribute", "check_replace_attribute")
}


def test_scim2_tester_checks(local_server: LocalServer) -> None:
    made = call(local_server, "POST", "/provisioning-tokens", admin_token(local_server),
                json={"name": "scim2-tester"})
    assert made.status_code == 201, made.text
    client = httpx2.Client(base_url=f"{local_server.url}/scim/v2",
                           headers={"Authorization": f"Bearer {made.json()['token']}"})
    results = check_server(SyncSCIMClient(client))
    failed = {(str(result.resource_type), result.title): str(result.reason)
              for result in results
              if result.status not in (Status.SUCCESS, Status.SKIPPED)}
    unexpected = {key: reason for key, reason in failed.items()
                  if key not in KNOWN_FAILURES or KNOWN_REASON not in reason}
    assert not unexpected, unexpected
    assert sum(result.status == Status.SUCCESS for result in results) >= 29

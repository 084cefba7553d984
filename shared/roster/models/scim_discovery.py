"""SCIM discovery documents (RFC 7643 §5): what Roster's SCIM service supports."""

from __future__ import annotations

from typing import Any

from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    ETag,
    Filter,
    Meta,
    Patch,
    ServiceProviderConfig,
    Sort,
)

MAX_RESULTS = 100  # a page of Users or Groups, as GET /agents pages


def service_provider_config() -> dict[str, Any]:
    """PATCH, filters (at most ``MAX_RESULTS`` a page) and ETags; no bulk, no sorting, no
    password change through SCIM; bearer provisioning tokens."""
    document = ServiceProviderConfig(
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=True),
        authentication_schemes=[AuthenticationScheme(
            type="oauthbearertoken", name="Provisioning token", primary=True,
            description="A provisioning token (rstp_...) an administrator creates in "
                        "Roster, sent as Authorization: Bearer")],
        meta=Meta(resource_type="ServiceProviderConfig"),
    )
    dumped: dict[str, Any] = document.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return dumped

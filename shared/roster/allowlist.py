"""The agent's source-address allowlist, applied at sign-in, refresh and by the authorizer.

Kept apart from the sign-in service so the authorizer imports it without the password
hashing that comes with sign-in. The address is API Gateway's
``requestContext.identity.sourceIp`` (locally the TCP peer): never a client header.
"""

from __future__ import annotations

import ipaddress


def ip_allowed(source_ip: str, allowlist: list[str]) -> bool:
    """True when the list is empty or ``source_ip`` is inside one of its networks."""
    if not allowlist:
        return True
    try:
        address = ipaddress.ip_address(source_ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(cidr, strict=False) for cidr in allowlist)

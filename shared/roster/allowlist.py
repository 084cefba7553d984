"""The agent's source-address allowlist, applied at sign-in, refresh and by the authorizer.

Kept apart from the sign-in service so the authorizer imports it without the password
hashing that comes with sign-in. The address is API Gateway's
``requestContext.identity.sourceIp`` (locally the TCP peer): never a client header.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated

from pydantic import AfterValidator, Field


def ip_allowed(source_ip: str, allowlist: list[str]) -> bool:
    """True when the list is empty or ``source_ip`` is inside one of its networks."""
    if not allowlist:
        return True
    try:
        address = ipaddress.ip_address(source_ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(cidr, strict=False) for cidr in allowlist)


def normal_cidr(value: str) -> str:
    """An address or network as ``ipaddress`` writes it (``10.0.0.0/8``; host bits
    cleared), or ``ValueError`` in words a client can act on."""
    try:
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError as error:
        raise ValueError(f"'{value}' is not an IPv4/IPv6 address or CIDR block") from error


# One entry of an allowlist in a request (an agent's ``ipAllowlist``, a provisioning
# token's ``allowedCidrs``).
Cidr = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(normal_cidr)]

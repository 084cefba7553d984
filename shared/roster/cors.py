"""CORS for the extra origins named in the ``AllowedOrigins`` parameter
(``ROSTER_ALLOWED_ORIGINS``; API.md v2 decisions, "The web app, deployed").

The web app itself is served from the API's own origin and needs none of this. An origin
listed exactly (scheme, host and port, as the browser sends ``Origin``) may read the
API's answers; no credentials (the refresh cookie stays same-site), ``ETag``,
``Location`` and ``Retry-After`` exposed. An origin not listed gets no CORS header at
all. A preflight (``OPTIONS`` on any route's path) is answered here, before any routing
or caller check: the template routes it to the path's function as a public event.

Plain dictionaries in and out (a proxy event, a proxy result), no Powertools: the
resolver (``roster.api``) and the plain OpenAPI handler share it.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from roster import routes
from roster.config import get_settings

ALLOWED_HEADERS = ("Authorization", "Content-Type", "If-Match", "Idempotency-Key")
EXPOSED_HEADERS = ("ETag", "Location", "Retry-After")
PREFLIGHT_MAX_AGE_SECONDS = 600


def _header(event: Mapping[str, Any], name: str) -> str | None:
    wanted = name.lower()
    return next((str(value) for key, value in (event.get("headers") or {}).items()
                 if key.lower() == wanted and value), None)


def allowed_origin(event: Mapping[str, Any]) -> str | None:
    """The request's ``Origin`` when it is one of the allowed origins (exact match)."""
    origin = _header(event, "Origin")
    return origin if origin is not None and origin in get_settings().allowed_origins else None


def is_preflight(event: Mapping[str, Any]) -> bool:
    return str(event.get("httpMethod", "")).upper() == "OPTIONS"


def preflight(event: Mapping[str, Any]) -> dict[str, Any]:
    """``204`` to a preflight: for an allowed origin, the path's methods and the headers
    Roster reads (the browser refuses a method or header not listed itself); for any
    other origin no CORS header (the browser then refuses the request)."""
    headers = {"Vary": "Origin"}
    origin = allowed_origin(event)
    methods = sorted({route.method for route in routes.ROUTES
                      if route.path == event.get("resource")})
    if origin is not None:
        headers |= {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": ", ".join(methods),
            "Access-Control-Allow-Headers": ", ".join(ALLOWED_HEADERS),
            "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_SECONDS),
        }
    return {"statusCode": 204, "headers": headers, "body": ""}


def response_headers(origin: str) -> dict[str, str]:
    """What an answer to an allowed origin carries (the local gateway adds the same to
    API Gateway's own answers, as the distribution's policy does deployed)."""
    return {"Access-Control-Allow-Origin": origin,
            "Access-Control-Expose-Headers": ", ".join(EXPOSED_HEADERS)}


def with_cors(event: Mapping[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """The proxy result with the CORS headers for an allowed origin, and ``Vary:
    Origin`` whenever any origin is allowed (the answer depends on it)."""
    if not get_settings().allowed_origins:
        return result
    origin = allowed_origin(event)
    added = {"Vary": "Origin", **(response_headers(origin) if origin is not None else {})}
    multi = result.get("multiValueHeaders")
    if isinstance(multi, MutableMapping):
        for name, value in added.items():
            multi.setdefault(name, [value])
    else:
        headers = result.setdefault("headers", {})
        for name, value in added.items():
            headers.setdefault(name, value)
    return result

"""Opaque, validated pagination cursors.

A cursor is the base64url JSON of a position (a DynamoDB key, or any small flat object
of strings) followed by a checksum, so a cursor that was cut, edited or made up is
``400 invalid_cursor`` instead of a DynamoDB error. Callers still check that the decoded
position belongs to the listing they run (its partition), so a cursor of one listing
cannot steer a ``Query`` of another.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping

from roster.errors import InvalidCursor

_VERSION = "c1"
_CHECK_LENGTH = 16
MAX_CURSOR_LENGTH = 2048


def _check(payload: str) -> str:
    return hashlib.sha256(f"{_VERSION}:{payload}".encode()).hexdigest()[:_CHECK_LENGTH]


def encode(key: Mapping[str, str]) -> str:
    """The cursor of ``key`` (a flat mapping of strings)."""
    text = json.dumps(dict(key), separators=(",", ":"), sort_keys=True)
    payload = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    return f"{payload}.{_check(payload)}"


def decode(cursor: str) -> dict[str, str]:
    """The position a cursor names; ``InvalidCursor`` for anything we did not issue."""
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidCursor()
    payload, _, check = cursor.partition(".")
    if not payload or not hmac.compare_digest(check.encode(), _check(payload).encode()):
        raise InvalidCursor()
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise InvalidCursor() from error
    if not isinstance(value, dict) or not value or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidCursor()
    return value

"""Opaque pagination cursors: a DynamoDB ``LastEvaluatedKey``, signed.

A cursor is ``base64url(version | mac | json(key))`` where ``mac`` is an HMAC-SHA256
(truncated to 16 bytes) over the scope and the key, keyed by a subkey of the token
signing secret. Any change to a cursor, or its use for another list than the one that
issued it (``scope``), is ``InvalidCursor`` (400 ``invalid_cursor``), so a client can
never steer a query to a start key of its own making.

    encode(key, scope="CATALOG#queues") -> str
    decode(cursor, scope="CATALOG#queues") -> dict   # or raises InvalidCursor
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from roster.errors import InvalidCursor

VERSION = b"\x01"
MAC_BYTES = 16
MAX_CURSOR_LENGTH = 2048
_PURPOSE = b"roster/pagination-cursor/v1"

__all__ = ["MAX_CURSOR_LENGTH", "InvalidCursor", "decode", "encode"]


def _key() -> bytes:
    """The cursor subkey, derived from the token signing secret (cached by Parameters)."""
    from roster import tokens

    secret = tokens._signing_key().encode()
    return hmac.new(secret, _PURPOSE, hashlib.sha256).digest()


def _mac(scope: str, payload: bytes) -> bytes:
    message = scope.encode() + b"\x00" + payload
    return hmac.new(_key(), message, hashlib.sha256).digest()[:MAC_BYTES]


def encode(key: dict[str, Any], *, scope: str = "") -> str:
    """The opaque cursor for ``key`` (string or integer values), valid for ``scope`` only."""
    payload = json.dumps(key, separators=(",", ":"), sort_keys=True).encode()
    raw = VERSION + _mac(scope, payload) + payload
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def position(cursor: str | None, *, scope: str = "") -> dict[str, Any] | None:
    """Where a page starts: ``None`` (the first page) for no cursor or an empty one (a
    client passing on a ``null`` ``nextCursor`` as ``?cursor=``), else ``decode``'s key.
    Every list reads its cursor through here, so they all agree."""
    return decode(cursor, scope=scope) if cursor else None


def decode(cursor: str, *, scope: str = "") -> dict[str, Any]:
    """The key ``cursor`` was made from; ``InvalidCursor`` unless it is exactly one we issued."""
    if not isinstance(cursor, str) or not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidCursor()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError) as error:
        raise InvalidCursor() from error
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != cursor:
        raise InvalidCursor()  # not canonical base64url (e.g. padding or stray bits)
    version, mac, payload = raw[:1], raw[1:1 + MAC_BYTES], raw[1 + MAC_BYTES:]
    if version != VERSION or not payload or not hmac.compare_digest(mac, _mac(scope, payload)):
        raise InvalidCursor()
    try:
        key = json.loads(payload)
    except ValueError as error:
        raise InvalidCursor() from error
    if not isinstance(key, dict) or not key or not all(
        isinstance(name, str) and isinstance(value, str | int) and not isinstance(value, bool)
        for name, value in key.items()
    ):
        raise InvalidCursor()
    return key


def after(page_cursor: str | None, scope: str) -> str | None:
    """The position a ``{"after": <sort key>}`` cursor names (``None``: the first page)."""
    found = position(page_cursor, scope=scope)
    if found is None:
        return None
    last = found.get("after")
    if not isinstance(last, str) or len(found) != 1:
        raise InvalidCursor()
    return last


def next_after(last: str | None, scope: str) -> str | None:
    """The cursor of the page after the one ending at sort key ``last`` (``None``: done)."""
    return encode({"after": last}, scope=scope) if last else None

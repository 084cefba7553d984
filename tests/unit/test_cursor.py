"""Pagination cursors: opaque, signed, bound to the list that issued them."""

from __future__ import annotations

import base64
import json

import pytest
from roster import cursor
from roster.errors import InvalidCursor

KEY = {"pk": "CATALOG#queues", "sk": "sales"}
SCOPE = "table:CATALOG#queues"


@pytest.fixture(autouse=True)
def signing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cursor, "_key", lambda: b"k" * 32)


def test_a_cursor_reads_back_as_the_key_it_was_made_from() -> None:
    # Given a key with a string and a number / When encoded and decoded / Then it is the same
    key = {"pk": "AUDIT#a", "sk": "2026-01-01T00:00:00.000000Z#x", "n": 42}
    token = cursor.encode(key, scope="s")
    assert cursor.decode(token, scope="s") == key


@pytest.mark.parametrize("token", [None, ""])
def test_no_cursor_or_an_empty_one_is_the_first_page(token: str | None) -> None:
    # Given no cursor, or ?cursor= as a client sends a null nextCursor / Then: first page
    assert cursor.position(token, scope=SCOPE) is None


def test_a_position_is_the_key_of_a_cursor_and_checks_it_like_decode() -> None:
    token = cursor.encode(KEY, scope=SCOPE)
    assert cursor.position(token, scope=SCOPE) == KEY
    with pytest.raises(InvalidCursor):
        cursor.position(token, scope="table:CATALOG#skills")
    with pytest.raises(InvalidCursor):
        cursor.position(" ", scope=SCOPE)


def test_a_cursor_is_opaque_url_safe_text() -> None:
    token = cursor.encode(KEY, scope=SCOPE)
    assert "CATALOG" not in token and "sales" not in token
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_every_changed_character_is_refused() -> None:
    # Given a valid cursor / When any one character is changed / Then it is InvalidCursor
    token = cursor.encode(KEY, scope=SCOPE)
    for index in range(len(token)):
        changed = token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1:]
        with pytest.raises(InvalidCursor):
            cursor.decode(changed, scope=SCOPE)


@pytest.mark.parametrize("cut", [1, 5, 20])
def test_a_truncated_cursor_is_refused(cut: int) -> None:
    token = cursor.encode(KEY, scope=SCOPE)
    with pytest.raises(InvalidCursor):
        cursor.decode(token[:-cut], scope=SCOPE)


def test_a_cursor_of_another_list_is_refused() -> None:
    # Given a cursor issued for the queues / When used for the skills / Then refused
    token = cursor.encode(KEY, scope=SCOPE)
    with pytest.raises(InvalidCursor):
        cursor.decode(token, scope="table:CATALOG#skills")


def test_a_cursor_signed_with_another_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    token = cursor.encode(KEY, scope=SCOPE)
    monkeypatch.setattr(cursor, "_key", lambda: b"x" * 32)
    with pytest.raises(InvalidCursor):
        cursor.decode(token, scope=SCOPE)


def test_a_hand_made_cursor_is_refused() -> None:
    # Given a client that base64-encodes a key of its own choosing
    forged = base64.urlsafe_b64encode(json.dumps(KEY).encode()).decode().rstrip("=")
    with pytest.raises(InvalidCursor):
        cursor.decode(forged, scope=SCOPE)


@pytest.mark.parametrize("value", [
    "", "not base64!", "====", "A", "a" * (cursor.MAX_CURSOR_LENGTH + 1), "%00", "e30",
])
def test_garbage_is_refused(value: str) -> None:
    with pytest.raises(InvalidCursor):
        cursor.decode(value, scope=SCOPE)


@pytest.mark.parametrize("value", [None, 12, b"abc", ["x"], {"pk": "x"}])
def test_a_cursor_of_the_wrong_type_is_refused(value: object) -> None:
    with pytest.raises(InvalidCursor):
        cursor.decode(value, scope=SCOPE)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", [[1, 2], "text", {"pk": True}, {"pk": {"S": "x"}}, {}])
def test_a_signed_payload_that_is_not_a_key_is_refused(key: object) -> None:
    # Given a correctly signed payload (as a future bug might make) that is not a key
    payload = json.dumps(key).encode()
    raw = cursor.VERSION + cursor._mac(SCOPE, payload) + payload
    token = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    with pytest.raises(InvalidCursor):
        cursor.decode(token, scope=SCOPE)


def test_invalid_cursor_is_a_400_with_the_contract_code() -> None:
    problem = InvalidCursor().problem()
    assert (problem["status"], problem["code"]) == (400, "invalid_cursor")

"""Hypothesis properties: cursors, phone and email normalisation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from roster import cursor
from roster.errors import InvalidCursor
from roster.models.agents_api import _email, _phone

KEY_PARTS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1,
                    max_size=40)


@pytest.fixture(autouse=True)
def cursor_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cursor, "_key", lambda: b"k" * 32)


@settings(max_examples=200, deadline=None)
@given(pk=KEY_PARTS, sk=KEY_PARTS, scope=st.sampled_from(["agents", "queues", "audit"]))
def test_any_key_round_trips_through_a_cursor(pk: str, sk: str, scope: str) -> None:
    key = {"pk": pk, "sk": sk}
    assert cursor.decode(cursor.encode(key, scope=scope), scope=scope) == key


@settings(max_examples=200, deadline=None)
@given(pk=KEY_PARTS, position=st.integers(min_value=0), replacement=st.characters(
    whitelist_categories=("Lu", "Ll", "Nd")))
def test_any_changed_character_makes_a_cursor_invalid(pk: str, position: int,
                                                      replacement: str) -> None:
    token = cursor.encode({"pk": pk, "sk": "x"}, scope="agents")
    index = position % len(token)
    if token[index] == replacement:
        return
    tampered = token[:index] + replacement + token[index + 1:]
    with pytest.raises(InvalidCursor):
        cursor.decode(tampered, scope="agents")


@settings(max_examples=100, deadline=None)
@given(pk=KEY_PARTS)
def test_a_cursor_of_one_list_is_refused_by_another(pk: str) -> None:
    with pytest.raises(InvalidCursor):
        cursor.decode(cursor.encode({"pk": pk}, scope="agents"), scope="queues")


NORWEGIAN_MOBILES = st.integers(min_value=40_000_000, max_value=49_999_999)


@settings(max_examples=200, deadline=None)
@given(number=NORWEGIAN_MOBILES)
def test_e164_and_00_forms_normalise_to_the_same_e164(number: int) -> None:
    e164 = _phone(f"+47{number}")
    assert e164 == f"+47{number}"
    assert _phone(f"0047{number}") == e164
    assert _phone(f" +47{number} ") == e164
    assert _phone(e164) == e164  # idempotent


@settings(max_examples=200, deadline=None)
@given(local=st.from_regex(r"[a-z][a-z0-9._]{0,20}[a-z0-9]", fullmatch=True),
       domain=st.sampled_from(["example.com", "contact-centre.no", "mail.example.org"]))
def test_valid_emails_are_kept_as_given_and_stable(local: str, domain: str) -> None:
    if ".." in local:
        return
    address = f"{local}@{domain}"
    assert _email(address) == address
    assert _email(f"  {address} ") == address
    assert _email(_email(address)) == address


@given(text=st.text(max_size=30).filter(lambda t: "@" not in t))
def test_text_without_an_at_sign_is_never_an_email(text: str) -> None:
    with pytest.raises(ValueError):
        _email(text)

"""Agent request rules, cursors and the items that follow an agent's changes (no AWS)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from roster.models.agent import AgentRecord
from roster.models.agents_api import (
    CreateAgentRequest,
    QueueStatusRequest,
    UpdateAgentRequest,
    UpdateMeRequest,
)
from roster.repository import keys
from roster.repository.dynamodb import DynamoRepository

BASE = {"account": "jdoe", "email": "jdoe@example.com", "firstName": "Jane"}


def _create(**fields: Any) -> CreateAgentRequest:
    return CreateAgentRequest.model_validate({**BASE, **fields})


def _fields_of(error: ValidationError) -> set[str]:
    return {".".join(str(p) for p in e["loc"]) for e in error.errors()}


@pytest.mark.parametrize(("given", "stored"), [
    ("+4712345678", "+4712345678"),
    ("004712345678", "+4712345678"),
    (" +47 987 65 432 ", "+4798765432"),
    ("+1 650 253 0000", "+16502530000"),
])
def test_phones_are_stored_in_e164(given: str, stored: str) -> None:
    assert _create(phone=given).phone == stored


@pytest.mark.parametrize("phone", ["12345678", "+47123", "+999 12", "0047", "+47abc", "+"])
def test_impossible_phones_are_refused(phone: str) -> None:
    with pytest.raises(ValidationError) as raised:
        _create(mobilePhone=phone)
    assert _fields_of(raised.value) == {"mobilePhone"}


@pytest.mark.parametrize("tag", ["en", "nb-NO", "zh-Hant-TW", "es-419", "de-CH-1996"])
def test_language_tags_of_bcp47_shape(tag: str) -> None:
    assert _create(language=tag).language == tag


@pytest.mark.parametrize("tag", ["e", "english", "en_US", "en-", "123"])
def test_language_tags_refused(tag: str) -> None:
    with pytest.raises(ValidationError):
        _create(language=tag)


@pytest.mark.parametrize("account", ["abc", "Jane.Doe_1-x", "a" * 64])
def test_accounts_accepted(account: str) -> None:
    assert _create(account=account).account == account


@pytest.mark.parametrize("account", ["ab", "a" * 65, "jane doe", "jane@doe", "æøå"])
def test_accounts_refused(account: str) -> None:
    with pytest.raises(ValidationError):
        _create(account=account)


def test_cidrs_are_normalised() -> None:
    request = _create(ipAllowlist=["10.0.0.1", "192.168.1.7/24", "2001:db8::/32"])
    assert request.ipAllowlist == ["10.0.0.1/32", "192.168.1.0/24", "2001:db8::/32"]


def test_password_mode_defaults() -> None:
    assert _create().effective_password_mode == "generate"
    assert _create(password="x").effective_password_mode == "set"
    assert _create(passwordMode="invite").effective_password_mode == "invite"
    for fields in ({"passwordMode": "set"}, {"passwordMode": "invite", "password": "x"},
                   {"passwordMode": "generate", "password": "x"}):
        with pytest.raises(ValidationError):
            _create(**fields)


def test_update_names_immutable_fields_and_refuses_null_for_required() -> None:
    update = UpdateAgentRequest.model_validate({"account": "x", "version": 3, "title": "t"})
    assert list(update.immutable_sent()) == ["account", "version"]
    assert update.changes() == {"title": "t"}
    assert UpdateAgentRequest.model_validate({"phone": None}).changes() == {"phone": None}
    with pytest.raises(ValidationError):
        UpdateAgentRequest.model_validate({"alias": None})


def test_me_update_takes_only_self_service_fields() -> None:
    with pytest.raises(ValidationError):
        UpdateMeRequest.model_validate({"roles": ["admin"]})
    assert UpdateMeRequest.model_validate({"showPhoto": False}).changes() == {
        "showPhoto": False}


def test_profile_only_with_log_on() -> None:
    with pytest.raises(ValidationError):
        QueueStatusRequest.model_validate({"status": "logged_off", "profileId": "p"})


def _record(**fields: Any) -> AgentRecord:
    return AgentRecord.model_validate({"id": "a1", "account": "JDoe", "email": "Jo@x.io",
                                       "firstName": "J", "alias": "Jo Doe",
                                       "createdAt": "t", "updatedAt": "t", **fields})


def test_search_items_are_one_per_folded_word() -> None:
    items = DynamoRepository.search_items(_record(firstName="Åse", lastName="Ødegård"))
    assert {(i["pk"], i["sk"]) for i in items} == {
        (f"WORD#{word[0]}", f"{word}#jdoe#a1")
        for word in ("ase", "odegard", "jo", "doe", "jdoe", "x", "io")}
    assert all(i["agentId"] == "a1" for i in items)


def test_derived_items_follow_only_what_changed() -> None:
    repository = DynamoRepository(table=None)  # type: ignore[arg-type]
    old = _record(queues=["a", "b"], numericId=1)
    new = _record(queues=["b", "c"], numericId=2, alias="Zed")
    operations = repository.derived_item_ops(old, new)
    deleted = {(o.key or {}).get("pk") for o in operations if o.kind == "Delete"}
    written = {(o.item or {}).get("pk") for o in operations if o.kind == "Put"}
    assert "REF#queues#a" in deleted and "REF#queues#c" in written
    assert "REF#queues#b" not in deleted | written
    assert keys.numeric_id_guard(1)["pk"] in deleted
    assert keys.numeric_id_guard(2)["pk"] in written
    deleted_keys = {(o.key or {}).get("sk") for o in operations if o.kind == "Delete"}
    written_keys = {(o.item or {}).get("sk") for o in operations if o.kind == "Put"}
    assert "doe#jdoe#a1" in deleted_keys and "zed#jdoe#a1" in written_keys
    # "jo" stays a word (of the email): its item is neither deleted nor rewritten
    assert "jo#jdoe#a1" not in deleted_keys | written_keys
    # Deactivation rewrites every reference (they carry ``active``)
    flipped = repository.derived_item_ops(old, _record(queues=["a", "b"], numericId=1,
                                                       active=False))
    assert {o.item["pk"] for o in flipped if o.item} == {
        "REF#queues#a", "REF#queues#b", "REF#roles#agent",
        "REF#language#en", "REF#queueStatus#logged_off",
        "REF#passwordStatus#none", "REF#locked#false",
        "REF#twoFactorEnabled#false"}  # attribute references too (flags spelt lower case)


"""Recovery and password-change messages, request bodies and code digests (no AWS)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from roster import messages
from roster.models.passwords import AdminPasswordRequest, ForgotPasswordRequest
from roster.services.sign_in.credentials import sms_number
from roster.services.sign_in.recovery import code_digest
from roster.templates.recovery import TEMPLATES

PARAMS = {"firstName": "Kari", "account": "kari.nordmann", "code": "123456",
          "minutes": "10", "changedAt": "2026-11-23 17:09:36",
          "expiresAt": "2026-11-30 17:09:36"}
GSM_7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_has_english_and_norwegian_with_the_same_fields(name: str) -> None:
    variants = TEMPLATES[name]
    assert {"en", "nb"} <= set(variants)
    fields = {language: (messages.fields_of(t.subject + t.body), messages.fields_of(t.sms))
              for language, t in variants.items()}
    assert fields["en"] == fields["nb"]


@pytest.mark.parametrize("name", sorted(TEMPLATES))
@pytest.mark.parametrize("language", ["en", "nb"])
def test_sms_texts_fit_one_gsm_7_message(name: str, language: str) -> None:
    _, _, sms = messages.render(name, language, PARAMS)
    assert sms and len(sms) <= 160 and set(sms) <= GSM_7, sms


def test_the_recovery_code_is_in_both_channels_and_the_language_is_picked() -> None:
    subject, body, sms = messages.render("recovery.code", "nb-NO", PARAMS)
    assert "123456" in body and "123456" in sms and "10 minutter" in body
    assert subject.startswith("Koden din")
    assert messages.render("recovery.code", "de", PARAMS)[0].startswith("Your Roster")


def test_code_digests_are_bound_to_the_agent() -> None:
    """A code (or its digest) of one agent is worth nothing for another."""
    assert code_digest("agent-a", "123456") != code_digest("agent-b", "123456")
    assert code_digest("agent-a", "123456") == code_digest("agent-a", "123456")
    assert "123456" not in code_digest("agent-a", "123456")


@pytest.mark.parametrize("body", [
    {"newPassword": "x"}, {"confirmPassword": "x"}, {},
    {"generate": True, "confirmPassword": "x"}, {"generate": True, "forceChange": False},
    {"generate": False},
])
def test_the_admin_body_takes_exactly_one_form(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        AdminPasswordRequest.model_validate(body)


def test_the_admin_body_forms() -> None:
    assert AdminPasswordRequest.model_validate({"generate": True}).generate
    given = AdminPasswordRequest.model_validate(
        {"newPassword": "a", "confirmPassword": "b", "forceChange": False})
    assert given.forceChange is False and not given.generate


def test_forgot_channel_is_email_or_sms() -> None:
    with pytest.raises(ValidationError):
        ForgotPasswordRequest.model_validate({"login": "jdoe", "channel": "voice"})
    assert ForgotPasswordRequest.model_validate({"login": "jdoe", "channel": "sms"})


@pytest.mark.parametrize(("stored", "sent"), [
    ("+4798765432", "+4798765432"), ("004798765432", "+4798765432"), (None, None),
    ("98765432", None), ("+47 987", None),
])
def test_sms_goes_to_the_mobile_phone_in_e164(stored: str | None, sent: str | None) -> None:
    from roster.models.agent import AgentRecord

    record = AgentRecord(id="a", account="kari", email="kari@example.com", firstName="Kari",
                         alias="Kari", mobilePhone=stored, createdAt="x", updatedAt="x")
    assert sms_number(record) == sent

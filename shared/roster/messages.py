"""Message templates: email subject and body, SMS text; one set per language.

A template is picked by the agent's ``language`` (its primary subtag), falling back to
English. Secret values (codes, temporary passwords, links) are filled in by the
notifier at send time, from the sealed part of the outbox item.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Formatter


@dataclass(frozen=True)
class Template:
    subject: str
    body: str
    sms: str = ""


FALLBACK_LANGUAGE = "en"

_WELCOME_BODY = {
    "en": (
        "Hello {firstName},\n\nAn account has been created for you.\n"
        "Account: {account}\nEmail: {email}\n%s\n"
        "Keep your credentials to yourself.\n"
    ),
    "nb": (
        "Hei {firstName},\n\nDet er opprettet en konto til deg.\n"
        "Konto: {account}\nE-post: {email}\n%s\n"
        "Hold påloggingsopplysningene for deg selv.\n"
    ),
}
_WELCOME_SUBJECT = {"en": "Your Roster account is ready", "nb": "Roster-kontoen din er klar"}
_WELCOME_PASSWORD_LINE = {
    "welcome.temporary": {
        "en": "Temporary password: {temporaryPassword}\nYou will choose your own at first "
        "sign-in.",
        "nb": "Midlertidig passord: {temporaryPassword}\nDu velger ditt eget ved første "
        "innlogging.",
    },
    "welcome.set": {
        "en": "Your administrator will give you your password.",
        "nb": "Administratoren din gir deg passordet.",
    },
    "welcome.invite": {
        "en": "Choose your password with 'Forgot password' on the sign-in page.",
        "nb": "Velg passordet ditt med «Glemt passord» på innloggingssiden.",
    },
}

TEMPLATES: dict[str, dict[str, Template]] = {
    name: {
        language: Template(subject=_WELCOME_SUBJECT[language],
                           body=_WELCOME_BODY[language] % line)
        for language, line in lines.items()
    }
    for name, lines in _WELCOME_PASSWORD_LINE.items()
}


def language_of(tag: str | None) -> str:
    return (tag or FALLBACK_LANGUAGE).split("-")[0].lower()


def pick(template: str, language: str | None) -> Template:
    variants = TEMPLATES[template]
    return variants.get(language_of(language), variants[FALLBACK_LANGUAGE])


def fields_of(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def render(template: str, language: str | None, values: dict[str, str]) -> tuple[str, str, str]:
    """Subject, email body and SMS text with ``values`` filled in."""
    chosen = pick(template, language)
    return (
        chosen.subject.format_map(values),
        chosen.body.format_map(values),
        chosen.sms.format_map(values),
    )

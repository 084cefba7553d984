"""The account-details email sent when an agent is created."""

from __future__ import annotations

from roster.templates import Template

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

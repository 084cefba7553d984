"""Password recovery codes and password-change notices (email and SMS).

``code`` is a secret parameter: it is sealed in the outbox item and filled in only by
the notifier at send time.
"""

from __future__ import annotations

from roster.templates import Template

TEMPLATES: dict[str, dict[str, Template]] = {
    "recovery.code": {
        "en": Template(
            subject="Your Roster password recovery code",
            body=(
                "Hello {firstName},\n\n"
                "Your code to choose a new password is: {code}\n"
                "It is valid for {minutes} minutes and works once.\n\n"
                "If you did not ask for it, ignore this message: your password has not "
                "changed.\n"
            ),
            sms="Roster: your password recovery code is {code}. Valid for {minutes} "
                "minutes. Do not share it.",
        ),
        "nb": Template(
            subject="Koden din for å gjenopprette passordet i Roster",
            body=(
                "Hei {firstName},\n\n"
                "Koden for å velge nytt passord er: {code}\n"
                "Den gjelder i {minutes} minutter og kan brukes én gang.\n\n"
                "Hvis du ikke har bedt om den, kan du se bort fra denne meldingen: "
                "passordet ditt er ikke endret.\n"
            ),
            sms="Roster: koden for å gjenopprette passordet er {code}. Gjelder i "
                "{minutes} minutter. Ikke del den.",
        ),
    },
    "password.changed": {
        "en": Template(
            subject="Your Roster password was changed",
            body=(
                "Hello {firstName},\n\n"
                "The password of your Roster account {account} was changed at {changedAt} "
                "(UTC) and every other signed-in session was ended.\n\n"
                "If this was not you, contact your administrator at once.\n"
            ),
            sms="Roster: the password of your account {account} was changed at "
                "{changedAt} UTC. Not you? Contact your administrator at once.",
        ),
        "nb": Template(
            subject="Passordet ditt i Roster er endret",
            body=(
                "Hei {firstName},\n\n"
                "Passordet til Roster-kontoen din {account} ble endret {changedAt} (UTC), "
                "og alle andre påloggede økter ble avsluttet.\n\n"
                "Hvis dette ikke var deg, kontakt administratoren din med en gang.\n"
            ),
            sms="Roster: passordet til kontoen din {account} ble endret {changedAt} UTC. "
                "Ikke deg? Kontakt administratoren din med en gang.",
        ),
    },
    "password.admin_temporary": {
        "en": Template(
            subject="An administrator set a temporary password for you",
            body=(
                "Hello {firstName},\n\n"
                "An administrator set a new temporary password for your Roster account "
                "{account} at {changedAt} (UTC); your sessions were ended. Your "
                "administrator gives you the password. It is valid until {expiresAt} "
                "(UTC), and you choose your own when you next sign in.\n"
            ),
            sms="Roster: an administrator set a temporary password for your account "
                "{account}. You choose your own at next sign-in.",
        ),
        "nb": Template(
            subject="En administrator har gitt deg et midlertidig passord",
            body=(
                "Hei {firstName},\n\n"
                "En administrator ga Roster-kontoen din {account} et nytt midlertidig "
                "passord {changedAt} (UTC); øktene dine ble avsluttet. Administratoren "
                "gir deg passordet. Det gjelder til {expiresAt} (UTC), og du velger ditt "
                "eget neste gang du logger på.\n"
            ),
            sms="Roster: en administrator har gitt kontoen din {account} et midlertidig "
                "passord. Du velger ditt eget ved neste pålogging.",
        ),
    },
    "password.admin_set": {
        "en": Template(
            subject="An administrator changed your password",
            body=(
                "Hello {firstName},\n\n"
                "An administrator set a new password for your Roster account {account} at "
                "{changedAt} (UTC); your sessions were ended. Your administrator gives you "
                "the password.\n"
            ),
            sms="Roster: an administrator set a new password for your account {account}.",
        ),
        "nb": Template(
            subject="En administrator har endret passordet ditt",
            body=(
                "Hei {firstName},\n\n"
                "En administrator ga Roster-kontoen din {account} et nytt passord "
                "{changedAt} (UTC); øktene dine ble avsluttet. Administratoren gir deg "
                "passordet.\n"
            ),
            sms="Roster: en administrator har gitt kontoen din {account} et nytt passord.",
        ),
    },
    "phone.changed": {
        "en": Template(
            subject="Your Roster phone number was changed",
            body=(
                "Hello {firstName},\n\n"
                "A phone number of your Roster account {account} was changed at "
                "{changedAt} (UTC). For the next 24 hours no recovery code is sent by SMS "
                "to a new number.\n\n"
                "If this was not you, contact your administrator at once.\n"
            ),
            sms="Roster: a phone number of your account {account} was changed at "
                "{changedAt} UTC. Not you? Contact your administrator at once.",
        ),
        "nb": Template(
            subject="Telefonnummeret ditt i Roster er endret",
            body=(
                "Hei {firstName},\n\n"
                "Et telefonnummer på Roster-kontoen din {account} ble endret {changedAt} "
                "(UTC). De neste 24 timene sendes ingen gjenopprettingskode på SMS til et "
                "nytt nummer.\n\n"
                "Hvis dette ikke var deg, kontakt administratoren din med en gang.\n"
            ),
            sms="Roster: et telefonnummer på kontoen din {account} ble endret {changedAt} "
                "UTC. Ikke deg? Kontakt administratoren din med en gang.",
        ),
    },
}

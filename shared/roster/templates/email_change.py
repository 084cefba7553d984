"""Email-change messages: the verification link, the notice to the old address, and the
confirmation once the change is done.

The link carries the single-use token, so it is a secret parameter (sealed in the outbox
item, filled in at send time). Addresses shown to the *old* mailbox are masked: whoever
reads it learns that a change happened, not where the account went.
"""

from __future__ import annotations

from roster.templates import Template

TEMPLATES: dict[str, dict[str, Template]] = {
    "email_change.verify": {
        "en": Template(
            subject="Confirm your new email address for Roster",
            body=(
                "Hello {firstName},\n\n"
                "This address was given as the new email of the Roster account {account}.\n"
                "Confirm it by opening this link before {expiresAt}:\n\n{link}\n\n"
                "Until then your sign-in email stays {maskedOldEmail}. If you did not ask "
                "for this, ignore this message: nothing changes.\n"
            ),
        ),
        "nb": Template(
            subject="Bekreft den nye e-postadressen din i Roster",
            body=(
                "Hei {firstName},\n\n"
                "Denne adressen er oppgitt som ny e-post for Roster-kontoen {account}.\n"
                "Bekreft den ved å åpne denne lenken før {expiresAt}:\n\n{link}\n\n"
                "Inntil da er påloggingsadressen fortsatt {maskedOldEmail}. Hvis du ikke "
                "ba om dette, kan du se bort fra meldingen: ingenting endres.\n"
            ),
        ),
    },
    "email_change.notice": {
        "en": Template(
            subject="Your Roster email address is being changed",
            body=(
                "Hello {firstName},\n\n"
                "A change of the email address of your Roster account {account} to "
                "{maskedNewEmail} was requested. It takes effect only once the new address "
                "is confirmed; until then you keep signing in with this one.\n"
                "If you did not expect this, contact your administrator.\n"
            ),
        ),
        "nb": Template(
            subject="E-postadressen din i Roster blir endret",
            body=(
                "Hei {firstName},\n\n"
                "Det er bedt om å endre e-postadressen til Roster-kontoen {account} til "
                "{maskedNewEmail}. Endringen gjelder først når den nye adressen er "
                "bekreftet; til da logger du fortsatt på med denne.\n"
                "Hvis du ikke ventet dette, kontakt administratoren din.\n"
            ),
        ),
    },
    "email_change.confirmed": {
        "en": Template(
            subject="Your Roster email address was changed",
            body=(
                "Hello {firstName},\n\n"
                "The email address of your Roster account {account} is now "
                "{maskedNewEmail}. Sign in with it from now on.\n"
                "If you did not expect this, contact your administrator.\n"
            ),
        ),
        "nb": Template(
            subject="E-postadressen din i Roster er endret",
            body=(
                "Hei {firstName},\n\n"
                "E-postadressen til Roster-kontoen {account} er nå {maskedNewEmail}. "
                "Logg på med den fra nå av.\n"
                "Hvis du ikke ventet dette, kontakt administratoren din.\n"
            ),
        ),
    },
    "email_change.address_in_use": {
        "en": Template(
            subject="Someone asked to use your email address in Roster",
            body=(
                "Hello {firstName},\n\n"
                "Someone asked to make this address the email of another Roster account. "
                "Nothing changed: it stays the email of your account {account}, and no "
                "other account can take it.\n"
                "If this keeps happening, tell your administrator.\n"
            ),
        ),
        "nb": Template(
            subject="Noen ba om å bruke e-postadressen din i Roster",
            body=(
                "Hei {firstName},\n\n"
                "Noen ba om å gjøre denne adressen til e-posten for en annen Roster-konto. "
                "Ingenting er endret: den er fortsatt e-posten til kontoen din {account}, "
                "og ingen annen konto kan ta den.\n"
                "Hvis dette skjer igjen, si fra til administratoren din.\n"
            ),
        ),
    },
}

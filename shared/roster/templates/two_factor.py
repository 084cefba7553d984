"""Notices about two-factor sign-in: turned on or off, reset, codes issued or used, lock.

None of them carries a code: admin-issued backup codes are handed over by the admin,
and the agent's own are shown once at enrolment.
"""

from __future__ import annotations

from roster.templates import Template

_CLOSING = {
    "en": "\nIf this was not you or your administrator, contact your administrator now.\n",
    "nb": "\nHvis dette ikke var deg eller administratoren din, kontakt administratoren "
          "din nå.\n",
}

_TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "two_factor.enabled": {
        "en": ("Two-factor sign-in is on",
               "Hello {firstName},\n\nTwo-factor sign-in is now on for your account "
               "{account}. You will be asked for a code from your authenticator app when "
               "you sign in. Keep your backup codes somewhere safe.\n"),
        "nb": ("Totrinnspålogging er slått på",
               "Hei {firstName},\n\nTotrinnspålogging er nå slått på for kontoen "
               "{account}. Du blir bedt om en kode fra autentiseringsappen når du logger "
               "inn. Oppbevar reservekodene dine trygt.\n"),
    },
    "two_factor.disabled": {
        "en": ("Two-factor sign-in is off",
               "Hello {firstName},\n\nTwo-factor sign-in was turned off for your account "
               "{account}. Your backup codes no longer work.\n"),
        "nb": ("Totrinnspålogging er slått av",
               "Hei {firstName},\n\nTotrinnspålogging ble slått av for kontoen {account}. "
               "Reservekodene dine virker ikke lenger.\n"),
    },
    "two_factor.reset": {
        "en": ("Two-factor sign-in was reset",
               "Hello {firstName},\n\nAn administrator reset two-factor sign-in for your "
               "account {account}: it is off and your backup codes no longer work. You can "
               "set it up again after you sign in.\n"),
        "nb": ("Totrinnspålogging ble tilbakestilt",
               "Hei {firstName},\n\nEn administrator tilbakestilte totrinnspåloggingen for "
               "kontoen {account}: den er slått av, og reservekodene virker ikke lenger. Du "
               "kan sette den opp igjen etter at du har logget inn.\n"),
    },
    "two_factor.backup_codes_issued": {
        "en": ("Backup codes were issued for your account",
               "Hello {firstName},\n\nAn administrator issued {count} backup code(s) for "
               "your account {account}. They work once each until {expiresAt} (UTC); any "
               "backup codes an administrator issued before no longer work.\n"),
        "nb": ("Det er utstedt reservekoder for kontoen din",
               "Hei {firstName},\n\nEn administrator utstedte {count} reservekode(r) for "
               "kontoen {account}. Hver kode virker én gang fram til {expiresAt} (UTC); "
               "reservekoder som en administrator utstedte tidligere, virker ikke lenger.\n"),
    },
    "two_factor.backup_code_used": {
        "en": ("A backup code was used to sign in",
               "Hello {firstName},\n\nA backup code was used to sign in to your account "
               "{account} at {at} (UTC) from {sourceIp}. That code no longer works.\n"),
        "nb": ("En reservekode ble brukt til å logge inn",
               "Hei {firstName},\n\nEn reservekode ble brukt til å logge inn på kontoen "
               "{account} {at} (UTC) fra {sourceIp}. Den koden virker ikke lenger.\n"),
    },
    "two_factor.locked": {
        "en": ("Your account is locked",
               "Hello {firstName},\n\nYour account {account} was locked after {failures} "
               "wrong two-factor codes in a row. An administrator must unlock it before "
               "you can sign in again.\n"),
        "nb": ("Kontoen din er låst",
               "Hei {firstName},\n\nKontoen {account} ble låst etter {failures} feil "
               "totrinnskoder på rad. En administrator må låse den opp før du kan logge inn "
               "igjen.\n"),
    },
}

TEMPLATES: dict[str, dict[str, Template]] = {
    name: {
        language: Template(subject=subject, body=body + _CLOSING[language])
        for language, (subject, body) in variants.items()
    }
    for name, variants in _TEXTS.items()
}

"""Where the web app and the API are served from, for the links Roster mails (the
email-verification page): never a request's ``Host``, which a caller chooses."""

from __future__ import annotations

from typing import Protocol

from roster.ports import Port


class Site(Protocol):
    def public_origin(self) -> str:
        """The public origin, ``https://roster.example.com`` (no trailing slash)."""


site = Port[Site]("site")

"""``Site`` at a fixed origin, as a deployment's parameter would give it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FixedSite:
    origin: str = "https://roster.example.com"

    def public_origin(self) -> str:
        return self.origin

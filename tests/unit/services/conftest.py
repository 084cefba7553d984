"""Service tests: the business rules on the in-memory fakes of the ports (no AWS, no
HTTP). ``fakes`` binds them for the test and puts the production adapters back after."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from roster import cursor, sealing, wiring
from roster.authorization import Actor
from roster.permissions import ADMIN_ROLE, ALL_PERMISSIONS, BUILT_IN_ROLE_NAMES, BUILT_IN_ROLES
from roster.ports import forget_all
from support.fakes import Fakes


@pytest.fixture
def fakes() -> Iterator[Fakes]:
    """Fresh fakes, with the built-in roles seeded as the installation does."""
    made = Fakes()
    made.install()
    sealing.forget_keys()  # data keys of another key service
    for role, granted in BUILT_IN_ROLES.items():
        made.world.catalog[("roles", role)] = ({
            "id": role, "name": BUILT_IN_ROLE_NAMES[role], "permissions": list(granted),
            "builtIn": True, "createdAt": "2026-01-01T00:00:00Z",
            "updatedAt": "2026-01-01T00:00:00Z"}, 0)
    yield made
    wiring.install()
    forget_all()
    sealing.forget_keys()


@pytest.fixture(autouse=True)
def cursor_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cursors signed with a fixed key (in place of the token secret's)."""
    monkeypatch.setattr(cursor, "_key", lambda: b"k" * 32)


@pytest.fixture
def admin() -> Actor:
    """An administrator (every permission); it need not exist in the store."""
    assert ADMIN_ROLE in BUILT_IN_ROLES
    return Actor("admin-id", frozenset(ALL_PERMISSIONS))

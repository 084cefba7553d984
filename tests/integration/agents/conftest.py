"""Fixtures for the agent routes: a signed-in owner on the shared ``runtime``."""

from __future__ import annotations

from typing import Any

import pytest
from agents_helpers import OWNER_PASSWORD, Api, sign_in


@pytest.fixture
def admin(runtime: Any) -> Api:
    runtime.create_owner(OWNER_PASSWORD)
    return sign_in(runtime, "admin", OWNER_PASSWORD)

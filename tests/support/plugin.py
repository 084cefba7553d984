"""The one pytest plugin of the suite (``tests/conftest.py`` loads it): every fixture.

- ``aws``: moto for everything AWS; ``runtime``: ``template.yaml`` provisioned into it,
  fresh for each test; ``owner``: the runtime with the owner (``admin``) created;
  ``admin``: the owner signed in; ``scim``: a provisioning token's SCIM client;
  ``agent_factory``: agents with an email of the test's choosing.
- ``local_server`` (acceptance) and ``fuzz_server`` (fuzz: a process of its own, so fuzzed
  changes never leak into the journeys), started once per worker; ``start_local_server``
  for a test that needs a server of its own.
- ``make test`` runs on every core (``-n auto --dist loadgroup``): the fuzz test first,
  each server's tests on one worker.
- Under ``tests/unit``: no AWS at all, settings from a fixed environment and the digest
  keys in place of Secrets Manager (``digest_keys``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from roster.models.agent import AgentRecord
from roster_local import Runtime

from support.agents import OWNER_PASSWORD, AgentFactory, make_agent, password_hash
from support.api import Caller, signed_in
from support.http import StartServer
from support.scim import scim_caller
from support.server import RunningServer, running_server
from support.stack import moto_aws

TESTS = Path(__file__).resolve().parents[1]
UNIT_TESTS = TESTS / "unit"
SERVER_GROUPS = {TESTS / "fuzz": "fuzz_server", TESTS / "acceptance": "local_server",
                 TESTS / "browser": "web_server"}
UNIT_ENV = {
    "ROSTER_TABLE_NAME": "unit-table",
    "ROSTER_KMS_KEY_ID": "unit-key",
    "ROSTER_TOKEN_SECRET_ID": "unit-secret",
    "ROSTER_DIGEST_SECRET_ID": "unit-digest-secret",
    "ROSTER_EMAIL_SENDER": "roster@example.com",
    "ROSTER_PHOTO_BUCKET": "unit-bucket",
    # Any accidental AWS call fails fast instead of reaching a real endpoint.
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    "AWS_ACCESS_KEY_ID": "unit",
    "AWS_SECRET_ACCESS_KEY": "unit",
    "AWS_DEFAULT_REGION": "us-east-1",
}


# ----------------------------------------------------------------------------- scheduling
@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """For ``make test`` (``-n auto --dist loadgroup``): the tests of each local server in
    one group, so one worker starts it; the fuzz test (the longest) first, so it runs
    beside the rest instead of after it."""
    for item in items:
        for directory, group in SERVER_GROUPS.items():
            if directory in item.path.parents:
                item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=lambda item: TESTS / "fuzz" not in item.path.parents)


# ----------------------------------------------------------------------------- in process
@pytest.fixture
def aws() -> Iterator[None]:
    """moto for everything AWS, with dummy credentials (and a transaction rollback that
    copies the items a transaction names, not the tables: see ``moto_tuning``)."""
    with moto_aws():
        yield


@pytest.fixture
def runtime(aws: None) -> Runtime:
    """``template.yaml`` provisioned into moto, its functions' environment set (``aws``
    puts the environment back)."""
    return Runtime().provision()


@pytest.fixture
def owner(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Runtime:
    """The runtime with the owner (``admin``, ``OWNER_PASSWORD``) created as the stack's
    bootstrap does, its password hashed once per worker (``password_hash``)."""
    from roster import passwords

    with monkeypatch.context() as patched:
        patched.setattr(passwords, "hash_password", password_hash)
        runtime.create_owner(OWNER_PASSWORD)
    return runtime


@pytest.fixture
def admin(owner: Runtime) -> Caller:
    """The owner, signed in."""
    return signed_in(owner, "admin", OWNER_PASSWORD)


@pytest.fixture
def scim(admin: Caller) -> Caller:
    """An identity provider: a provisioning token the owner created, for ``/scim/v2``."""
    return scim_caller(admin)


@pytest.fixture
def agent_factory(runtime: Runtime) -> AgentFactory:
    """An agent Jane Doe with ``email`` (and a random account unless one is given)."""

    def create(email: str, account: str | None = None, **fields: Any) -> AgentRecord:
        return make_agent(account or f"a{uuid.uuid4().hex[:10]}", email=email,
                          **{"firstName": "Jane", "lastName": "Doe", "alias": "Jane Doe",
                             **fields})

    return create


# ----------------------------------------------------------------------------- over HTTP
@pytest.fixture(scope="session")
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("roster-local") / "server.log",
                        OWNER_PASSWORD) as server:
        yield server


@pytest.fixture(scope="session")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("roster-fuzz") / "server.log",
                        OWNER_PASSWORD) as server:
        yield server


@pytest.fixture
def start_local_server() -> StartServer:
    """For a test that needs a server of its own (another start-up configuration)."""
    return running_server


# ----------------------------------------------------------------------------- unit tests
@pytest.fixture(autouse=True)
def unit_environment(request: pytest.FixtureRequest) -> None:
    """Unit tests run with no AWS at all: every test under ``tests/unit`` gets the unit
    settings and digest keys."""
    if UNIT_TESTS in request.path.parents:
        request.getfixturevalue("digest_keys")


@pytest.fixture
def unit_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from roster.config import get_settings

    for name, value in UNIT_ENV.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def digest_keys(unit_settings: None, monkeypatch: pytest.MonkeyPatch
                ) -> Iterator[dict[str, bytes]]:
    """The digest secret's versions by stage, in place of Secrets Manager (a test may
    add ``codes.PREVIOUS`` or replace ``codes.CURRENT`` to rotate)."""
    from roster import codes

    keys = {codes.CURRENT: b"unit-digest-key"}
    monkeypatch.setattr(codes, "_fetch", keys.get)
    codes.forget_keys()
    yield keys
    codes.forget_keys()


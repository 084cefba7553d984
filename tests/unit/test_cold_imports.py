"""What each function loads at cold start: only what its routes need on every request.

The cold import of a function is paid by the first request of every new instance, and
``make bench`` holds it to 1.3 x ``import boto3`` + a validating Powertools resolver.
Heavy, rarely used dependencies load on first use instead; this test asserts the module
sets (not timings, which a shared machine cannot measure reliably) so that a new
top-level import of one of them fails here rather than quietly slowing every function.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py"))

# Loaded on first use, by the code paths that need them, in every function:
ON_FIRST_USE = {
    "jwt": "issuing (auth) and reading (authorizer) access tokens",
    "cryptography": "JWT and KMS envelope sealing",
    "argon2": "hashing and verifying passwords",
    "phonenumbers": "validating phone numbers in agent requests",
    "email_validator": "validating email addresses in agent requests",
    "zxcvbn": "the password policy's common-password list",
    "pyotp": "TOTP codes",
    "aws_xray_sdk": "the tracer (Tracing: Active traces without it)",
    "pydantic_settings": "nothing any more: settings are a plain pydantic model",
    "dotenv": "nothing (pydantic_settings pulled it in)",
}
# ...except where every route of the function needs them anyway.
NEEDED_AT_START = {
    "two_factor": {"pyotp"},  # enrolment, confirmation and turning 2FA off all use TOTP
    "scim": {"email_validator"},  # scim2-models (every SCIM answer) imports it with pydantic
}
# Roster modules no function loads at start (the notifier renders messages on each record).
ROSTER_ON_FIRST_USE = {"roster_local", "roster.openapi", "roster.messages", "roster.templates"}
NEEDS_MESSAGES = {"notifier"}
# An area's models are loaded by the functions that serve it, not by every function that
# uses the repository (which maps every item type, loading these on first use).
AREA_MODELS = {
    "roster.models.two_factor": {"two_factor"},
    # scim: SCIM Users are agents (a first password too), Groups are queues
    "roster.models.passwords": {"password", "scim"},
    "roster.models.email_change": {"email_verification"},
    "roster.models.catalog": {"catalog", "scim"},
    "roster.models.agents_api": {"agents", "bootstrap", "imports", "import_worker", "scim"},
    "roster.models.auth": {"auth", "password", "two_factor"},
}

# ...except scim2-models' subclasses: the library resolves filters and PATCH paths on
# their built fields (``defer_build`` leaves them unresolved: "Field not found").
BUILT_AT_IMPORT = ("roster.models.scim.",)

PROBE = """
import gc, json, sys
import app
from pydantic import BaseModel

built = sorted(
    f"{cls.__module__}.{cls.__qualname__}"
    for name, module in list(sys.modules.items()) if name.startswith("roster.models")
    for cls in vars(module).values()
    if isinstance(cls, type) and issubclass(cls, BaseModel)
    and cls.__module__ == name and cls.__pydantic_complete__
)
print(json.dumps({"modules": sorted(sys.modules), "built": built,
                  "frozen": [str(gc.get_freeze_count())]}))
"""


def _cold_import(function: str) -> dict[str, list[str]]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "shared"),
        "ROSTER_TABLE_NAME": "t",
        "ROSTER_KMS_KEY_ID": "k",
        "ROSTER_TOKEN_SECRET_ID": "s",
        "ROSTER_DIGEST_SECRET_ID": "d",
        "ROSTER_EMAIL_SENDER": "e@example.com",
        "ROSTER_PHOTO_BUCKET": "b",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT / "functions" / function, env=env,
        capture_output=True, text=True, check=True,
    )
    loaded: dict[str, list[str]] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


@pytest.fixture(scope="module", params=FUNCTIONS)
def cold(request: pytest.FixtureRequest) -> tuple[str, dict[str, list[str]]]:
    return request.param, _cold_import(request.param)


def _top_level(modules: list[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_every_function_is_probed() -> None:
    # Given the functions directory / Then the probe covers the API and event functions
    assert {"agents", "auth", "authorizer", "notifier", "two_factor"} <= set(FUNCTIONS)


def test_heavy_dependencies_load_on_first_use(cold: tuple[str, dict[str, list[str]]]) -> None:
    # Given a fresh interpreter / When it imports the function's app.py
    function, loaded = cold
    # Then none of the heavy dependencies its routes need only sometimes is loaded
    unexpected = (_top_level(loaded["modules"]) & set(ON_FIRST_USE)) - NEEDED_AT_START.get(
        function, set())
    assert not unexpected, {name: ON_FIRST_USE[name] for name in unexpected}


def test_rarely_used_roster_modules_load_on_first_use(
        cold: tuple[str, dict[str, list[str]]]) -> None:
    # Given a fresh interpreter / When it imports the function's app.py
    function, loaded = cold
    allowed = {"roster.messages", "roster.templates"} if function in NEEDS_MESSAGES else set()
    # Then neither the local runtime, the OpenAPI generator nor (but in the notifier)
    # the message templates are loaded
    unexpected = {name for name in loaded["modules"]
                  if any(name == m or name.startswith(m + ".") for m in ROSTER_ON_FIRST_USE)
                  and not any(name == m or name.startswith(m + ".") for m in allowed)}
    assert not unexpected


def test_an_areas_models_load_in_its_functions_only(
        cold: tuple[str, dict[str, list[str]]]) -> None:
    # Given a fresh interpreter / When it imports the function's app.py
    function, loaded = cold
    # Then it has loaded no other area's model module
    foreign = {module for module, owners in AREA_MODELS.items()
               if module in loaded["modules"] and function not in owners}
    assert not foreign


def test_the_long_lived_objects_are_frozen(cold: tuple[str, dict[str, list[str]]]) -> None:
    # Given a fresh interpreter / When it imports a function that uses the layer
    function, loaded = cold
    if not any(name == "roster" for name in loaded["modules"]):
        pytest.skip(f"{function} does not import the layer at start")
    # Then the modules imported before Roster are out of the collector's sight
    assert int(loaded["frozen"][0]) > 10_000


def test_no_model_is_built_at_import(cold: tuple[str, dict[str, list[str]]]) -> None:
    # Given a fresh interpreter / When it imports the function's app.py
    _, loaded = cold
    # Then no Roster model has built its validator yet (defer_build: the first request
    # builds the few it uses, not every model the repository maps)
    assert [name for name in loaded["built"] if not name.startswith(BUILT_AT_IMPORT)] == []

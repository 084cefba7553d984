"""The one settings model, read once per cold start.

Every ``ROSTER_*`` variable of the contract is here with its documented default.
Resource names (table, key, secret, sender...) have no default: a function that is
deployed without them fails at start instead of writing to the wrong place.

A plain pydantic model reads the environment itself (``ROSTER_`` + the field name, in
any case, as ``pydantic_settings`` did): importing ``pydantic_settings`` cost every
function ~25 ms of cold start (dotenv, argparse, its CLI and secrets sources) for what
is one dictionary comprehension here. Keyword arguments win over the environment.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CHARACTER_CLASSES = ("lower", "upper", "digit", "symbol")
ENV_PREFIX = "roster_"
ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    # Resources (no defaults: set by template.yaml or the local server).
    table_name: str
    kms_key_id: str
    token_secret_id: str
    digest_secret_id: str
    email_sender: str
    photo_bucket: str
    # The email-verification page; empty: the app's page on the public origin, which is
    # ``public_origin`` (a custom domain) or the value of the SSM parameter named by
    # ``public_origin_parameter`` (the distribution's address, written once it exists).
    verification_url_base: str = ""
    public_origin: str = ""
    public_origin_parameter: str = ""
    # Extra origins allowed to call the API from a browser (CORS, exact match).
    allowed_origins: tuple[str, ...] = ()
    # The web app's refresh-token cookie is ``Secure`` except from the local server,
    # which serves plain HTTP on the loopback address (it sets this to false).
    refresh_cookie_secure: bool = True
    dead_letter_queue_url: str = ""
    import_queue_url: str = ""

    # The contract's configuration variables.
    otp_ttl_seconds: int = Field(default=600, ge=60, le=86400)
    otp_max_attempts: int = Field(default=5, ge=1, le=100)
    otp_requests_per_hour: int = Field(default=5, ge=1, le=100)
    two_factor_max_failures: int = Field(default=5, ge=1, le=100)
    password_max_failures: int = Field(default=10, ge=1, le=100)
    password_max_failures_per_agent: int = Field(default=100, ge=1, le=100000)
    password_lockout_seconds: int = Field(default=900, ge=1)
    email_change_ttl_seconds: int = Field(default=86400, ge=60)
    email_change_requests_per_hour: int = Field(default=5, ge=1, le=100)
    temp_password_ttl_seconds: int = Field(default=604800, ge=60)
    backup_code_ttl_seconds: int = Field(default=86400, ge=60)
    access_token_ttl_seconds: int = Field(default=900, ge=60, le=86400)
    password_min_length: int = Field(default=12, ge=8, le=128)
    password_require_classes: tuple[str, ...] = ("lower", "upper", "digit")

    # Roster's own additions (documented in docs/api.md).
    session_ttl_seconds: int = Field(default=43200, ge=300)
    challenge_ttl_seconds: int = Field(default=300, ge=30)
    # Bulk import: welcome mails one worker writes per second (x the workers the queue
    # runs at once = the rate SES sees), and the receives after which a batch is final.
    # SCIM: whether agents an identity provider creates get the welcome mail.
    scim_send_welcome: bool = True
    import_welcomes_per_second: float = Field(default=5.0, gt=0, le=1000)
    import_max_receives: int = Field(default=5, ge=1, le=1000)

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, values: Any) -> Any:
        """``ROSTER_<FIELD>`` variables (case-insensitive) under any keyword arguments."""
        if not isinstance(values, dict):
            return values
        environment = {
            name[len(ENV_PREFIX):]: value
            for name, value in ((key.lower(), value) for key, value in os.environ.items())
            if name.startswith(ENV_PREFIX) and name[len(ENV_PREFIX):] in cls.model_fields
        }
        return {**environment, **values}

    @field_validator("password_require_classes", "allowed_origins", mode="before")
    @classmethod
    def _split_classes(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        """Each an origin as a browser sends it (``https://app.example.com``, a port
        allowed): no path, no trailing slash, no wildcard, since matching is exact."""
        bad = [origin for origin in value if not ORIGIN.fullmatch(origin)]
        if bad:
            raise ValueError(f"not origins (scheme://host[:port]): {bad}")
        return value

    @field_validator("password_require_classes")
    @classmethod
    def _known_classes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [name for name in value if name not in CHARACTER_CLASSES]
        if unknown:
            raise ValueError(f"unknown character classes {unknown}; use {CHARACTER_CLASSES}")
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()  # type: ignore[call-arg]  # the environment fills the fields

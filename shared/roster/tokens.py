"""Access tokens (JWT, HS256) and the opaque refresh/challenge token formats.

The signing key lives in Secrets Manager and is fetched through the key service
(``roster.ports.secrets``), which caches it so a warm function never calls Secrets Manager.

``jwt`` (which loads ``cryptography``, ~30 ms) is imported on first use: only the auth
function issues access tokens and only the authorizer reads them, while every function
that signs cursors or parses refresh tokens imports this module.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from roster import clock
from roster.config import get_settings
from roster.ports.secrets import key_service

ISSUER = "roster"
AUDIENCE = "roster-api"
ALGORITHM = "HS256"
LEEWAY_SECONDS = 5


@dataclass(frozen=True)
class AccessClaims:
    agent_id: str
    session_id: str
    roles: tuple[str, ...]


def forget_keys() -> None:
    """Drop the cached signing key with the key service holding it (tests switch
    endpoints)."""
    key_service.forget()


def _signing_key() -> str:
    return key_service().signing_key()


def issue_access_token(agent_id: str, session_id: str, roles: list[str]) -> str:
    issued = clock.now()
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": agent_id,
        "sid": session_id,
        "roles": roles,
        "iat": clock.epoch(issued),
        "exp": clock.epoch(issued + timedelta(seconds=get_settings().access_token_ttl_seconds)),
        "jti": uuid.uuid4().hex,
    }
    import jwt

    return jwt.encode(claims, _signing_key(), algorithm=ALGORITHM)


def read_access_token(token: str) -> AccessClaims | None:
    """The claims of a valid, unexpired token signed by us; ``None`` for anything else."""
    import jwt

    try:
        claims = jwt.decode(
            token,
            _signing_key(),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "sub", "sid", "aud", "iss"]},
        )
    except jwt.PyJWTError:
        return None
    roles = claims.get("roles")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        return None
    if not isinstance(claims["sub"], str) or not isinstance(claims["sid"], str):
        return None
    return AccessClaims(claims["sub"], claims["sid"], tuple(roles))


@dataclass(frozen=True)
class RefreshToken:
    """``<agentId>.<sessionId>.<secret>``: the ids locate the session, the secret proves it."""

    agent_id: str
    session_id: str
    secret: str

    def __str__(self) -> str:
        return f"{self.agent_id}.{self.session_id}.{self.secret}"

    @classmethod
    def parse(cls, raw: str) -> RefreshToken | None:
        parts = raw.split(".")
        if len(parts) != 3 or not all(parts) or len(raw) > 300:
            return None
        try:
            uuid.UUID(parts[0])
            uuid.UUID(parts[1])
        except ValueError:
            return None
        return cls(parts[0], parts[1], parts[2])

"""Where the tokens live: ``$ROSTER_CONFIG_DIR/credentials.json`` or
``~/.config/roster/credentials.json``, readable by the user only (file 0600, folder 0700)."""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from roster_cli.errors import CliError


@dataclass
class Credentials:
    url: str
    login: str
    accessToken: str  # stored as the API names it
    refreshToken: str


def config_dir() -> Path:
    configured = os.environ.get("ROSTER_CONFIG_DIR")
    return Path(configured) if configured else Path.home() / ".config" / "roster"


def credentials_path() -> Path:
    return config_dir() / "credentials.json"


def load() -> Credentials:
    path = credentials_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Credentials(**{name: str(data[name]) for name in
                              ("url", "login", "accessToken", "refreshToken")})
    except FileNotFoundError:
        raise CliError("not_signed_in", "run `roster login --url URL` first") from None
    except (ValueError, KeyError, TypeError):
        raise CliError("bad_credentials_file",
                       f"{path} is unreadable: run `roster login` again") from None


def save(credentials: Credentials) -> Path:
    """Written to a new 0600 file beside the old one, then renamed over it, so the
    tokens are never readable by others, not even for a moment."""
    folder = config_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    path = credentials_path()
    temporary = path.with_name(f".credentials.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as output:
        json.dump(asdict(credentials), output, indent=2)
    os.replace(temporary, path)
    return path


def forget() -> bool:
    try:
        credentials_path().unlink()
    except FileNotFoundError:
        return False
    return True


@contextmanager
def locked() -> Iterator[None]:
    """Held while a refresh token is spent: a refresh token is good for one use, and a
    second presentation ends the session, so roster processes running side by side
    (``xargs -P``) must refresh one at a time, each re-reading what the last one saved."""
    folder = config_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(folder / "credentials.lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)

"""The ways a command fails: the server said no (exit 1), no server answered (exit 2),
or the command refused its input before sending anything (exit 2).
``roster_cli.main.main`` prints each as one line on stderr, never a traceback."""

from __future__ import annotations

from typing import Any


class CliError(Exception):
    """Printed as ``error: <code>: <detail>``; the process exits with ``exit_code``."""

    exit_code = 1

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class Problem(CliError):
    """A problem document (RFC 9457) from the server; the fields it names follow."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        code = str(body.get("code") or f"http_{status}")
        detail = str(body.get("detail") or body.get("title") or "")
        for error in body.get("errors") or []:
            if isinstance(error, dict):
                detail += f" [{error.get('field')}: {error.get('message')}]"
        super().__init__(code, detail)
        self.status = status
        self.body = body


class Unreachable(CliError):
    """No Roster answered: connection refused, a wrong URL, a timeout (exit 2)."""

    exit_code = 2


class NotSent(CliError):
    """Input the server would refuse, refused before a byte is sent (a file too large
    to import): a usage error, exit 2 like Typer's own."""

    exit_code = 2

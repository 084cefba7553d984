"""The two ways a command fails: the server said no (exit 1), or no server answered
(exit 2). Both print one line on stderr, never a traceback."""

from __future__ import annotations

from typing import IO, Any

import click


class CliError(click.ClickException):
    """``error: <code>: <detail>`` on stderr (click prints it and exits)."""

    exit_code = 1

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


class Problem(CliError):
    """A problem document (RFC 9457) from the server."""

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

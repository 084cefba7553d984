"""Loopback only: what the local server and its embedded moto answer, and to whom.

Both listen on 127.0.0.1, but a web page can still reach them by DNS rebinding: its
own host name, re-resolved to 127.0.0.1, makes the browser treat the local server as
same-origin. Such a request still carries the page's host name in ``Host``, so both
servers answer only ``127.0.0.1:<port>`` and ``localhost:<port>``; anything else gets
``421 misdirected_request``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Collection, Iterable
from typing import Any

from roster.errors import PROBLEM_CONTENT_TYPE, problem_document

LOOPBACK_NAMES = ("127.0.0.1", "localhost")
MISDIRECTED_STATUS = 421

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def host_allowed(host: str | None, port: int) -> bool:
    """Whether a ``Host`` header names this loopback server (host names are caseless)."""
    return host is not None and host.strip().lower() in {
        f"{name}:{port}" for name in LOOPBACK_NAMES}


def single_host(hosts: list[str]) -> str | None:
    """The request's one ``Host``; ``None`` when it has none or several (the first of two
    would decide in one place and the second in another)."""
    return hosts[0] if len(hosts) == 1 else None


def origin_allowed(origin: str | None, port: int, *, own_pages: bool,
                   extra: Collection[str] = ()) -> bool:
    """Whether a browser's ``Origin`` may reach this server: none (not a browser), or, when
    the server serves its own pages (the API and the web app), its own origin or one of
    the ``extra`` origins the stack allows (``AllowedOrigins``, matched exactly)."""
    if origin is None:
        return True
    return own_pages and (origin in extra or origin.strip().lower() in {
        f"http://{name}:{port}" for name in LOOPBACK_NAMES})


def cross_origin_problem(origin: str) -> dict[str, Any]:
    return problem_document(403, "forbidden", "Cross-origin request refused",
                            f"This local server answers no page of {origin!r}")


def misdirected_problem(host: str | None) -> dict[str, Any]:
    detail = (f"This server answers only {' or '.join(LOOPBACK_NAMES)} with its port, "
              f"not {host!r}")
    return problem_document(MISDIRECTED_STATUS, "misdirected_request", "Misdirected request",
                            detail)


def loopback_only(app: WsgiApp) -> WsgiApp:
    """``app`` (moto's WSGI application) behind the same ``Host`` check, and refusing
    every browser request (one with an ``Origin``, or a CORS preflight)."""

    def guarded(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST")
        origin = environ.get("HTTP_ORIGIN")
        if not host_allowed(host, int(environ["SERVER_PORT"])):
            status, problem = f"{MISDIRECTED_STATUS} Misdirected Request", \
                misdirected_problem(host)
        elif origin is not None or environ.get("REQUEST_METHOD") == "OPTIONS":
            # moto answers CORS for any origin: a page that found its port could read and
            # write the whole table. AWS SDKs send no Origin and no preflight.
            status, problem = "403 Forbidden", cross_origin_problem(origin or "a preflight")
        else:
            return app(environ, start_response)
        body = json.dumps(problem).encode("utf-8")
        start_response(status, [("Content-Type", PROBLEM_CONTENT_TYPE),
                                ("Content-Length", str(len(body)))])
        return [body]

    return guarded


def one_at_a_time(app: WsgiApp) -> WsgiApp:
    """``app`` serving one request at a time. moto's backends are not thread-safe: two
    conditional writes served together could both pass their condition. AWS applies
    each request atomically, and Roster's "exactly once" rules rely on that, so the
    embedded moto does too (the request's whole body is produced under the lock)."""
    lock = threading.Lock()

    def serialized(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        with lock:
            return list(app(environ, start_response))

    return serialized


class EmbeddedMoto:
    """moto's server on a free loopback port, behind ``loopback_only`` (what
    ``moto.server.ThreadedMotoServer`` does, with the guard in front)."""

    def __init__(self, host: str) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        app = loopback_only(one_at_a_time(DomainDispatcherApplication(create_backend_app)))
        self._server = make_server(host, 0, app, threaded=True,
                                   request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto",
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self._server.host}:{self._server.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)

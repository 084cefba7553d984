"""``roster-local`` (``make run``): Roster on http://127.0.0.1:3000 with an embedded AWS.

It starts a moto server on a free loopback port, points every AWS client of this
process at it, provisions ``template.yaml`` into it, creates the owner, and serves the
API through ``Runtime``: API Gateway, the authorizer, the functions and the stream
notifier as AWS would run them (the stream is delivered after the answer, from a
poller thread). The web app (``web/dist``) at ``/app/`` (``roster_local.webapp``). Two
local-only routes: ``GET /_local/outbox`` and
``POST /_local/run/{function}``. Only requests for ``127.0.0.1:<port>`` or
``localhost:<port>`` are served, by it and by moto (``roster_local.loopback``); a known
path asked with a method no route declares gets ``405`` with ``Allow``. Both are
werkzeug's threaded servers; ``LocalApp`` is the WSGI application in front of ``Runtime``.

Environment: ``ROSTER_PORT`` (default 3000; 0 picks a free port),
``ROSTER_LOCAL_ADMIN_PASSWORD`` (the owner's password, never printed; generated and
printed once if unset).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterable
from types import FrameType
from typing import Any
from urllib.parse import unquote, urlsplit

from roster.errors import PROBLEM_CONTENT_TYPE, MethodNotAllowed, problem_document
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wsgi import ClosingIterator, get_input_stream

from roster_local.functions import FunctionFailed, UnknownFunction
from roster_local.gateway import LocalResponse, declared_methods
from roster_local.loopback import (
    MISDIRECTED_STATUS,
    EmbeddedMoto,
    StartResponse,
    cross_origin_problem,
    host_allowed,
    misdirected_problem,
    origin_allowed,
    single_host,
)
from roster_local.runtime import (
    DEFAULT_PORT,
    DEFAULT_REGION,
    MAX_PAYLOAD_BYTES,
    Runtime,
    local_parameters,
    log,
)
from roster_local.webapp import is_app_path, serve_app

HOST = "127.0.0.1"
OUTBOX_PATH = "/_local/outbox"
RUN_PREFIX = "/_local/run/"
ADMIN_PASSWORD_VARIABLE = "ROSTER_LOCAL_ADMIN_PASSWORD"
ALLOWED_ORIGINS_VARIABLE = "ROSTER_ALLOWED_ORIGINS"  # the AllowedOrigins parameter
PUMP_INTERVAL_SECONDS = 1.0
# werkzeug listens with this backlog already; socketserver's default of 5 reset
# connections when 20 clients raced.
LISTEN_BACKLOG = 128
# What the request handler adds to the WSGI environ: the request target and the header
# lines as received (the environ joins repeated headers and drops names with "_").
RAW_TARGET = "roster_local.target"
RAW_HEADERS = "roster_local.headers"
_HOP_BY_HOP = {"connection", "content-length", "transfer-encoding", "keep-alive"}


class RequestHandler(WSGIRequestHandler):
    """werkzeug's handler (every method, chunked bodies, ``Expect: 100-continue``), with
    the request as received kept for ``LocalApp`` and ``http.server``'s own refusals
    answered as problem documents."""

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        environ[RAW_TARGET] = self.path
        environ[RAW_HEADERS] = list(self.headers.items())
        return environ

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Silenced: ``LocalApp`` logs one line per request, without query or headers."""

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        """A header line too long, too many headers, a malformed request line: a problem
        document, not ``http.server``'s HTML page."""
        self.close_connection = True
        title = message or self.responses.get(code, ("Error",))[0]
        document = problem_document(code, "bad_request" if code < 500 else "internal_error",
                                    title, explain or title)
        body = json.dumps(document).encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", PROBLEM_CONTENT_TYPE)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if getattr(self, "command", None) != "HEAD":
            self.wfile.write(body)


class LocalApp:
    """The WSGI application: every request goes to ``Runtime.invoke``, except the two
    local-only routes. ``runtime`` is bound once provisioned, before the server serves."""

    runtime: Runtime
    # where presigned photo URLs point (the embedded moto): the app's CSP allows images
    # from it
    photo_origin: str = ""

    def __init__(self, runtime: Runtime | None = None) -> None:
        if runtime is not None:
            self.runtime = runtime

    def __call__(self, environ: dict[str, Any], start_response: StartResponse
                 ) -> Iterable[bytes]:
        started = time.monotonic()
        method = str(environ["REQUEST_METHOD"])
        target = urlsplit(str(environ[RAW_TARGET]))
        response = self._respond(environ, method, target.path, target.query)
        headers = [(name, value) for name, value in response.headers.items()
                   if name.lower() not in _HOP_BY_HOP]
        headers.append(("Content-Length", str(len(response.body))))
        start_response(f"{response.status} {_reason(response.status)}", headers)

        def answered() -> None:
            # werkzeug calls this once the answer is written: the stream is delivered
            # after it, as AWS does
            self.runtime.stream_records_due()
            elapsed = (time.monotonic() - started) * 1000
            log.info("%s %s %d %.0fms", method, target.path, response.status, elapsed)

        return ClosingIterator([response.body], answered)

    def _respond(self, environ: dict[str, Any], method: str, path: str,
                 query: str) -> LocalResponse:
        runtime = self.runtime
        api = runtime.template.api_for_path(path)  # whose gateway responses answer
        raw_headers: list[tuple[str, str]] = environ[RAW_HEADERS]
        try:
            body = _read_body(environ)
        except (ValueError, OSError):  # a Content-Length or chunk size that is not a number
            return runtime.gateway_response("BAD_REQUEST_BODY", api=api)
        port = int(environ["SERVER_PORT"])
        host = single_host(_values(raw_headers, "Host"))
        if not host_allowed(host, port):
            return _json(MISDIRECTED_STATUS, misdirected_problem(host), PROBLEM_CONTENT_TYPE)
        if len(_values(raw_headers, "Authorization")) > 1:
            # which one counts would differ between two readers: none does
            return _json(400, problem_document(
                400, "bad_request", "Bad request", "Send one Authorization header"),
                PROBLEM_CONTENT_TYPE)
        origins = _values(raw_headers, "Origin")
        origin = origins[0] if origins else None
        if not origin_allowed(origin, port, own_pages=True, extra=runtime.allowed_origins):
            assert origin is not None
            return _json(403, cross_origin_problem(origin), PROBLEM_CONTENT_TYPE)
        if is_app_path(path):
            return serve_app(method, path, self.photo_origin)
        try:
            if path == OUTBOX_PATH or path.startswith(RUN_PREFIX):
                return self._local_route(method, path)
            allowed = declared_methods(runtime.template.routes, path)
            if allowed and method not in allowed and "ANY" not in allowed \
                    and api is runtime.template.default_api:
                # (another API, SCIM's, answers as deployed: its 404 gateway response;
                # every path also answers its CORS preflight, OPTIONS, not listed)
                return _method_not_allowed([name for name in allowed if name != "OPTIONS"])
            headers: dict[str, list[str]] = {}
            for name, value in raw_headers:
                headers.setdefault(name, []).append(value)
            return runtime.invoke(
                method,
                f"{path}?{query}" if query else path,
                headers=headers,
                body=body or None,
                source_ip=str(environ["REMOTE_ADDR"]),
            )
        except Exception:
            log.exception("%s %s: the local runtime failed", method, path)
            return runtime.gateway_response("DEFAULT_5XX", api=api)

    def _local_route(self, method: str, path: str) -> LocalResponse:
        if path == OUTBOX_PATH:
            if method != "GET":
                return _method_not_allowed(["GET"])
            return _json(200, {"messages": self.runtime.outbox()})
        if method != "POST":
            return _method_not_allowed(["POST"])
        return _run(self.runtime, unquote(path[len(RUN_PREFIX) :]))


def listen(host: str, port: int, app: LocalApp) -> BaseWSGIServer:
    """werkzeug's threaded server for ``app`` on ``host:port`` (0: a free port), bound
    and listening with a backlog of ``LISTEN_BACKLOG``; ``serve_forever`` to serve."""
    server = make_server(host, port, app, threaded=True, request_handler=RequestHandler)
    assert server.request_queue_size >= LISTEN_BACKLOG
    return server


def _values(headers: list[tuple[str, str]], name: str) -> list[str]:
    wanted = name.lower()
    return [value for key, value in headers if key.lower() == wanted]


def _read_body(environ: dict[str, Any]) -> bytes:
    """The body, de-chunked by werkzeug; a Content-Length that is not a number raises
    ``ValueError`` (werkzeug would read it as 0)."""
    length = environ.get("CONTENT_LENGTH")
    if length and not environ.get("wsgi.input_terminated"):
        int(length)
    # API Gateway takes 10 MB at most: one byte more is enough for the runtime's 413.
    return get_input_stream(environ).read(MAX_PAYLOAD_BYTES + 1)


def _reason(status: int) -> str:
    return RequestHandler.responses.get(status, ("Unknown",))[0]


def _json(status: int, document: Any, content_type: str = "application/json") -> LocalResponse:
    body = json.dumps(document, default=str).encode("utf-8")
    return LocalResponse(status, {"Content-Type": content_type}, body)


def _method_not_allowed(allowed: list[str]) -> LocalResponse:
    """A known path asked with a method no route declares (API Consistency v2)."""
    response = _json(405, MethodNotAllowed().problem(), PROBLEM_CONTENT_TYPE)
    response.headers["Allow"] = ", ".join(allowed)
    return response


def _run(runtime: Runtime, name: str) -> LocalResponse:
    """``POST /_local/run/{function}``: run a scheduled (or hand-run) function now."""
    try:
        return _json(200, {"function": name, "result": runtime.run_function(name)})
    except UnknownFunction:
        detail = f"There is no scheduled or hand-run function named {name!r}"
        problem = problem_document(404, "not_found", "Not found", detail)
        return _json(404, problem, PROBLEM_CONTENT_TYPE)
    except FunctionFailed:
        log.exception("scheduled function %s failed", name)
        return runtime.gateway_response("DEFAULT_5XX", status=502)


# --------------------------------------------------------------------------- process


def point_aws_at(endpoint: str) -> None:
    """Every AWS client of this process talks to the embedded moto server, with dummy
    credentials; the user's ROSTER_* settings are left alone."""
    for name in [name for name in os.environ if name.startswith("AWS_ENDPOINT_URL_")]:
        del os.environ[name]
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": DEFAULT_REGION,
            "AWS_REGION": DEFAULT_REGION,
        }
    )


def _port() -> int:
    value = os.environ.get("ROSTER_PORT", str(DEFAULT_PORT))
    if not value.isdigit() or int(value) > 65535:
        raise SystemExit(f"ROSTER_PORT must be a port number, not {value!r}")
    return int(value)


def main() -> int:
    """Run until Ctrl-C or SIGTERM; exit 0 after a clean shutdown."""
    from roster_local.moto_tuning import tuned_moto

    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    log.setLevel(logging.INFO)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-call access log
    # Functions that record no metric on a request would warn on each one.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    app = LocalApp()
    try:
        httpd = listen(HOST, _port(), app)
    except OSError as error:
        print(f"Cannot listen on {HOST}:{_port()}: {error.strerror}", file=sys.stderr)
        return 1
    # A transaction snapshots the items it names, not the whole table: moto's own
    # rollback copies the table for every transaction, and a server's table only grows;
    # item and stream answers skip moto's model-walking serializer; a symmetric KMS key
    # gets no RSA key it would never use.
    with tuned_moto():
        return _serve(httpd, app, stop)


def _serve(httpd: BaseWSGIServer, app: LocalApp, stop: threading.Event) -> int:
    """Embedded AWS up, stack provisioned, owner made; serve until ``stop``."""
    moto = EmbeddedMoto(HOST)
    moto.start()
    http: threading.Thread | None = None
    runtime: Runtime | None = None
    try:
        point_aws_at(moto.url)
        app.photo_origin = moto.url
        port = httpd.server_address[1]
        runtime = Runtime(parameters=local_parameters(
            port, os.environ.get(ALLOWED_ORIGINS_VARIABLE, "")))
        app.runtime = runtime.provision()
        given = os.environ.get(ADMIN_PASSWORD_VARIABLE) or None
        password = runtime.create_owner(given)
        runtime.deliver_streams_in_background(PUMP_INTERVAL_SECONDS)
        http = threading.Thread(target=httpd.serve_forever, name="http", daemon=True)
        http.start()
        print(f"Embedded AWS (moto) on {moto.url}")
        print(owner_banner(runtime.parameters["OwnerAccount"], password, generated=given is None))
        print(f"Roster is listening on http://{HOST}:{port}", flush=True)
        while not stop.wait(0.5):
            pass
        print("Shutting down", flush=True)
    finally:
        stop.set()
        if http is not None:
            httpd.shutdown()
            http.join(timeout=10)
        httpd.server_close()
        if runtime is not None:
            runtime.stop_background_delivery()
        moto.stop()
    return 0


def owner_banner(account: str, password: str, *, generated: bool) -> str:
    """The start-up line naming the owner: a generated password is printed (once: it is
    the only way to learn it), one the user chose is not (it may be reused elsewhere,
    and terminals are logged)."""
    if generated:
        return (f"Owner login: {account} / {password} "
                f"(generated; set {ADMIN_PASSWORD_VARIABLE} to choose one)")
    return f"Owner login: {account} (password from {ADMIN_PASSWORD_VARIABLE})"


if __name__ == "__main__":
    raise SystemExit(main())

"""``roster-local`` (``make run``): Roster on http://127.0.0.1:3000 with an embedded AWS.

It starts a moto server on a free loopback port, points every AWS client of this
process at it, provisions ``template.yaml`` into it, creates the owner, and serves the
API through ``Runtime``: API Gateway, the authorizer, the functions and the stream
notifier as AWS would run them (the stream is delivered after the answer, from a
poller thread). Two local-only routes: ``GET /_local/outbox`` and
``POST /_local/run/{function}``. Only requests for ``127.0.0.1:<port>`` or
``localhost:<port>`` are served, by it and by moto (``roster.local.loopback``); a known
path asked with a method no route declares gets ``405`` with ``Allow``.

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
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any, cast
from urllib.parse import unquote, urlsplit

from roster.errors import PROBLEM_CONTENT_TYPE, MethodNotAllowed, problem_document
from roster.local.functions import FunctionFailed, UnknownFunction
from roster.local.gateway import LocalResponse, declared_methods
from roster.local.loopback import (
    MISDIRECTED_STATUS,
    EmbeddedMoto,
    cross_origin_problem,
    host_allowed,
    misdirected_problem,
    origin_allowed,
    single_host,
)
from roster.local.runtime import DEFAULT_PORT, DEFAULT_REGION, Runtime

log = logging.getLogger("local_aws")  # Powertools mutes loggers named after its service

HOST = "127.0.0.1"
OUTBOX_PATH = "/_local/outbox"
RUN_PREFIX = "/_local/run/"
ADMIN_PASSWORD_VARIABLE = "ROSTER_LOCAL_ADMIN_PASSWORD"
PUMP_INTERVAL_SECONDS = 1.0
LISTEN_BACKLOG = 128
_HOP_BY_HOP = {"connection", "content-length", "transfer-encoding", "keep-alive"}


class LocalHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 reset connections when 20 clients raced.
    request_queue_size = LISTEN_BACKLOG
    runtime: Runtime


class RequestHandler(BaseHTTPRequestHandler):
    """Every request goes to ``Runtime.invoke``, except the two local-only routes."""

    protocol_version = "HTTP/1.1"
    server_version = "roster-local"

    def __getattr__(self, name: str) -> Callable[[], None]:
        """``do_<METHOD>`` for every method, ``TRACE`` or ``FOO`` included: API Gateway
        answers each (a method a route does not declare gets its 404 problem), never
        ``http.server``'s 501 HTML page."""
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: ``_handle`` logs one line per request, without query or headers."""

    def _handle(self) -> None:
        started = time.monotonic()
        status = 500
        path = urlsplit(self.path).path
        runtime = cast(LocalHTTPServer, self.server).runtime
        try:
            response = self._respond(path)
            status = response.status
            self._send(response)
            self.wfile.flush()
            runtime.stream_records_due()  # delivered after the answer, as AWS does
        finally:
            elapsed = (time.monotonic() - started) * 1000
            log.info("%s %s %d %.0fms", self.command, path, status, elapsed)

    def _respond(self, path: str) -> LocalResponse:
        runtime = cast(LocalHTTPServer, self.server).runtime
        try:
            body = self._read_body()
        except ValueError:  # a Content-Length or chunk size that is not a number
            self.close_connection = True
            return runtime.gateway_response("BAD_REQUEST_BODY")
        port = cast(LocalHTTPServer, self.server).server_port
        host = single_host(self.headers.get_all("Host") or [])
        if not host_allowed(host, port):
            return _json(MISDIRECTED_STATUS, misdirected_problem(host), PROBLEM_CONTENT_TYPE)
        if len(self.headers.get_all("Authorization") or []) > 1:
            # which one counts would differ between two readers: none does
            return _json(400, problem_document(
                400, "bad_request", "Bad request", "Send one Authorization header"),
                PROBLEM_CONTENT_TYPE)
        origin = self.headers.get("Origin")
        if not origin_allowed(origin, port, own_pages=True):
            assert origin is not None
            return _json(403, cross_origin_problem(origin), PROBLEM_CONTENT_TYPE)
        try:
            if path == OUTBOX_PATH or path.startswith(RUN_PREFIX):
                return self._local_route(runtime, path)
            allowed = declared_methods(runtime.template.routes, path)
            if allowed and self.command not in allowed and "ANY" not in allowed:
                return _method_not_allowed(allowed)
            headers: dict[str, list[str]] = {}
            for name, value in self.headers.items():
                headers.setdefault(name, []).append(value)
            return runtime.invoke(
                self.command,
                f"{path}?{query}" if (query := urlsplit(self.path).query) else path,
                headers=headers,
                body=body or None,
                source_ip=self.client_address[0],
            )
        except Exception:
            log.exception("%s %s: the local runtime failed", self.command, path)
            return runtime.gateway_response("DEFAULT_5XX")

    def _local_route(self, runtime: Runtime, path: str) -> LocalResponse:
        if path == OUTBOX_PATH:
            if self.command != "GET":
                return _method_not_allowed(["GET"])
            return _json(200, {"messages": runtime.outbox()})
        if self.command != "POST":
            return _method_not_allowed(["POST"])
        return _run(runtime, unquote(path[len(RUN_PREFIX) :]))

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():  # trailers
                pass
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        """``http.server``'s own refusals (a header line too long, too many headers, a
        malformed request line) as problem documents, not its HTML page."""
        self.close_connection = True
        title = message or self.responses.get(code, ("Error",))[0]
        document = problem_document(code, "bad_request" if code < 500 else "internal_error",
                                    title, explain or title)
        self._send(_json(code, document, PROBLEM_CONTENT_TYPE))

    def _send(self, response: LocalResponse) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)


def _json(status: int, document: Any, content_type: str = "application/json") -> LocalResponse:
    body = json.dumps(document, default=str).encode("utf-8")
    return LocalResponse(status, {"Content-Type": content_type}, body)


def _method_not_allowed(allowed: list[str]) -> LocalResponse:
    """A known path asked with a method no route declares (API Consistency v2)."""
    response = _json(405, MethodNotAllowed().problem(), PROBLEM_CONTENT_TYPE)
    response.headers["Allow"] = ", ".join(allowed)
    return response


def _run(runtime: Runtime, name: str) -> LocalResponse:
    """``POST /_local/run/{function}``: run a scheduled function now."""
    try:
        return _json(200, {"function": name, "result": runtime.run_function(name)})
    except UnknownFunction:
        detail = f"There is no scheduled function named {name!r}"
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
    from roster.local.moto_tuning import cheap_transaction_rollback, direct_responses

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

    try:
        httpd = LocalHTTPServer((HOST, _port()), RequestHandler)
    except OSError as error:
        print(f"Cannot listen on {HOST}:{_port()}: {error.strerror}", file=sys.stderr)
        return 1
    # A transaction snapshots the items it names, not the whole table: moto's own
    # rollback copies the table for every transaction, and a server's table only grows;
    # item and stream answers skip moto's model-walking serializer.
    with cheap_transaction_rollback(), direct_responses():
        return _serve(httpd, stop)


def _serve(httpd: LocalHTTPServer, stop: threading.Event) -> int:
    """Embedded AWS up, stack provisioned, owner made; serve until ``stop``."""
    moto = EmbeddedMoto(HOST)
    moto.start()
    http: threading.Thread | None = None
    runtime: Runtime | None = None
    try:
        point_aws_at(moto.url)
        port = httpd.server_address[1]
        runtime = Runtime(parameters={"VerificationUrlBase": f"http://{HOST}:{port}/verify-email"})
        httpd.runtime = runtime.provision()
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

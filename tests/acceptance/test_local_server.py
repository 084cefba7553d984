"""The local server answers like the deployed API, over HTTP, as a client sees it."""

from __future__ import annotations

import re
import socket
import uuid
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from support.http import TIMEOUT, LocalServer, StartServer, admin_token, call, login, sign_in
from support.parallel import race

pytestmark = pytest.mark.acceptance


MESSAGE_FIELDS = {"channel", "to", "subject", "body", "sentAt"}


def test_outbox_lists_the_messages_sent(local_server: LocalServer) -> None:
    # When a client reads the local outbox
    response = requests.get(f"{local_server.url}/_local/outbox", timeout=TIMEOUT)

    # Then it is a list of messages in the contract's shape
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    messages = response.json()["messages"]
    assert isinstance(messages, list)
    assert all(set(message) == MESSAGE_FIELDS for message in messages)


def test_protected_route_without_token_is_401(local_server: LocalServer) -> None:
    # When GET /me comes without a bearer token
    response = requests.get(f"{local_server.url}/me", timeout=TIMEOUT)

    # Then API Gateway's UNAUTHORIZED problem answers it
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "unauthorized"


def test_unknown_route_is_404_problem(local_server: LocalServer) -> None:
    response = requests.get(f"{local_server.url}/no/such/route", timeout=TIMEOUT)

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


def test_running_an_unknown_scheduled_function_is_404(local_server: LocalServer) -> None:
    response = requests.post(f"{local_server.url}/_local/run/no-such-function", timeout=TIMEOUT)

    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


def test_owner_signs_in_and_reads_their_profile(local_server: LocalServer) -> None:
    # Given the owner created on start with ROSTER_LOCAL_ADMIN_PASSWORD
    tokens = sign_in(local_server, "admin", local_server.admin_password)
    assert tokens["status"] == "authenticated"
    assert tokens["tokenType"] == "Bearer"

    # When they read GET /me with the access token
    response = requests.get(
        f"{local_server.url}/me",
        headers={"Authorization": f"Bearer {tokens['accessToken']}"},
        timeout=TIMEOUT,
    )

    # Then it is the owner
    assert response.status_code == 200, response.text
    assert response.json()["account"] == "admin"
    assert response.json()["isOwner"] is True


def test_tampered_access_token_is_401(local_server: LocalServer) -> None:
    # Given a valid access token with one character of its payload changed
    token = sign_in(local_server, "admin", local_server.admin_password)["accessToken"]
    header, payload, signature = token.split(".")
    middle = len(payload) // 2
    swapped = "B" if payload[middle] != "B" else "C"
    tampered = ".".join([header, payload[:middle] + swapped + payload[middle + 1 :], signature])

    # When it is used
    response = requests.get(
        f"{local_server.url}/me", headers={"Authorization": f"Bearer {tampered}"}, timeout=TIMEOUT
    )

    # Then it is refused as unauthenticated
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_request_log_carries_no_secret(local_server: LocalServer) -> None:
    """Rule: the local server never writes a password (nor a token, nor a query) to its
    log; a password given in ROSTER_LOCAL_ADMIN_PASSWORD is not printed at all.

    Fails when the start-up banner prints the given password again, or when a request
    line or a function's log line carries a request body.
    """
    # Given a sign-in, a failed one, an authenticated request and an agent created with
    # a password the admin chose
    token = sign_in(local_server, "admin", local_server.admin_password)["accessToken"]
    wrong = "Wrong-Guess-Passw0rd-" + uuid.uuid4().hex[:6]
    assert login(local_server, "admin", wrong).status_code == 401
    requests.get(
        f"{local_server.url}/me?probe=secret-query-value",
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )
    chosen = "Chosen-Agent-Passw0rd-" + uuid.uuid4().hex[:6]
    name = f"logged.{uuid.uuid4().hex[:8]}"
    created = call(local_server, "POST", "/agents", token, json={
        "account": name, "email": f"{name}@example.com", "firstName": "Log",
        "password": chosen})
    assert created.status_code == 201, created.text

    # Then the log has one line per request, and none of the secrets
    log = local_server.log()
    assert "POST /auth/login 200" in log
    assert "Owner login: admin (password from ROSTER_LOCAL_ADMIN_PASSWORD)" in log
    for secret in (local_server.admin_password, wrong, chosen, token, "secret-query-value"):
        assert secret not in log


def test_a_generated_owner_password_is_printed_once(
        tmp_path: Path, start_local_server: StartServer) -> None:
    """Rule: without ROSTER_LOCAL_ADMIN_PASSWORD the owner's password is generated and
    printed once (the only way to learn it), and never again in the log.

    Fails when the banner stops printing it, or when a request logs it.
    """
    # Given a server started without a chosen password
    with start_local_server(tmp_path / "server.log", None) as server:
        banner = re.search(r"Owner login: admin / (\S+) \(generated", server.log())
        assert banner, server.log()
        password = banner.group(1)

        # When the owner signs in with it
        assert sign_in(server, "admin", password)["status"] == "authenticated"
        log = server.log()

    # Then the password worked, and the log holds it exactly once: the banner's
    assert log.count(password) == 1


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND"])
def test_any_method_on_an_unknown_path_gets_a_problem_not_501(
        local_server: LocalServer, method: str) -> None:
    # Given a method no route declares (fuzzing found TRACE answered 501 with an HTML page)
    # When it is sent to a path no route declares either
    response = requests.request(method, f"{local_server.url}/no/such/route", timeout=TIMEOUT)

    # Then API Gateway's 404 not_found problem answers it
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("TRACE", "/me", None),
    ("DELETE", "/me", None),
    ("PUT", "/auth/login", "POST"),
    ("POST", "/_local/outbox", "GET"),
    ("GET", "/_local/run/cleanup", "POST"),
])
def test_a_known_path_with_a_wrong_method_is_405_with_allow(
        local_server: LocalServer, method: str, path: str, allow: str | None) -> None:
    """Rule (API Consistency v2): a known path asked with a method no route declares
    gets 405 method_not_allowed with ``Allow`` listing the declared methods.

    Fails when the server answers it as an unknown route (404) again.
    """
    response = requests.request(method, f"{local_server.url}{path}", timeout=TIMEOUT)

    assert response.status_code == 405, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "method_not_allowed"
    allowed = response.headers["Allow"].split(", ")
    assert method not in allowed
    if allow is not None:
        assert allowed == [allow]
    else:  # /me: what the template declares for it
        assert {"GET", "PATCH"} <= set(allowed)
    # And a declared method is served, not refused
    assert requests.request(allowed[0], f"{local_server.url}{path}",
                            timeout=TIMEOUT).status_code != 405


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1",
                                  "127.0.0.2:{port}", "localhost.evil.example:{port}",
                                  "0.0.0.0:{port}", "[::1]:{port}"])
@pytest.mark.parametrize("path", ["/_local/outbox", "/auth/login", "/me"])
def test_a_foreign_host_is_misdirected(local_server: LocalServer, host: str, path: str
                                       ) -> None:
    """Rule (v2 decisions, Local mode): only ``127.0.0.1:<port>`` and ``localhost:<port>``
    are answered, so a web page cannot reach the server by DNS rebinding.

    Fails when the Host check is removed: the outbox (codes, temporary passwords) is
    served to any host name that resolves to 127.0.0.1.
    """
    port = urlsplit(local_server.url).port
    response = requests.get(f"{local_server.url}{path}", timeout=TIMEOUT,
                            headers={"Host": host.format(port=port)})

    assert response.status_code == 421
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "misdirected_request"
    assert "messages" not in response.text


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST"])
def test_the_loopback_host_names_are_served(local_server: LocalServer, name: str) -> None:
    port = urlsplit(local_server.url).port
    response = requests.get(f"{local_server.url}/_local/outbox", timeout=TIMEOUT,
                            headers={"Host": f"{name}:{port}"})

    assert response.status_code == 200
    assert "messages" in response.json()


def test_the_embedded_moto_refuses_a_foreign_host(local_server: LocalServer) -> None:
    """Rule (v2 decisions, Local mode): moto, the local server's AWS, is guarded by the
    same Host check: a rebinding page cannot read the table or the sent mail from it.

    Fails when moto is served without ``roster_local.loopback.loopback_only``.
    """
    found = re.search(r"Embedded AWS \(moto\) on (http://127\.0\.0\.1:(\d+))",
                      local_server.log())
    assert found, local_server.log()
    moto_url, port = found.group(1), found.group(2)
    dashboard = f"{moto_url}/moto-api/data.json"

    foreign = requests.get(dashboard, headers={"Host": f"evil.example:{port}"},
                           timeout=TIMEOUT)
    assert foreign.status_code == 421
    assert foreign.json()["code"] == "misdirected_request"
    assert requests.get(dashboard, timeout=TIMEOUT).status_code == 200


def test_the_embedded_moto_refuses_every_browser_request(local_server: LocalServer) -> None:
    """Rule (v2 decisions, Local mode): moto answered CORS for any origin, so a page that
    found its port could scan the table (hashes, seeds) and write to it (red team). A
    request with an ``Origin``, or a preflight, is now refused; SDK calls carry neither.

    Fails without the ``Origin`` refusal in ``roster_local.loopback.loopback_only``.
    """
    found = re.search(r"Embedded AWS \(moto\) on (http://127\.0\.0\.1:\d+)",
                      local_server.log())
    assert found, local_server.log()
    scan = {"X-Amz-Target": "DynamoDB_20120810.ListTables",
            "Content-Type": "application/x-amz-json-1.0", "Origin": "http://evil.example"}
    refused = requests.post(found.group(1), headers=scan, data="{}", timeout=TIMEOUT)
    assert refused.status_code == 403 and "Access-Control-Allow-Origin" not in refused.headers
    preflight = requests.options(found.group(1), timeout=TIMEOUT, headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 403
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_the_api_refuses_other_origins_and_a_second_host(local_server: LocalServer) -> None:
    """Rule (Local mode): the local API answers no other page (its own origin is the web
    app's), and a request with two ``Host`` headers is misdirected (the first of two
    decided before)."""
    other = call(local_server, "POST", "/auth/login", headers={"Origin": "http://evil.example"},
                 json={"login": "admin", "password": "x"})
    assert (other.status_code, other.json()["code"]) == (403, "forbidden")
    port = local_server.url.rsplit(":", 1)[1]
    own = call(local_server, "POST", "/auth/login",
               headers={"Origin": f"http://127.0.0.1:{port}"},
               json={"login": "admin", "password": "x"})
    assert own.status_code == 401
    with socket.create_connection(("127.0.0.1", int(port)), timeout=TIMEOUT) as raw:
        raw.sendall(f"GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                    "Host: evil.example\r\nConnection: close\r\n\r\n".encode())
        answer = raw.recv(4096).decode("latin-1")
    assert answer.startswith("HTTP/1.1 421"), answer[:200]
    with socket.create_connection(("127.0.0.1", int(port)), timeout=TIMEOUT) as raw:
        raw.sendall(f"GET /me HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                    "Authorization: Bearer garbage\r\nAuthorization: Bearer other\r\n"
                    "Connection: close\r\n\r\n".encode())
        answer = raw.recv(4096).decode("latin-1")
    assert answer.startswith("HTTP/1.1 400"), answer[:200]  # two Authorization: neither


def test_a_header_too_large_is_a_problem_document(local_server: LocalServer) -> None:
    """No request, however malformed, gets an HTML page: ``http.server``'s own 431 (a
    header line over 64 KiB) is a problem document too (red team)."""
    answer = requests.get(f"{local_server.url}/me", timeout=TIMEOUT,
                          headers={"X-Padding": "x" * 70_000})
    assert answer.status_code == 431
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["status"] == 431


RACERS = 20
ROUNDS = 3  # a fresh listener absorbs a first burst; the resets came from the next ones


def test_twenty_parallel_clients_all_get_an_answer(local_server: LocalServer) -> None:
    """Rule: the local server serves 20 concurrent clients without resetting one.

    Fails when the listen backlog is back to ``socketserver``'s 5: connections
    beyond it are reset (``Connection reset by peer``) before the server accepts them.
    """
    admin = admin_token(local_server)
    unique = uuid.uuid4().hex[:8]

    def create(prefix: str, session: requests.Session, index: int) -> requests.Response:
        name = f"{prefix}.{index}"
        body = {"account": name, "firstName": "Race", "email": f"{name}@example.com"}
        return call(local_server, "POST", "/agents", admin, session=session, json=body)

    for round_ in range(ROUNDS):
        # When 20 clients, each on its own connection, create an agent at the same moment
        responses = race(RACERS, partial(create, f"racer.{unique}.{round_}"))

        # Then every one of them gets its answer: the agent, created
        assert [r.status_code for r in responses] == [201] * RACERS, [r.text for r in responses]
        assert len({r.json()["id"] for r in responses}) == RACERS

"""The local server answers like the deployed API, over HTTP, as a client sees it."""

from __future__ import annotations

import uuid
from functools import partial

import pytest
import requests
from support.http import TIMEOUT, LocalServer, admin_token, call, sign_in
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
    # Given a sign-in and an authenticated request
    token = sign_in(local_server, "admin", local_server.admin_password)["accessToken"]
    requests.get(
        f"{local_server.url}/me?probe=secret-query-value",
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT,
    )

    # Then the log has one line per request, and neither the token, nor the query, nor
    # the password beyond the start-up banner that prints it
    log = local_server.log()
    assert "POST /auth/login 200" in log
    assert token not in log
    assert "secret-query-value" not in log
    assert log.count(local_server.admin_password) == 1


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND"])
def test_any_method_gets_a_problem_not_501(local_server: LocalServer, method: str) -> None:
    # Given a method no route declares (fuzzing found TRACE answered 501 with an HTML page)
    # When it is sent to an existing resource
    response = requests.request(method, f"{local_server.url}/me", timeout=TIMEOUT)

    # Then API Gateway's 404 not_found problem answers it, as for any undeclared method
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


RACERS = 20
ROUNDS = 3  # a fresh listener absorbs a first burst; the resets came from the next ones


def test_twenty_parallel_clients_all_get_an_answer(local_server: LocalServer) -> None:
    """Rule: the local server serves 20 concurrent clients without resetting one.

    Fails when the listen backlog is back to ``ThreadingHTTPServer``'s 5: connections
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

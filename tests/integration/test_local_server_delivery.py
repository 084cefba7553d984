"""The local server's HTTP front (``roster_local.server``) over the in-process runtime:
the stream reaches the notifier after the answer, as Lambda and DynamoDB Streams do.

The real werkzeug server (``roster_local.server.listen``) on a free loopback port serves
the ``runtime`` fixture, with the notifier's sending made slow on purpose, so that a
send inside the request shows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from statistics import median

import pytest
import requests
from roster.services import notifications
from roster_local import Runtime
from roster_local.server import LISTEN_BACKLOG, LocalApp, listen
from support.agents import make_agent

SEND_SECONDS = 0.4  # what sending one message costs here, on purpose
POLL_SECONDS = 3600.0  # the poller runs when the server wakes it, not on its own
TIMEOUT = 30
TIMED_CALLS = 5
POLLER_THREAD = "stream-poller"


@pytest.fixture
def server(runtime: Runtime) -> Iterator[str]:
    """The local server's handler on a free port, delivering the stream in background."""
    httpd = listen("127.0.0.1", 0, LocalApp(runtime))
    assert httpd.request_queue_size == LISTEN_BACKLOG  # 20 racing clients need it
    runtime.deliver_streams_in_background(POLL_SECONDS)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
        runtime.stop_background_delivery()


@pytest.fixture
def senders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The notifier's sending made slow; the names of the threads that sent."""
    threads: list[str] = []
    send = notifications.send

    def slow_send(*args: str) -> None:
        threads.append(threading.current_thread().name)
        time.sleep(SEND_SECONDS)
        send(*args)

    monkeypatch.setattr(notifications, "send", slow_send)
    return threads


def forgot(url: str, login: str) -> requests.Response:
    return requests.post(f"{url}/password/forgot", json={"login": login, "channel": "email"},
                         timeout=TIMEOUT)


def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_notifier_runs_off_the_request_thread(
    aws: None, server: str, senders: list[str]
) -> None:
    """Rule (Recovery timing, local mode): the stream is delivered to the notifier by
    the poller thread once the answer is written, never inside the request.

    Fails when ``Runtime.invoke`` delivers the stream itself again (the send then runs
    on the request's thread, before the answer).
    """
    make_agent("jdoe")

    # When a known login asks for a recovery code
    response = forgot(server, "jdoe")

    # Then the answer came first, and the poller sent the code
    assert response.status_code == 202, response.text
    wait_for(lambda: bool(senders))
    assert senders == [POLLER_THREAD]
    sent = requests.get(f"{server}/_local/outbox", timeout=TIMEOUT).json()["messages"]
    assert [m["to"] for m in sent] == ["jdoe@example.com"]


def test_password_forgot_takes_no_longer_for_a_known_login(
    aws: None, server: str, senders: list[str]
) -> None:
    """Rule (Recovery timing): ``POST /password/forgot`` answers a known login as fast
    as an unknown one, in local mode too (median of several calls, generous margin).

    Fails when the stream is delivered inside the request: each known login's answer
    then waits for its (slow, here) mail to be sent.
    """
    known = [make_agent(f"timed{index}").account for index in range(TIMED_CALLS)]
    unknown = [f"nobody{index}" for index in range(TIMED_CALLS)]

    def timed(login: str) -> float:
        # the previous call's mail is sent first (the outbox drains the stream), so
        # each call starts with nothing pending
        requests.get(f"{server}/_local/outbox", timeout=TIMEOUT)
        started = time.perf_counter()
        response = forgot(server, login)
        elapsed = time.perf_counter() - started
        assert response.status_code == 202, response.text
        return elapsed

    timed("warm-up")
    known_seconds, unknown_seconds = [], []
    for known_login, unknown_login in zip(known, unknown, strict=True):  # one ask each:
        known_seconds.append(timed(known_login))  # the hourly limit drops repeats
        unknown_seconds.append(timed(unknown_login))

    # Then every known login was sent its code, and the answers took about as long
    sent = requests.get(f"{server}/_local/outbox", timeout=TIMEOUT).json()["messages"]
    assert sorted(m["to"] for m in sent) == sorted(f"{a}@example.com" for a in known)
    assert median(known_seconds) <= 1.5 * median(unknown_seconds) + SEND_SECONDS / 2, (
        known_seconds, unknown_seconds)


def raw_request(url: str, head: str, body: bytes = b"") -> tuple[int, bytes]:
    """One request written by hand on its own connection: the status and the body."""
    import socket
    from urllib.parse import urlsplit

    port = urlsplit(url).port
    assert port is not None
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as connection:
        connection.sendall(f"{head}\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
                           .encode() + body)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.partition(b"\r\n\r\n")[2]


def test_bodies_are_read_chunked_or_refused_when_their_length_is_no_number(
        aws: None, server: str) -> None:
    """The HTTP front (werkzeug) reads a chunked body as the request's body, and a
    ``Content-Length`` that is not a number is API Gateway's 400, never a 5xx."""
    import json

    body = json.dumps({"login": "nobody", "password": "wrong-password"}).encode()
    chunked = b"".join(f"{len(part):x}\r\n".encode() + part + b"\r\n"
                       for part in (body[:10], body[10:])) + b"0\r\n\r\n"

    # When a sign-in is sent in two chunks, then with a length that is no number
    status, answer = raw_request(
        server, "POST /auth/login HTTP/1.1\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked", chunked)
    refused, _ = raw_request(
        server, "POST /auth/login HTTP/1.1\r\nContent-Type: application/json\r\n"
        "Content-Length: ten", body)

    # Then the chunked body was read (a wrong sign-in, not a bad body), the other refused
    assert status == 401, answer
    assert refused == 400

"""``make run`` honours ``AllowedOrigins`` (``ROSTER_ALLOWED_ORIGINS``) over HTTP: a listed
origin gets through the local server's origin check and reads the API (preflight,
answers, API Gateway's own answers); any other page is still refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from support.agents import OWNER_PASSWORD
from support.http import TIMEOUT, StartServer

LISTED = "http://localhost:5173"


def test_a_listed_origin_reads_the_local_api_and_others_are_refused(
        tmp_path: Path, start_local_server: StartServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROSTER_ALLOWED_ORIGINS", LISTED)
    with start_local_server(tmp_path / "server.log", OWNER_PASSWORD) as server:
        # A preflight from the listed origin, with no token, is answered
        preflight = requests.options(f"{server.url}/agents/admin", timeout=TIMEOUT, headers={
            "Origin": LISTED, "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization,content-type,if-match"})
        assert preflight.status_code == 204
        assert preflight.headers["Access-Control-Allow-Origin"] == LISTED
        assert preflight.headers["Access-Control-Allow-Methods"] == "DELETE, GET, PATCH"
        # Its calls are answered with CORS headers, a sign-in and a gateway 401 alike
        signed = requests.post(f"{server.url}/auth/login", timeout=TIMEOUT,
                               headers={"Origin": LISTED},
                               json={"login": "admin", "password": OWNER_PASSWORD})
        assert signed.status_code == 200
        assert signed.headers["Access-Control-Allow-Origin"] == LISTED
        assert signed.headers["Access-Control-Expose-Headers"] == "ETag, Location, Retry-After"
        refused = requests.get(f"{server.url}/me", timeout=TIMEOUT, headers={"Origin": LISTED})
        assert refused.status_code == 401
        assert refused.headers["Access-Control-Allow-Origin"] == LISTED
        # And any other page is refused outright, with no CORS header
        other = requests.post(f"{server.url}/auth/login", timeout=TIMEOUT,
                              headers={"Origin": "http://localhost:5174"},
                              json={"login": "admin", "password": OWNER_PASSWORD})
        assert other.status_code == 403
        assert "Access-Control-Allow-Origin" not in other.headers

"""The local server, started once for the acceptance tests as a developer would start it
(``python -m roster_local``), on a free port, and stopped with Ctrl-C at the end."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.http import StartServer

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "Correct-Horse-Battery-9"
START_TIMEOUT_SECONDS = 90
STOP_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class LocalServer:
    url: str
    admin_password: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def running_server(log_path: Path, admin_password: str | None) -> Iterator[LocalServer]:
    """``python -m roster_local`` on a free port, its output in ``log_path``; the owner's
    password from ``ROSTER_LOCAL_ADMIN_PASSWORD`` (``None``: unset, so generated)."""
    python_path = os.pathsep.join(
        filter(None, [str(ROOT / "shared"), os.environ.get("PYTHONPATH")])
    )
    env = {
        **os.environ,
        "ROSTER_PORT": "0",
        "PYTHONPATH": python_path,
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("ROSTER_LOCAL_ADMIN_PASSWORD", None)
    if admin_password is not None:
        env["ROSTER_LOCAL_ADMIN_PASSWORD"] = admin_password
    with log_path.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "roster_local"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = LocalServer(_wait_for_url(process, log_path), admin_password or "", log_path)
    try:
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            pytest.fail(f"the local server did not stop on SIGINT:\n{server.log()}")
    assert code == 0, f"the local server exited with {code}:\n{server.log()}"


@pytest.fixture(scope="session")
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    log_path = tmp_path_factory.mktemp("roster-local") / "server.log"
    with running_server(log_path, ADMIN_PASSWORD) as server:
        yield server


@pytest.fixture
def start_local_server() -> StartServer:
    """For a test that needs a server of its own (another start-up configuration)."""
    return running_server


def _wait_for_url(process: subprocess.Popen[bytes], log_path: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        text = log_path.read_text(encoding="utf-8", errors="replace")
        found = re.search(r"Roster is listening on (http://127\.0\.0\.1:\d+)", text)
        if found:
            return found.group(1)
        if process.poll() is not None:
            pytest.fail(f"the local server exited with {process.returncode}:\n{text}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the local server did not start in {START_TIMEOUT_SECONDS}s:\n{text}")
        time.sleep(0.1)

"""The runtime the bench drives, and the unmeasured set-up steps scenarios share (all
through the API, on the test support's stack, sign-in and passwords)."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from support.agents import AGENT_PASSWORD, OWNER_PASSWORD
from support.api import access_token, bearer, sign_in
from support.aws_calls import AwsCalls, aws_calls
from support.mail import emails_to, last_code, link_token
from support.stack import moto_aws

if TYPE_CHECKING:
    from roster_local import LocalResponse, Runtime

NEW_PASSWORD = "Bench-Other-Passw0rd-2"
COUNTED_SERVICES = ("dynamodb", "kms", "secretsmanager")


@dataclass(frozen=True)
class Request:
    """The one request a scenario measures."""

    method: str
    path: str
    token: str | None = None
    body: Any = None
    query: dict[str, str] | None = None
    content_type: str | None = None  # a body that is not JSON (a CSV file)


@dataclass(frozen=True)
class BenchAgent:
    id: str
    account: str
    email: str
    token: str = ""
    secret: str = ""  # TOTP secret once two-factor is on


class Bench:
    """The runtime, the owner signed in, and the set-up steps scenarios share."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._serial = itertools.count()
        self._totp_steps: dict[str, int] = {}
        self._recording: AwsCalls | None = None
        self.admin = access_token(runtime, "admin", OWNER_PASSWORD)
        # The import worker's queue, drained where a measurement wants it counted (the
        # runtime's own draining after each request is not: see ``local_stack``).
        self.work_queues: Callable[[], int] = runtime.pump_queues

    @contextmanager
    def counting(self) -> Iterator[AwsCalls]:
        """The round trips of this thread inside the block (the notifier's, which run
        after the response, not counted)."""
        with aws_calls(COUNTED_SERVICES, this_thread=True) as recorded:
            self._recording = recorded
            try:
                yield recorded
            finally:
                self._recording = None

    @contextmanager
    def uncounted(self) -> Iterator[None]:
        if self._recording is None:
            yield
            return
        with self._recording.paused():
            yield

    @contextmanager
    def queue_held(self) -> Iterator[None]:
        """Requests inside leave the import queue as it is (the bench drains it itself)."""
        held = self.runtime.pump_queues
        self.runtime.pump_queues = lambda: 0  # type: ignore[method-assign]
        try:
            yield
        finally:
            self.runtime.pump_queues = held  # type: ignore[method-assign]

    def name(self, prefix: str) -> str:
        return f"{prefix}{next(self._serial)}"

    def send(self, request: Request) -> LocalResponse:
        headers = bearer(request.token) if request.token else {}
        if request.content_type:
            headers["Content-Type"] = request.content_type
        return self.runtime.invoke(request.method, request.path, headers=headers,
                                   body=request.body, query=request.query)

    def ok(self, method: str, path: str, token: str | None = None, body: Any = None
           ) -> dict[str, Any]:
        """A set-up call that must succeed; its JSON body (``{}`` for none)."""
        response = self.send(Request(method, path, token, body))
        if response.status >= 300:
            raise RuntimeError(f"set-up {method} {path}: {response.status} {response.text}")
        return dict(response.json()) if response.text else {}

    def agent(self, *, signed_in: bool = True, **fields: Any) -> BenchAgent:
        """A fresh agent with a set password (and a token for it)."""
        account = self.name("bench")
        created = self.ok("POST", "/agents", self.admin, {
            "account": account, "email": f"{account}@example.com", "firstName": "B",
            "password": AGENT_PASSWORD, "forcePasswordChange": False, "sendWelcome": False,
            **fields})
        token = access_token(self.runtime, account, AGENT_PASSWORD) if signed_in else ""
        return BenchAgent(str(created["id"]), account, f"{account}@example.com", token)

    def tokens(self, login: str, password: str) -> dict[str, Any]:
        """A sign-in's token pair (a refresh token to rotate, say)."""
        return sign_in(self.runtime, login, password)

    def enrolling(self) -> BenchAgent:
        """A signed-in agent whose two-factor enrolment is started, not confirmed."""
        agent = self.agent()
        started = self.ok("POST", "/me/two-factor", agent.token,
                          {"currentPassword": AGENT_PASSWORD})
        return BenchAgent(agent.id, agent.account, agent.email, agent.token,
                          str(started["secret"]))

    def enrolled(self) -> BenchAgent:
        """A signed-in agent with two-factor on."""
        agent = self.enrolling()
        self.ok("POST", "/me/two-factor/confirm", agent.token, {"code": self.totp(agent)})
        return agent

    def totp(self, agent: BenchAgent) -> str:
        """A code of a time step later than any used for this agent (replays are refused),
        within the one-step drift the service accepts (the real clock: the bench does not
        steer it)."""
        import pyotp

        current = int(time.time()) // 30
        step = max(current - 1, self._totp_steps.get(agent.id, current - 2) + 1)
        if step > current + 1:
            time.sleep(30 - time.time() % 30 + 0.1)
            return self.totp(agent)
        self._totp_steps[agent.id] = step
        return str(pyotp.TOTP(agent.secret).at(step * 30))

    def recovery_code(self, agent: BenchAgent) -> str:
        self.ok("POST", "/password/forgot", body={"login": agent.account, "channel": "email"})
        return last_code(self.runtime, agent.email)

    def pending_email(self, agent: BenchAgent) -> str:
        """Start an email change (admin ``PATCH``); the new address."""
        new = f"new-{agent.account}@example.com"
        self.ok("PATCH", f"/agents/{agent.id}", self.admin, {"email": new})
        return new

    def verification_token(self, agent: BenchAgent) -> str:
        return link_token(emails_to(self.runtime, self.pending_email(agent))[-1])

    def catalog_item(self, kind: str) -> str:
        item_id = self.name(kind[:-1])
        self.ok("POST", f"/{kind}", self.admin, {"id": item_id, "name": item_id})
        return item_id


def detail(calls: Counter[str]) -> str:
    return ", ".join(f"{k} x{v}" for k, v in sorted(calls.items()))


@contextmanager
def local_stack() -> Iterator[Bench]:
    """moto's AWS with the template provisioned, the owner made and signed in."""
    from roster_local import Runtime

    with moto_aws():
        runtime = Runtime().provision()
        runtime.create_owner(OWNER_PASSWORD)
        bench = Bench(runtime)
        pump = runtime.pump_streams

        def pump_uncounted() -> int:
            """The notifier runs after the response: not part of the request's cost;
            neither does the import worker (measured on its own: infra.bench.bulk)."""
            with bench.uncounted():
                return pump()

        runtime.pump_streams = pump_uncounted  # type: ignore[method-assign]
        drain = runtime.pump_queues

        def drain_uncounted() -> int:
            with bench.uncounted():
                return drain()

        runtime.pump_queues = drain_uncounted  # type: ignore[method-assign]
        yield bench

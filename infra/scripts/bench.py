"""``make bench``: what each request costs, how fast each function starts, how big it is.

Prints (and writes into docs/performance.md between its markers):

1. For every API route of template.yaml, the AWS round trips one warm request makes
   (DynamoDB, KMS, Secrets Manager; the authorizer included) beside the floor its job
   allows. A route without a scenario is reported as "not measured", never skipped.
2. For every function, the cold import time (median of 5 fresh interpreters) beside
   ``import boto3`` + the Powertools resolver measured in the same run, and the ratio.
3. The built layer's and each function's package size (from ``sam build`` output).
4. Items read by one ``GET /agents`` page and one cleanup run at 100, 10,000 and 100,000
   agents (with a fixed number of expired email changes), and whether that stays flat.

Round trips are counted by wrapping botocore's API call, so they are what the code really
does against (moto's) AWS, not an estimate.
"""

from __future__ import annotations

import itertools
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "shared"))

if TYPE_CHECKING:
    from roster_local import LocalResponse, Runtime

COUNTED_SERVICES = {"dynamodb", "kms", "secretsmanager"}
PERFORMANCE_DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
OWNER_PASSWORD = "Bench-Owner-Passw0rd"
AGENT_PASSWORD = "Bench-Agent-Passw0rd"
NEW_PASSWORD = "Bench-Other-Passw0rd-2"
SCALE_SIZES = (100, 10_000, 100_000)
EXPIRED_CHANGES = 5  # expired unverified email changes present at each size
CODE = re.compile(r"\b(\d{6})\b")


# ----------------------------------------------------------------------------- counting
class CallCounter:
    """Counts AWS API calls (and items read) while ``measure`` is on (this thread only)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.items_read = 0
        self._local = threading.local()

    @property
    def counting(self) -> bool:
        return bool(getattr(self._local, "on", False))

    @contextmanager
    def measure(self) -> Iterator[Counter[str]]:
        self.calls = Counter()
        self.items_read = 0
        self._local.on = True
        try:
            yield self.calls
        finally:
            self._local.on = False

    @contextmanager
    def paused(self) -> Iterator[None]:
        previous = self.counting
        self._local.on = False
        try:
            yield
        finally:
            self._local.on = previous

    def _record(self, service: str, operation: str, result: Any) -> None:
        self.calls[f"{service}:{operation}"] += 1
        if not isinstance(result, dict):
            return
        if operation in {"Query", "Scan"}:
            self.items_read += int(result.get("ScannedCount", result.get("Count", 0)) or 0)
        responses = result.get("Responses")
        if isinstance(responses, dict):
            self.items_read += sum(len(v) for v in responses.values())
        if result.get("Item"):
            self.items_read += 1

    def install(self) -> None:
        """Wrap botocore's API call so every client (roster's and Powertools') is seen."""
        from botocore.client import BaseClient

        original = BaseClient._make_api_call  # type: ignore[attr-defined]
        counter = self

        def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            service = client.meta.service_model.service_name
            result = original(client, operation, params)
            if counter.counting and service in COUNTED_SERVICES:
                counter._record(service, operation, result)
            return result

        BaseClient._make_api_call = counted  # type: ignore[attr-defined]


COUNTER = CallCounter()


def _detail(calls: Counter[str]) -> str:
    return ", ".join(f"{k} x{v}" for k, v in sorted(calls.items()))


# ----------------------------------------------------------------------------- the bench
@dataclass(frozen=True)
class Request:
    """The one request a scenario measures."""

    method: str
    path: str
    token: str | None = None
    body: Any = None
    query: dict[str, str] | None = None


@dataclass(frozen=True)
class BenchAgent:
    id: str
    account: str
    email: str
    token: str = ""
    secret: str = ""  # TOTP secret once two-factor is on


class Bench:
    """The runtime plus the unmeasured set-up steps scenarios share (all through the API)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._serial = itertools.count()
        self._totp_steps: dict[str, int] = {}
        self.admin = self.sign_in("admin", OWNER_PASSWORD)

    def name(self, prefix: str) -> str:
        return f"{prefix}{next(self._serial)}"

    def send(self, request: Request) -> LocalResponse:
        headers = {"Authorization": f"Bearer {request.token}"} if request.token else None
        return self.runtime.invoke(request.method, request.path, headers=headers,
                                   body=request.body, query=request.query)

    def ok(self, method: str, path: str, token: str | None = None, body: Any = None
           ) -> dict[str, Any]:
        """A set-up call that must succeed; its JSON body (``{}`` for none)."""
        response = self.send(Request(method, path, token, body))
        if response.status >= 300:
            raise RuntimeError(f"set-up {method} {path}: {response.status} {response.text}")
        return dict(response.json()) if response.text else {}

    def sign_in(self, login: str, password: str = AGENT_PASSWORD) -> str:
        return str(self.ok("POST", "/auth/login", body={"login": login,
                                                        "password": password})["accessToken"])

    def agent(self, *, signed_in: bool = True, **fields: Any) -> BenchAgent:
        """A fresh agent with a set password (and a token for it)."""
        account = self.name("bench")
        created = self.ok("POST", "/agents", self.admin, {
            "account": account, "email": f"{account}@example.com", "firstName": "B",
            "password": AGENT_PASSWORD, "forcePasswordChange": False, "sendWelcome": False,
            **fields})
        agent = BenchAgent(str(created["id"]), account, f"{account}@example.com")
        if signed_in:
            agent = BenchAgent(agent.id, account, agent.email, self.sign_in(account))
        return agent

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
        within the one-step drift the service accepts."""
        import pyotp

        current = int(time.time()) // 30
        step = max(current - 1, self._totp_steps.get(agent.id, current - 2) + 1)
        if step > current + 1:
            time.sleep(30 - time.time() % 30 + 0.1)
            return self.totp(agent)
        self._totp_steps[agent.id] = step
        return str(pyotp.TOTP(agent.secret).at(step * 30))

    def last_message(self, to: str) -> str:
        sent = [m for m in self.runtime.outbox() if str(m["to"]).lower() == to.lower()]
        if not sent:
            raise RuntimeError(f"nothing was sent to {to}")
        return str(sent[-1]["body"])

    def recovery_code(self, agent: BenchAgent) -> str:
        self.ok("POST", "/password/forgot", body={"login": agent.account, "channel": "email"})
        found = CODE.search(self.last_message(agent.email))
        if found is None:
            raise RuntimeError("no recovery code in the message")
        return found.group(1)

    def pending_email(self, agent: BenchAgent) -> str:
        """Start an email change (admin ``PATCH``); the new address."""
        new = f"new-{agent.account}@example.com"
        self.ok("PATCH", f"/agents/{agent.id}", self.admin, {"email": new})
        return new

    def verification_token(self, agent: BenchAgent) -> str:
        new = self.pending_email(agent)
        for word in self.last_message(new).split():
            if "?token=" in word:
                return word.split("?token=", 1)[1]
        raise RuntimeError("no verification link in the message")

    def catalog_item(self, kind: str) -> str:
        item_id = self.name(kind[:-1])
        self.ok("POST", f"/{kind}", self.admin, {"id": item_id, "name": item_id})
        return item_id


Prepare = Callable[[Bench], Request]


@dataclass(frozen=True)
class Scenario:
    """One measured request of ``method route``: ``prepare`` does the set-up (not counted)
    and returns the request; ``floor`` is the round trips ``job`` needs at the least."""

    method: str
    route: str
    floor: int
    job: str
    prepare: Prepare
    label: str = ""
    expect: int | None = None  # a non-2xx status the scenario means to measure

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.route


Make = Callable[[Bench], BenchAgent]
Body = Callable[[Bench, BenchAgent], Any] | dict[str, Any] | None


def signed_in(bench: Bench) -> BenchAgent:
    return bench.agent()


def unsigned(bench: Bench) -> BenchAgent:
    return bench.agent(signed_in=False)


def enrolling(bench: Bench) -> BenchAgent:
    return bench.enrolling()


def enrolled(bench: Bench) -> BenchAgent:
    return bench.enrolled()


def admin(method: str, path: str, body: Any = None, query: dict[str, str] | None = None
          ) -> Prepare:
    """The admin calls ``path`` (no set-up)."""
    return lambda bench: Request(method, path, bench.admin, body, query)


def public(method: str, path: str, body: Any = None) -> Prepare:
    return lambda _: Request(method, path, None, body)


def on_agent(method: str, path: str, body: Body = None, *, own: bool = False,
             make: Make = unsigned, then: Callable[[Bench, BenchAgent], Any] | None = None
             ) -> Prepare:
    """A request about a fresh agent (made by ``make``, readied by ``then``): the admin's,
    or with ``own`` the agent's own. ``{id}`` in ``path`` is the agent's id; ``body`` may
    be computed from the agent (a code, say)."""
    def prepare(bench: Bench) -> Request:
        agent = make(bench)
        if then is not None:
            then(bench, agent)
        payload = body(bench, agent) if callable(body) else body
        return Request(method, path.format(id=agent.id),
                       agent.token if own else bench.admin, payload)
    return prepare


def as_self(method: str, path: str, body: Body = None, *, make: Make = signed_in,
            then: Callable[[Bench, BenchAgent], Any] | None = None) -> Prepare:
    return on_agent(method, path, body, own=True, make=make, then=then)


PHOTO = {"contentType": "image/png", "contentLength": 1000}
AUTHORIZER = "authorizer"
PROFILE = f"{AUTHORIZER}; profile"
# Re-authentication: the guess spends an attempt (conditional ADD) before the hash is
# compared, and a right one gives it back.
REAUTH = "attempt spent before comparing; given back"
GROUPS = "groups (one batch, for effectiveProperties)"


def session_scenarios() -> list[Scenario]:
    """Sign-in, challenges, tokens and sessions (the auth function)."""

    def refresh(bench: Bench) -> Request:
        tokens = bench.ok("POST", "/auth/login", body={"login": "admin",
                                                       "password": OWNER_PASSWORD})
        return Request("POST", "/auth/refresh", body={"refreshToken": tokens["refreshToken"]})

    def challenge(answer: Callable[[Bench, BenchAgent], dict[str, str]], make: Make
                  ) -> Prepare:
        def prepare(bench: Bench) -> Request:
            agent = make(bench)
            started = bench.ok("POST", "/auth/login", body={"login": agent.account,
                                                            "password": AGENT_PASSWORD})
            return Request("POST", "/auth/challenge", body={
                "session": started["session"], "challenge": started["challenge"],
                **answer(bench, agent)})
        return prepare

    def backup_code(bench: Bench, agent: BenchAgent) -> dict[str, str]:
        issued = bench.ok("POST", f"/agents/{agent.id}/backup-codes", bench.admin)
        return {"backupCode": str(issued["codes"][0])}

    def temporary(bench: Bench) -> BenchAgent:
        return bench.agent(signed_in=False, forcePasswordChange=True)

    challenge_read = "challenge + profile + seed"
    return [
        Scenario("POST", "/auth/login", 4, "login guard; profile + hash + throttles (one "
                 "batch); the attempt spent before the comparison (from the owner's own "
                 "address: the source's count only); session transaction (session, last "
                 "login, counts reset, audit)",
                 public("POST", "/auth/login", {"login": "admin", "password": OWNER_PASSWORD})),
        Scenario("POST", "/auth/challenge", 4, f"{challenge_read} (one batch); the attempt "
                 "spent before the comparison; KMS Decrypt of the seed; one transaction "
                 "(challenge used, step stored, session, audit)",
                 challenge(lambda bench, agent: {"code": bench.totp(agent)}, enrolled),
                 label="TOTP code"),
        Scenario("POST", "/auth/challenge", 3, f"{challenge_read} + the code's item (one "
                 "batch); the attempt spent before the comparison; one transaction (code "
                 "used, challenge used, session, audit)",
                 challenge(backup_code, enrolled), label="backup code"),
        Scenario("POST", "/auth/challenge", 2, "challenge + profile + hash (one batch); one "
                 "transaction (challenge used, password, session, audit)",
                 challenge(lambda *_: {"newPassword": NEW_PASSWORD}, temporary),
                 label="new password"),
        Scenario("POST", "/auth/refresh", 2, "session + profile; conditional rotation", refresh),
        Scenario("POST", "/auth/logout", 2, f"{AUTHORIZER}; session delete + audit",
                 as_self("POST", "/auth/logout")),
        Scenario("DELETE", "/agents/{id}/sessions", 2, f"{AUTHORIZER}; epoch bump + audit",
                 on_agent("DELETE", "/agents/{id}/sessions", make=signed_in)),
        Scenario("GET", "/openapi.json", 0, "a file shipped in the layer",
                 public("GET", "/openapi.json")),
    ]


def agent_scenarios() -> list[Scenario]:
    """The agent routes, admin and self-service (the agents function)."""

    def assigned(bench: Bench, agent: BenchAgent) -> None:
        bench.ok("PUT", f"/agents/{agent.id}/assignments/chat/c1", bench.admin)

    def with_photo(bench: Bench, agent: BenchAgent) -> None:
        bench.ok("POST", f"/agents/{agent.id}/photo", bench.admin, PHOTO)

    def own_photo(bench: Bench, agent: BenchAgent) -> None:
        bench.ok("POST", "/me/photo", agent.token, PHOTO)

    def in_group(bench: Bench, _: BenchAgent) -> dict[str, str]:
        return {"groupId": bench.catalog_item("groups")}

    def listing(**query: str) -> Prepare:
        """A page that holds an agent in a group (its effective properties need the group)."""
        def prepare(bench: Bench) -> Request:
            bench.agent(signed_in=False, groupId=bench.catalog_item("groups"))
            return Request("GET", "/agents", bench.admin, query={"limit": "50", **query})
        return prepare

    def new_email(_: Bench, agent: BenchAgent) -> dict[str, str]:
        return {"email": f"moved-{agent.account}@example.com"}

    def create(bench: Bench) -> Request:
        account = bench.name("created")
        return Request("POST", "/agents", bench.admin, {
            "account": account, "email": f"{account}@example.com", "firstName": "B"})

    update = "conditional update + derived items + audit (one transaction)"
    return [
        Scenario("POST", "/agents", 3, f"{AUTHORIZER}; references (one batch); one transaction"
                 " (guards, profile, credential, items, audit, outbox)", create),
        Scenario("GET", "/agents", 3, f"{AUTHORIZER}; one Query of the account index; the "
                 f"page's {GROUPS}", listing()),
        Scenario("GET", "/agents", 4, f"{AUTHORIZER}; Query of the role's references; batch "
                 f"of the page's profiles; the page's {GROUPS}", listing(role="agent"),
                 label="?role="),
        Scenario("GET", "/agents/numeric-ids", 2, f"{AUTHORIZER}; Query of the ids partition",
                 admin("GET", "/agents/numeric-ids")),
        Scenario("GET", "/agents/{id}", 2, PROFILE, on_agent("GET", "/agents/{id}")),
        Scenario("PATCH", "/agents/{id}", 3, f"{PROFILE}; {update}",
                 on_agent("PATCH", "/agents/{id}", {"title": "x"})),
        Scenario("PATCH", "/agents/{id}", 3, f"{PROFILE}; one transaction (profile, token, "
                 "guard check, audit, outbox; the link is sealed with a cached KMS data key)",
                 on_agent("PATCH", "/agents/{id}", new_email), label="email change"),
        Scenario("DELETE", "/agents/{id}", 4, f"{AUTHORIZER}; profile + counts; partition "
                 "keys; one transaction", on_agent("DELETE", "/agents/{id}")),
        Scenario("PUT", "/agents/{id}/assignments/{kind}/{ref}", 2, f"{AUTHORIZER}; one "
                 "transaction (item, counter, audit)",
                 on_agent("PUT", "/agents/{id}/assignments/chat/c1")),
        Scenario("DELETE", "/agents/{id}/assignments/{kind}/{ref}", 2, f"{AUTHORIZER}; one "
                 "transaction", on_agent("DELETE", "/agents/{id}/assignments/chat/c1",
                                         then=assigned)),
        Scenario("GET", "/agents/{id}/assignments", 2, f"{AUTHORIZER}; one Query",
                 on_agent("GET", "/agents/{id}/assignments", then=assigned)),
        Scenario("PUT", "/agents/{id}/group", 4, f"{PROFILE}; group; transaction",
                 on_agent("PUT", "/agents/{id}/group", in_group)),
        Scenario("POST", "/agents/{id}/photo", 3, f"{PROFILE}; update (the S3 presign is "
                 "local)", on_agent("POST", "/agents/{id}/photo", PHOTO)),
        Scenario("DELETE", "/agents/{id}/photo", 3, f"{PROFILE}; update (the S3 delete is not "
                 "counted)", on_agent("DELETE", "/agents/{id}/photo", then=with_photo)),
        Scenario("GET", "/me", 2, PROFILE, as_self("GET", "/me")),
        Scenario("PATCH", "/me", 3, f"{PROFILE}; {update}", as_self("PATCH", "/me",
                                                                   {"title": "x"})),
        Scenario("PUT", "/me/queue-status", 3, f"{PROFILE}; conditional update",
                 as_self("PUT", "/me/queue-status", {"status": "logged_on"})),
        Scenario("POST", "/me/photo", 3, f"{PROFILE}; update (the S3 presign is local)",
                 as_self("POST", "/me/photo", PHOTO)),
        Scenario("DELETE", "/me/photo", 3, f"{PROFILE}; update",
                 as_self("DELETE", "/me/photo", then=own_photo)),
    ]


def credential_scenarios() -> list[Scenario]:
    """Passwords, recovery, two-factor, backup codes, unlock (password, two_factor)."""

    def reset(bench: Bench) -> Request:
        agent = bench.agent(signed_in=False)
        return Request("POST", "/password/reset", body={
            "login": agent.account, "code": bench.recovery_code(agent),
            "newPassword": NEW_PASSWORD})

    def code(bench: Bench, agent: BenchAgent) -> dict[str, str]:
        return {"code": bench.totp(agent)}

    seed = "KMS Decrypt of the seed"
    return [
        Scenario("POST", "/password/forgot", 3, "login guard; the agent's items (one batch); "
                 "one transaction (hourly counter, code, audit, outbox sealed with a cached KMS "
                 "data key); the same work for unknown logins",
                 public("POST", "/password/forgot", {"login": "admin", "channel": "email"})),
        Scenario("POST", "/password/reset", 4, "login guard; the try counted atomically "
                 "before the code is compared (UpdateItem returning the code); profile; "
                 "transaction (code used, password, sessions, audit, outbox)", reset),
        Scenario("POST", "/me/password", 5, f"{AUTHORIZER}; profile + hash + throttle; "
                 f"{REAUTH}; transaction (password, other sessions, audit, outbox)",
                 as_self("POST", "/me/password", {"currentPassword": AGENT_PASSWORD,
                                                  "newPassword": NEW_PASSWORD})),
        Scenario("POST", "/agents/{id}/password", 3, f"{PROFILE} (the policy needs the account "
                 "and email); transaction (password, sessions, audit, outbox)",
                 on_agent("POST", "/agents/{id}/password", {
                     "newPassword": NEW_PASSWORD, "confirmPassword": NEW_PASSWORD})),
        Scenario("POST", "/me/two-factor", 6, f"{PROFILE} + hash (2FA off? the account "
                 f"for the otpauth label); {REAUTH}; KMS Encrypt of the seed; put",
                 as_self("POST", "/me/two-factor", {"currentPassword": AGENT_PASSWORD})),
        Scenario("POST", "/me/two-factor/confirm", 4, f"{PROFILE} + pending seed; {seed}; "
                 "transaction (2FA on, backup codes, audit, outbox)",
                 as_self("POST", "/me/two-factor/confirm", code, make=enrolling)),
        Scenario("DELETE", "/me/two-factor", 5, f"{PROFILE} + seed; {seed}; Query of the "
                 "backup codes' keys; transaction (seed, codes, profile, audit, outbox)",
                 as_self("DELETE", "/me/two-factor", code, make=enrolled)),
        Scenario("POST", "/agents/{id}/backup-codes", 4, f"{PROFILE}; Query of the earlier "
                 "codes; transaction (revoke them, new codes, audit)",
                 on_agent("POST", "/agents/{id}/backup-codes", make=enrolled)),
        Scenario("POST", "/agents/{id}/unlock", 3, f"{PROFILE} (an admin's credentials are "
                 "for admins only; its logins' throttles); conditional update + audit",
                 on_agent("POST", "/agents/{id}/unlock", make=enrolled)),
        Scenario("DELETE", "/agents/{id}/two-factor", 4, f"{PROFILE} + seed (an admin's "
                 "credentials are for admins only); Query of the backup codes' keys; "
                 "transaction (delete them, profile, audit, outbox)",
                 on_agent("DELETE", "/agents/{id}/two-factor", make=enrolled)),
    ]


def email_scenarios() -> list[Scenario]:
    """Email verification and the admin's email-change routes (email_verification)."""

    def verify(bench: Bench) -> Request:
        token = bench.verification_token(bench.agent(signed_in=False))
        return Request("POST", "/email-verification", body={"token": token})

    def pending(bench: Bench, agent: BenchAgent) -> None:
        bench.pending_email(agent)

    change = "profile + token item (one batch)"
    return [
        Scenario("POST", "/email-verification", 2, f"{change}; transaction (token used, email "
                 "and guards swapped, search items, audit, outbox)", verify),
        Scenario("POST", "/email-verification", 1, f"{change} (a well-formed unknown token: "
                 "nothing there)",
                 public("POST", "/email-verification",
                        {"token": f"{uuid.UUID(int=0)}.{'A' * 43}"}),
                 label="unknown token", expect=400),
        Scenario("POST", "/agents/{id}/email-change/resend", 3, f"{AUTHORIZER}; {change}; "
                 "transaction (profile, token, audit, outbox; the link sealed with a cached "
                 "KMS data key)",
                 on_agent("POST", "/agents/{id}/email-change/resend", then=pending)),
        Scenario("DELETE", "/agents/{id}/email-change", 3, f"{AUTHORIZER}; {change}; "
                 "transaction (profile, token, audit)",
                 on_agent("DELETE", "/agents/{id}/email-change", then=pending)),
    ]


CATALOG_KINDS = ("roles", "queues", "skills", "groups", "profiles")


def catalog_scenarios() -> list[Scenario]:
    """The five catalogues share one implementation, so one template of scenarios each."""

    def on_item(method: str, kind: str, body: Any = None) -> Prepare:
        def prepare(bench: Bench) -> Request:
            return Request(method, f"/{kind}/{bench.catalog_item(kind)}", bench.admin, body)
        return prepare

    def create(kind: str) -> Prepare:
        def prepare(bench: Bench) -> Request:
            item_id = bench.name(kind[:-1])
            return Request("POST", f"/{kind}", bench.admin, {"id": item_id, "name": item_id})
        return prepare

    scenarios: list[Scenario] = []
    for kind in CATALOG_KINDS:
        scenarios += [
            Scenario("GET", f"/{kind}", 2, f"{AUTHORIZER}; one Query of the catalogue "
                     "partition", admin("GET", f"/{kind}")),
            Scenario("POST", f"/{kind}", 2, f"{AUTHORIZER}; conditional put + audit (one "
                     "transaction)", create(kind)),
            Scenario("GET", f"/{kind}/{{id}}", 2, f"{AUTHORIZER}; one GetItem",
                     on_item("GET", kind)),
            Scenario("PATCH", f"/{kind}/{{id}}", 3, f"{AUTHORIZER}; read; conditional update "
                     "+ audit", on_item("PATCH", kind, {"name": "Renamed"})),
            Scenario("DELETE", f"/{kind}/{{id}}", 4, f"{AUTHORIZER}; read; in-use Query; "
                     "conditional delete + audit", on_item("DELETE", kind)),
        ]
    return scenarios


def scenarios() -> list[Scenario]:
    return [*session_scenarios(), *agent_scenarios(), *credential_scenarios(),
            *email_scenarios(), *catalog_scenarios(),
            Scenario("GET", "/audit", 2, f"{AUTHORIZER}; one Query of the feed index",
                     admin("GET", "/audit"))]


# ----------------------------------------------------------------------------- round trips
@dataclass
class RouteRow:
    method: str
    route: str
    label: str = ""
    status: int | None = None  # None: not measured
    calls: Counter[str] = field(default_factory=Counter)
    floor: int | None = None
    job: str = ""
    expected: bool = True

    @property
    def trips(self) -> int:
        return sum(self.calls.values())

    @property
    def ok(self) -> bool:
        return self.status is not None and self.floor is not None and \
            self.trips <= self.floor + 1


def template_routes() -> list[tuple[str, str]]:
    from roster_local.template import Template

    return [(route.method, route.path) for route in Template.load(ROOT / "template.yaml").routes]


def measure(bench: Bench, scenario: Scenario) -> RouteRow:
    """Warm the functions with one run, then count a second (set-up not counted)."""
    bench.send(scenario.prepare(bench))
    request = scenario.prepare(bench)
    with COUNTER.measure() as calls:
        response = bench.send(request)
    expected = response.status == scenario.expect if scenario.expect else response.status < 300
    return RouteRow(scenario.method, scenario.route, scenario.label, response.status,
                    Counter(calls), scenario.floor, scenario.job, expected)


def measure_routes(bench: Bench) -> list[RouteRow]:
    """Every route of the template: its scenarios' rows, or one "not measured" row."""
    by_route: dict[tuple[str, str], list[Scenario]] = {}
    for scenario in scenarios():
        by_route.setdefault(scenario.key, []).append(scenario)
    routes = template_routes()
    unknown = set(by_route) - set(routes)
    if unknown:
        raise SystemExit(f"scenarios for routes the template does not have: {sorted(unknown)}")
    rows: list[RouteRow] = []
    for method, path in sorted(routes, key=lambda r: (r[1], r[0])):
        measured = by_route.get((method, path))
        if not measured:
            rows.append(RouteRow(method, path))
        rows += [measure(bench, scenario) for scenario in measured or []]
    return rows


# ----------------------------------------------------------------------------- scale
@dataclass
class ScaleRow:
    agents: int
    list_reads: int
    list_calls: Counter[str]
    cleanup_reads: int
    cleanup_calls: Counter[str]
    expired: int  # email changes the cleanup ended
    seconds: float  # seeding time


def count_items(table_name: str, attribute: str, value: str) -> int:
    """Items of moto's table with ``attribute`` = ``value`` (a bench set-up check, no API)."""
    from roster_local.moto_tuning import backend_table

    return sum(1 for item in backend_table(table_name).all_items()
               if (found := item.attrs.get(attribute)) is not None and found.value == value)


def minimal_profiles(start: int, count: int, stamp: str) -> Iterator[dict[str, Any]]:
    """Profiles as the repository lays them out, less the attributes left at their
    defaults (``AgentRecord`` fills them in on read): what a listing needs, and valid.

    The repository builds one profile with placeholder id and account; each agent is that
    item (serialised) with the placeholders replaced: ~20 times faster than a pydantic
    model per agent, and the layout still comes from ``DynamoRepository.agent_item``.
    """
    import json

    from roster.models.agent import AgentRecord
    from roster.repository.dynamodb import DynamoRepository
    from roster.repository.table import serialize

    sample = AgentRecord(id="@id@", account="@account@", email="@account@@example.com",
                         firstName="Bulk", alias="Bulk", createdAt=stamp, updatedAt=stamp)
    defaults = set(sample.model_dump()) - set(sample.model_dump(exclude_defaults=True))
    defaults.discard("version")  # updates do ``version = version + 1``
    template = json.dumps(serialize({name: value for name, value
                                     in DynamoRepository.agent_item(sample).items()
                                     if name not in defaults}))
    for n in range(start, start + count):
        text = template.replace("@id@", str(uuid.uuid4())).replace("@account@", f"bulk{n:06d}")
        yield json.loads(text)


def expired_changes(count: int, tag: str) -> list[dict[str, Any]]:
    """Agents with an email change that expired an hour ago: profile + token item each,
    laid out by the repository as ``PATCH`` would have written them."""
    from roster import clock
    from roster.models.agent import AgentRecord
    from roster.models.email_change import EmailChange
    from roster.repository import get_repository

    repository = get_repository()
    then = clock.now() - timedelta(days=1, hours=1)
    started, expires = clock.iso(then), clock.iso(then + timedelta(days=1))
    items: list[dict[str, Any]] = []
    for n in range(count):
        account = f"expired-{tag}-{n}"
        change = EmailChange(agentId=str(uuid.uuid4()), email=f"new-{account}@example.com",
                             digest=uuid.uuid4().hex, expiresAt=expires, createdAt=started)
        record = AgentRecord(id=change.agentId, account=account,
                             email=f"{account}@example.com", firstName="E", alias="E",
                             pendingEmail=change.pending, createdAt=started, updatedAt=started)
        items += [repository.agent_item(record), repository.email_change_item(change)]
    return items


def measure_scale(bench: Bench) -> list[ScaleRow]:
    """``GET /agents`` and the cleanup as the table grows to each of ``SCALE_SIZES``."""
    from roster import clock
    from roster.repository import get_repository, keys
    from roster_local.moto_tuning import seed_items

    repository = get_repository()
    stamp = clock.iso(clock.now())
    present = count_items(repository.table.name, "gsi1pk", keys.AGENT_LIST_PARTITION)
    if present + EXPIRED_CHANGES > SCALE_SIZES[0]:
        raise SystemExit(f"{present} agents already: more than {SCALE_SIZES[0]} to start from")
    bulk = 0
    rows: list[ScaleRow] = []
    for size in SCALE_SIZES:
        started = time.perf_counter()
        repository.table.batch_write(puts=expired_changes(EXPIRED_CHANGES, str(size)))
        present += EXPIRED_CHANGES
        seed_items(repository.table.name, minimal_profiles(bulk, size - present, stamp))
        bulk, present = bulk + size - present, size
        seeded = time.perf_counter() - started
        with COUNTER.measure() as listing:
            page = bench.send(Request("GET", "/agents", bench.admin))
        list_reads = COUNTER.items_read
        if page.status != 200:
            raise RuntimeError(f"GET /agents at {size}: {page.status} {page.text}")
        with COUNTER.measure() as cleaning:
            summary = bench.runtime.run_function("cleanup")
        rows.append(ScaleRow(size, list_reads, Counter(listing), COUNTER.items_read,
                             Counter(cleaning), int(summary["expiredEmailChanges"]), seeded))
    return rows


def flat(rows: list[ScaleRow]) -> bool:
    """The cost at the largest size is no more than at the smallest, for both."""
    first, last = rows[0], rows[-1]
    return last.list_reads <= first.list_reads and last.cleanup_reads <= first.cleanup_reads


# ----------------------------------------------------------------------------- the stack
@contextmanager
def local_stack() -> Iterator[Bench]:
    """moto's AWS with the template provisioned, the owner made and signed in."""
    from moto import mock_aws
    from roster_local.moto_tuning import tuned_moto

    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                       "AWS_DEFAULT_REGION": "us-east-1"})
    os.environ.pop("AWS_ENDPOINT_URL", None)
    COUNTER.install()
    with tuned_moto(), mock_aws():
        from roster_local import Runtime

        runtime = Runtime().provision()
        original_pump = runtime.pump_streams

        def pump_uncounted() -> int:
            """The notifier runs after the response: not part of the request's cost."""
            with COUNTER.paused():
                return original_pump()  # which trims the records it has read

        runtime.pump_streams = pump_uncounted  # type: ignore[method-assign]
        runtime.create_owner(OWNER_PASSWORD)
        yield Bench(runtime)


# ----------------------------------------------------------------------------- cold start
BASELINE = ("import boto3\n"
            "from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n"
            "APIGatewayRestResolver(enable_validation=True)\n")


def _import_seconds(code: str, extra_path: Path | None = None) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "shared"),
           "ROSTER_TABLE_NAME": "t", "ROSTER_KMS_KEY_ID": "k", "ROSTER_TOKEN_SECRET_ID": "s",
           "ROSTER_DIGEST_SECRET_ID": "d",
           "ROSTER_EMAIL_SENDER": "e@example.com", "ROSTER_PHOTO_BUCKET": "b",
           "PYTHONDONTWRITEBYTECODE": "0"}
    script = ("import time\nstart = time.perf_counter()\n" + code +
              "\nprint(time.perf_counter() - start)\n")
    output = subprocess.run([sys.executable, "-c", script],  # noqa: S603 - our own code
                            capture_output=True, text=True,
                            env=env, cwd=str(extra_path or ROOT), check=True)
    return float(output.stdout.strip().splitlines()[-1])


def median_of(code: str, runs: int = 5, cwd: Path | None = None) -> float:
    _import_seconds(code, cwd)  # compile the bytecode once, as a deployed package has it
    return statistics.median(_import_seconds(code, cwd) for _ in range(runs))


def measure_cold_imports() -> tuple[float, list[dict[str, Any]]]:
    baseline = median_of(BASELINE)
    rows = []
    for directory in sorted((ROOT / "functions").iterdir()):
        if not (directory / "app.py").exists():
            continue
        seconds = median_of("import app", cwd=directory)
        rows.append({"function": directory.name, "seconds": seconds,
                     "ratio": seconds / baseline, "ok": seconds / baseline <= 1.3})
    return baseline, rows


# ----------------------------------------------------------------------------- sizes
def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def measure_sizes() -> list[dict[str, Any]]:
    build = ROOT / ".aws-sam" / "build"
    if not build.exists():
        return []
    return [{"artifact": d.name, "bytes": _size(d)} for d in sorted(build.iterdir()) if d.is_dir()]


# ----------------------------------------------------------------------------- report
def _human(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{size / 1000:.1f} kB"


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def render_routes(rows: list[RouteRow]) -> list[str]:
    measured = [r for r in rows if r.status is not None]
    routes = {(r.method, r.route) for r in rows}
    lines = ["## Round trips per request (DynamoDB, KMS, Secrets Manager; authorizer included)",
             "", f"{len(routes)} routes in template.yaml, {len(measured)} scenarios; "
             f"{sum(r.ok for r in measured)} within floor + 1.", "",
             "| route | scenario | status | round trips | floor | within floor + 1 | calls "
             "| floor's job |", "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        route = f"`{row.method} {row.route}`"
        if row.status is None:
            lines.append(f"| {route} | | | **not measured** | | | | |")
            continue
        status = str(row.status) if row.expected else f"**{row.status}**"
        lines.append(f"| {route} | {row.label} | {status} | {row.trips} | {row.floor} | "
                     f"{_yes(row.ok)} | {_detail(row.calls)} | {row.job} |")
    return lines


def render_scale(rows: list[ScaleRow]) -> list[str]:
    lines = ["## Cost as the table grows (items read; round trips)", "",
             f"Each size has {EXPIRED_CHANGES} expired unverified email changes for the cleanup "
             "to end; items read include the authorizer's.", "",
             "| agents | seeded in | `GET /agents` items read | its calls | cleanup items "
             "read | its calls | changes ended |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {r.agents:,} | {r.seconds:.0f} s | {r.list_reads} | {_detail(r.list_calls)} | "
              f"{r.cleanup_reads} | {_detail(r.cleanup_calls)} | {r.expired} |" for r in rows]
    lines += ["", f"Flat (no growth from {rows[0].agents:,} to {rows[-1].agents:,} agents): "
              f"{_yes(flat(rows))}."]
    return lines


def render_imports(baseline: float, imports: list[dict[str, Any]]) -> list[str]:
    lines = [f"## Cold import (median of 5 fresh interpreters; baseline `import boto3` + "
             f"Powertools resolver = {baseline * 1000:.0f} ms)", "",
             "| function | import ms | ratio to baseline | ≤ 1.3 |", "|---|---|---|---|"]
    lines += [f"| {row['function']} | {row['seconds'] * 1000:.0f} | {row['ratio']:.2f} | "
              f"{_yes(row['ok'])} |" for row in imports]
    return lines


def render_sizes(sizes: list[dict[str, Any]]) -> list[str]:
    lines = ["## Package sizes (`sam build` output, unzipped)", ""]
    if not sizes:
        return [*lines, "No `.aws-sam/build`: run `make build` first to measure package sizes."]
    return [*lines, "| artifact | size |", "|---|---|",
            *(f"| {row['artifact']} | {_human(row['bytes'])} |" for row in sizes)]


def write_doc(report: str) -> None:
    if not PERFORMANCE_DOC.exists():
        return
    text = PERFORMANCE_DOC.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        head, _, rest = text.partition(BEGIN)
        _, _, tail = rest.partition(END)
        PERFORMANCE_DOC.write_text(f"{head}{BEGIN}\n{report}{END}{tail}", encoding="utf-8")


def main() -> int:
    started = time.perf_counter()
    with local_stack() as bench:
        routes = measure_routes(bench)
        scale = measure_scale(bench)
    baseline, imports = measure_cold_imports()
    sections = [render_routes(routes), render_scale(scale), render_imports(baseline, imports),
                render_sizes(measure_sizes())]
    elapsed = time.perf_counter() - started
    report = "\n\n".join("\n".join(section) for section in sections)
    report += f"\n\n`make bench` ran in {elapsed:.0f} s.\n"
    print(report)
    write_doc(report)
    for row in routes:
        if row.status is None:
            print(f"not measured: {row.method} {row.route}")
        elif not row.ok or not row.expected:
            print(f"check: {row.method} {row.route} {row.label}: status {row.status}, "
                  f"{row.trips} round trips, floor {row.floor}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

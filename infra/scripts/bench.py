"""``make bench``: what each request costs, how fast each function starts, how big it is.

Prints (and writes into docs/performance.md between its markers):

1. For every API route, the AWS round trips one request makes (DynamoDB, KMS, Secrets
   Manager; the authorizer included) beside the floor its job allows.
2. For every function, the cold import time (median of 5 fresh interpreters) beside
   ``import boto3`` + the Powertools resolver measured in the same run, and the ratio.
3. The built layer's and each function's package size (from ``sam build`` output).
4. Items read by ``GET /agents`` and by the cleanup at 100, 10,000 and 100,000 agents.

Round trips are counted with a botocore ``before-call`` hook on every client, so they are
what the code really does against (moto's) AWS, not an estimate.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "shared"))

COUNTED_SERVICES = {"dynamodb", "kms", "secretsmanager"}
PERFORMANCE_DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


# ----------------------------------------------------------------------------- counting
class CallCounter:
    """Counts AWS API calls per service while ``counting`` is on (this thread only)."""

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

    def install(self) -> None:
        """Wrap botocore's API call so every client (roster's and Powertools') is seen."""
        from botocore.client import BaseClient

        original = BaseClient._make_api_call  # type: ignore[attr-defined]
        counter = self

        def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            service = client.meta.service_model.service_name
            result = original(client, operation, params)
            if counter.counting and service in COUNTED_SERVICES:
                counter.calls[f"{service}:{operation}"] += 1
                if isinstance(result, dict):
                    counter.items_read += int(result.get("ScannedCount", result.get("Count", 0))
                                              or 0)
                    responses = result.get("Responses")
                    if isinstance(responses, dict):
                        counter.items_read += sum(len(v) for v in responses.values())
                    if "Item" in result:
                        counter.items_read += 1
            return result

        BaseClient._make_api_call = counted  # type: ignore[attr-defined]


COUNTER = CallCounter()


@dataclass
class Scenario:
    method: str
    route: str
    floor: int
    why: str
    run: Callable[[Any, dict[str, Any]], Any]


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def scenarios() -> list[Scenario]:
    """One request per route with the round trips its job needs at the very least."""
    owner_password = "Bench-Owner-Passw0rd"

    def login(rt: Any, ctx: dict[str, Any]) -> Any:
        return rt.invoke("POST", "/auth/login",
                         body={"login": "admin", "password": owner_password})

    def refresh(rt: Any, ctx: dict[str, Any]) -> Any:
        fresh = rt.invoke("POST", "/auth/login",
                          body={"login": "admin", "password": owner_password}).json()
        with COUNTER.measure() as calls:
            response = rt.invoke("POST", "/auth/refresh",
                                 body={"refreshToken": fresh["refreshToken"]})
        ctx["measured"] = calls
        return response

    def logout(rt: Any, ctx: dict[str, Any]) -> Any:
        fresh = rt.invoke("POST", "/auth/login",
                          body={"login": "admin", "password": owner_password}).json()
        with COUNTER.measure() as calls:
            response = rt.invoke("POST", "/auth/logout", headers=_bearer(fresh["accessToken"]))
        ctx["measured"] = calls
        return response

    def me(rt: Any, ctx: dict[str, Any]) -> Any:
        return rt.invoke("GET", "/me", headers=_bearer(ctx["token"]))

    def revoke(rt: Any, ctx: dict[str, Any]) -> Any:
        account = f"revoked{next(_SERIAL)}"
        agent = rt.invoke("POST", "/agents", headers=_bearer(ctx["token"]), body={
            "account": account, "email": f"{account}@example.com", "firstName": "R"}).json()
        with COUNTER.measure() as calls:
            response = rt.invoke("DELETE", f"/agents/{agent['id']}/sessions",
                                 headers=_bearer(ctx["token"]))
        ctx["measured"] = calls
        return response

    def openapi(rt: Any, ctx: dict[str, Any]) -> Any:
        return rt.invoke("GET", "/openapi.json")

    return [
        Scenario("POST", "/auth/login", 3, "resolve login + throttle; profile + hash; session "
                 "transaction", login),
        Scenario("POST", "/auth/refresh", 2, "session + profile; conditional rotation", refresh),
        Scenario("POST", "/auth/logout", 2, "authorizer read; session delete + audit", logout),
        Scenario("GET", "/me", 2, "authorizer read; profile read", me),
        Scenario("DELETE", "/agents/{id}/sessions", 2, "authorizer read; epoch bump + audit",
                 revoke),
        Scenario("GET", "/openapi.json", 0, "a file shipped in the layer", openapi),
        *agent_scenarios(),
        *other_scenarios(),
    ]


def other_scenarios() -> list[Scenario]:
    """Catalogues, audit, recovery, verification and two-factor enrolment."""

    def call(method: str, path: str, body: Any = None,
             public: bool = False) -> Callable[[Any, dict[str, Any]], Any]:
        def run(rt: Any, ctx: dict[str, Any]) -> Any:
            serial = next(_SERIAL)
            concrete = path.replace("{new}", f"q{serial}")
            headers = {} if public else _bearer(ctx["token"])
            return rt.invoke(method, concrete, headers=headers, body=body)
        return run

    def created_then(method: str, body: Any = None) -> Callable[[Any, dict[str, Any]], Any]:
        """Create a queue unmeasured, then measure ``method`` on it."""
        def run(rt: Any, ctx: dict[str, Any]) -> Any:
            queue = f"q{next(_SERIAL)}"
            rt.invoke("POST", "/queues", headers=_bearer(ctx["token"]),
                      body={"id": queue, "name": queue})
            with COUNTER.measure() as calls:
                response = rt.invoke(method, f"/queues/{queue}", headers=_bearer(ctx["token"]),
                                     body=body)
            ctx["measured"] = calls
            return response
        return run

    def post_queue(rt: Any, ctx: dict[str, Any]) -> Any:
        queue = f"q{next(_SERIAL)}"
        return rt.invoke("POST", "/queues", headers=_bearer(ctx["token"]),
                         body={"id": queue, "name": queue})

    return [
        Scenario("GET", "/queues", 2, "authorizer; one Query of the catalogue partition",
                 call("GET", "/queues")),
        Scenario("POST", "/queues", 2, "authorizer; conditional put + audit (one transaction)",
                 post_queue),
        Scenario("GET", "/queues/{id}", 2, "authorizer; one GetItem", created_then("GET")),
        Scenario("PATCH", "/queues/{id}", 3, "authorizer; read; conditional update + audit",
                 created_then("PATCH", {"name": "Renamed"})),
        Scenario("DELETE", "/queues/{id}", 4, "authorizer; read; in-use Query; conditional "
                 "delete + audit", created_then("DELETE")),
        Scenario("GET", "/audit", 2, "authorizer; one Query of the feed index",
                 call("GET", "/audit")),
        Scenario("POST", "/password/forgot", 3, "resolve login + counter; code write + outbox; "
                 "the same for unknown logins",
                 call("POST", "/password/forgot", {"login": "admin", "channel": "email"},
                      public=True)),
        Scenario("POST", "/email-verification", 1, "one read of the named change (unknown here)",
                 call("POST", "/email-verification",
                      {"token": "00000000-0000-0000-0000-000000000000.x"}, public=True)),
        Scenario("POST", "/me/two-factor", 4, "authorizer; profile; KMS Encrypt of the seed; put",
                 call("POST", "/me/two-factor")),
    ]


_SERIAL = iter(range(1_000_000))


def agent_scenarios() -> list[Scenario]:
    """The agent routes (issue 3): each on a fresh agent made outside the measurement."""

    def fresh_agent(rt: Any, ctx: dict[str, Any], **fields: Any) -> str:
        with COUNTER.paused():
            account = f"bench{next(_SERIAL)}"
            created = rt.invoke("POST", "/agents", headers=_bearer(ctx["token"]), body={
                "account": account, "email": f"{account}@example.com", "firstName": "B",
                "password": "Bench-Agent-Passw0rd", "forcePasswordChange": False,
                "sendWelcome": False, **fields})
        return str(created.json()["id"])

    def measured(call: Callable[[Any, dict[str, Any], str], Any],
                 before: Callable[[Any, dict[str, Any], str], Any] | None = None,
                 **fields: Any) -> Callable[[Any, dict[str, Any]], Any]:
        def run(rt: Any, ctx: dict[str, Any]) -> Any:
            agent_id = fresh_agent(rt, ctx, **fields)
            if before is not None:
                with COUNTER.paused():
                    before(rt, ctx, agent_id)
            with COUNTER.measure() as calls:
                response = call(rt, ctx, agent_id)
            ctx["measured"] = calls
            return response
        return run

    def as_admin(method: str, path: str, body: Any = None, query: Any = None,
                 ) -> Callable[[Any, dict[str, Any], str], Any]:
        def call(rt: Any, ctx: dict[str, Any], agent_id: str) -> Any:
            return rt.invoke(method, path.format(id=agent_id), headers=_bearer(ctx["token"]),
                             body=body, query=query)
        return call

    def as_self(method: str, path: str, body: Any) -> Callable[[Any, dict[str, Any], str], Any]:
        def call(rt: Any, ctx: dict[str, Any], agent_id: str) -> Any:
            with COUNTER.paused():
                own = rt.invoke("POST", "/auth/login", body={
                    "login": agent_id_account(rt, agent_id),
                    "password": "Bench-Agent-Passw0rd"}).json()["accessToken"]
            with COUNTER.measure() as calls:
                response = rt.invoke(method, path, headers=_bearer(own), body=body)
            ctx["self_calls"] = calls
            return response
        return call

    def self_measured(method: str, path: str, body: Any) -> Callable[[Any, dict[str, Any]], Any]:
        inner = measured(as_self(method, path, body))

        def run(rt: Any, ctx: dict[str, Any]) -> Any:
            response = inner(rt, ctx)
            ctx["measured"] = ctx["self_calls"]
            return response
        return run

    def agent_id_account(rt: Any, agent_id: str) -> str:
        from roster.repository import get_repository

        with COUNTER.paused():
            record = get_repository().get_agent(agent_id)
        assert record is not None
        return record.account

    def group(rt: Any, ctx: dict[str, Any], agent_id: str) -> None:
        from roster.repository import get_repository, keys

        get_repository().table.put({**keys.catalog("groups", "bench"), "type": "catalog",
                                    "kind": "groups", "id": "bench", "name": "Bench"})

    assigned = as_admin("PUT", "/agents/{id}/assignments/chat/c1")
    photo = as_admin("POST", "/agents/{id}/photo",
                     {"contentType": "image/png", "contentLength": 1000})

    def create(rt: Any, ctx: dict[str, Any]) -> Any:
        account = f"bench{next(_SERIAL)}"
        return rt.invoke("POST", "/agents", headers=_bearer(ctx["token"]), body={
            "account": account, "email": f"{account}@example.com", "firstName": "B"})

    return [
        Scenario("POST", "/agents", 3, "authorizer; references (one batch); one transaction "
                 "(guards, profile, credential, items, audit, outbox)", create),
        Scenario("GET", "/agents", 2, "authorizer; one Query of the account index",
                 as_admin_plain("GET", "/agents", query={"limit": "50"})),
        Scenario("GET", "/agents?role=", 3, "authorizer; Query of the role's references; "
                 "batch of the page's profiles",
                 as_admin_plain("GET", "/agents", query={"role": "agent"})),
        Scenario("GET", "/agents/numeric-ids", 2, "authorizer; Query of the ids partition",
                 as_admin_plain("GET", "/agents/numeric-ids")),
        Scenario("GET", "/agents/{id}", 2, "authorizer; profile",
                 measured(as_admin("GET", "/agents/{id}"))),
        Scenario("PATCH", "/agents/{id}", 3, "authorizer; profile; conditional update + items "
                 "+ audit", measured(as_admin("PATCH", "/agents/{id}", {"title": "x"}))),
        Scenario("DELETE", "/agents/{id}", 4, "authorizer; profile + counts; partition keys; "
                 "one transaction", measured(as_admin("DELETE", "/agents/{id}"))),
        Scenario("PUT", "/agents/{id}/assignments/{kind}/{ref}", 2, "authorizer; one "
                 "transaction (item, counter, audit)",
                 measured(as_admin("PUT", "/agents/{id}/assignments/chat/c1"))),
        Scenario("DELETE", "/agents/{id}/assignments/{kind}/{ref}", 2, "authorizer; one "
                 "transaction", measured(as_admin("DELETE", "/agents/{id}/assignments/chat/c1"),
                                         assigned)),
        Scenario("GET", "/agents/{id}/assignments", 2, "authorizer; one Query",
                 measured(as_admin("GET", "/agents/{id}/assignments"), assigned)),
        Scenario("PUT", "/agents/{id}/group", 4, "authorizer; profile; group exists; "
                 "transaction", measured(as_admin("PUT", "/agents/{id}/group",
                                                  {"groupId": "bench"}), group)),
        Scenario("POST", "/agents/{id}/photo", 3, "authorizer; profile; update (S3 presign "
                 "is local)", measured(as_admin("POST", "/agents/{id}/photo",
                                                {"contentType": "image/png",
                                                 "contentLength": 1000}))),
        Scenario("DELETE", "/agents/{id}/photo", 3, "authorizer; profile; update (the S3 "
                 "delete is not a table round trip)",
                 measured(as_admin("DELETE", "/agents/{id}/photo"), photo)),
        Scenario("PATCH", "/me", 3, "authorizer; profile; conditional update",
                 self_measured("PATCH", "/me", {"title": "x"})),
        Scenario("PUT", "/me/queue-status", 3, "authorizer; profile; conditional update",
                 self_measured("PUT", "/me/queue-status", {"status": "logged_on"})),
    ]


def as_admin_plain(method: str, path: str, query: Any = None,
                   ) -> Callable[[Any, dict[str, Any]], Any]:
    def run(rt: Any, ctx: dict[str, Any]) -> Any:
        return rt.invoke(method, path, headers=_bearer(ctx["token"]), query=query)
    return run


def measure_routes() -> list[dict[str, Any]]:
    from moto import mock_aws

    os.environ.update({"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                       "AWS_DEFAULT_REGION": "us-east-1"})
    os.environ.pop("AWS_ENDPOINT_URL", None)
    COUNTER.install()
    rows: list[dict[str, Any]] = []
    with mock_aws():
        from roster.local import Runtime

        runtime = Runtime().provision()
        original_pump = runtime.pump_streams

        def pump_uncounted() -> int:
            with COUNTER.paused():
                return original_pump()

        runtime.pump_streams = pump_uncounted  # type: ignore[method-assign]
        runtime.create_owner("Bench-Owner-Passw0rd")
        tokens = runtime.invoke("POST", "/auth/login",
                                body={"login": "admin",
                                      "password": "Bench-Owner-Passw0rd"}).json()
        from roster.repository import get_repository

        owner_id = get_repository().find_agent_id("admin")
        context: dict[str, Any] = {"token": tokens["accessToken"], "agent_id": owner_id}
        for scenario in scenarios():
            # Warm the function first: round trips are per warm request.
            with COUNTER.paused():
                scenario.run(runtime, dict(context))
            step: dict[str, Any] = dict(context)
            with COUNTER.measure() as calls:
                response = scenario.run(runtime, step)
            measured = step.get("measured", calls)
            total = sum(measured.values())
            rows.append({
                "route": f"{scenario.method} {scenario.route}",
                "status": response.status,
                "calls": total,
                "floor": scenario.floor,
                "ok": total <= scenario.floor + 1,
                "detail": ", ".join(f"{k} x{v}" for k, v in sorted(measured.items())),
                "why": scenario.why,
            })
            if scenario.route == "/auth/logout":
                tokens = runtime.invoke("POST", "/auth/login",
                                        body={"login": "admin",
                                              "password": "Bench-Owner-Passw0rd"}).json()
                context["token"] = tokens["accessToken"]
    return rows


# ----------------------------------------------------------------------------- cold start
BASELINE = ("import boto3\n"
            "from aws_lambda_powertools.event_handler import APIGatewayRestResolver\n"
            "APIGatewayRestResolver(enable_validation=True)\n")


def _import_seconds(code: str, extra_path: Path | None = None) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "shared"),
           "ROSTER_TABLE_NAME": "t", "ROSTER_KMS_KEY_ID": "k", "ROSTER_TOKEN_SECRET_ID": "s",
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


def render(routes: list[dict[str, Any]], baseline: float, imports: list[dict[str, Any]],
           sizes: list[dict[str, Any]]) -> str:
    lines = ["## Round trips per request (DynamoDB, KMS, Secrets Manager; authorizer included)",
             "",
             "| route | status | round trips | floor | within floor + 1 | calls | floor's job |",
             "|---|---|---|---|---|---|---|"]
    for row in routes:
        lines.append(f"| `{row['route']}` | {row['status']} | {row['calls']} | {row['floor']} | "
                     f"{'yes' if row['ok'] else '**no**'} | {row['detail']} | {row['why']} |")
    lines += ["", f"## Cold import (median of 5 fresh interpreters; baseline `import boto3` + "
              f"Powertools resolver = {baseline * 1000:.0f} ms)", "",
              "| function | import ms | ratio to baseline | ≤ 1.3 |", "|---|---|---|---|"]
    for row in imports:
        lines.append(f"| {row['function']} | {row['seconds'] * 1000:.0f} | {row['ratio']:.2f} | "
                     f"{'yes' if row['ok'] else '**no**'} |")
    lines += ["", "## Package sizes (`sam build` output, unzipped)", ""]
    if sizes:
        lines += ["| artifact | size |", "|---|---|"]
        lines += [f"| {row['artifact']} | {_human(row['bytes'])} |" for row in sizes]
    else:
        lines.append("No `.aws-sam/build`: run `make build` first to measure package sizes.")
    return "\n".join(lines) + "\n"


def write_doc(report: str) -> None:
    if not PERFORMANCE_DOC.exists():
        return
    text = PERFORMANCE_DOC.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        head, _, rest = text.partition(BEGIN)
        _, _, tail = rest.partition(END)
        PERFORMANCE_DOC.write_text(f"{head}{BEGIN}\n{report}{END}{tail}", encoding="utf-8")


def main() -> int:
    routes = measure_routes()
    baseline, imports = measure_cold_imports()
    report = render(routes, baseline, imports, measure_sizes())
    print(report)
    write_doc(report)
    failed = [r["route"] for r in routes if not r["ok"]]
    if failed:
        print("over floor + 1:", json.dumps(failed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

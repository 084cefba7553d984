"""Round trips per route: every declared route's scenarios, each measured warm, or one
"not measured" row."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from infra.bench.harness import Bench
from infra.bench.scenarios import Scenario, scenarios

Route = tuple[str, str]


def declared_routes() -> list[Route]:
    """The API's routes, ``(method, path template)``, from the one place that declares
    them (``roster.routes``)."""
    from roster.routes import ROUTES

    return [(route.method, route.path) for route in ROUTES]


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


def measure(bench: Bench, scenario: Scenario) -> RouteRow:
    """Warm the functions with one run, then count a second (set-up not counted)."""
    bench.send(scenario.prepare(bench))
    request = scenario.prepare(bench)
    with bench.counting() as recorded:
        response = bench.send(request)
    expected = response.status == scenario.expect if scenario.expect else response.status < 300
    return RouteRow(scenario.method, scenario.route, scenario.label, response.status,
                    Counter(recorded.counts), scenario.floor, scenario.job, expected)


def measure_routes(bench: Bench, only: str | None = None) -> list[RouteRow]:
    """Every declared route: its scenarios' rows, or one "not measured" row (``only``: the
    routes whose path contains it, for a quick look)."""
    by_route: dict[Route, list[Scenario]] = {}
    for scenario in scenarios():
        by_route.setdefault(scenario.key, []).append(scenario)
    routes = declared_routes()
    unknown = set(by_route) - set(routes)
    if unknown:
        raise SystemExit(f"scenarios for routes that are not declared: {sorted(unknown)}")
    rows: list[RouteRow] = []
    for method, path in sorted(routes, key=lambda r: (r[1], r[0])):
        if only is not None and only not in path:
            continue
        measured = by_route.get((method, path))
        if not measured:
            rows.append(RouteRow(method, path))
        rows += [measure(bench, scenario) for scenario in measured or []]
    return rows

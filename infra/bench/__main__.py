"""``python -m infra.bench`` (``make bench``): the whole bench, report written into
docs/performance.md; ``--routes [TEXT]``: only the round trips of the routes whose path
contains TEXT (all without it), printed, nothing written; ``--scale-only``: only the
cost as the table grows, its section replaced in docs/performance.md; ``--bulk-only``:
only bulk import through the worker, likewise; ``--routes-only``: every route's round
trips, likewise."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from infra.bench.bulk import measure_bulk, render_bulk
from infra.bench.footprint import measure_cold_imports, measure_sizes
from infra.bench.harness import Bench, local_stack
from infra.bench.report import (
    render_imports,
    render_routes,
    render_scale,
    render_sizes,
    replace_section,
    write_doc,
)
from infra.bench.routes import RouteRow, measure_routes
from infra.bench.scale import measure_scale


def checks(routes: list[RouteRow]) -> list[str]:
    """A line for every route not measured, above its floor + 1 or with another status."""
    lines = []
    for row in routes:
        if row.status is None:
            lines.append(f"not measured: {row.method} {row.route}")
        elif not row.ok or not row.expected:
            lines.append(f"check: {row.method} {row.route} {row.label}: status {row.status}, "
                         f"{row.trips} round trips, floor {row.floor}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.bench", description=__doc__)
    parser.add_argument("--routes", nargs="?", const="", metavar="TEXT",
                        help="only the round trips of the routes whose path contains TEXT")
    parser.add_argument("--routes-only", action="store_true",
                        help="only the round trips of every route (their section rewritten)")
    parser.add_argument("--bulk-only", action="store_true",
                        help="only bulk import through the worker (its section rewritten)")
    parser.add_argument("--scale-only", action="store_true",
                        help="only the cost as the table grows (its section rewritten)")
    arguments = parser.parse_args(argv)
    only = arguments.routes
    started = time.perf_counter()
    one_section: dict[str, Callable[[Bench], list[str]]] = {
        "routes_only": lambda bench: render_routes(measure_routes(bench)),
        "bulk_only": lambda bench: render_bulk(measure_bulk(bench)),
        "scale_only": lambda bench: render_scale(measure_scale(bench))}
    for flag, measure in one_section.items():
        if getattr(arguments, flag):
            with local_stack() as bench:
                section = "\n".join(measure(bench))
            print(section)
            replace_section(section)
            return 0
    with local_stack() as bench:
        routes = measure_routes(bench, only or None)
        if only is not None:
            print("\n".join([*render_routes(routes), *checks(routes)]))
            return 0
        bulk = measure_bulk(bench)
        scale = measure_scale(bench)
    baseline, imports = measure_cold_imports()
    sections = [render_routes(routes), render_bulk(bulk), render_scale(scale),
                render_imports(baseline, imports), render_sizes(measure_sizes())]
    report = "\n\n".join("\n".join(section) for section in sections)
    report += f"\n\n`make bench` ran in {time.perf_counter() - started:.0f} s.\n"
    print(report)
    write_doc(report)
    print("\n".join(checks(routes)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

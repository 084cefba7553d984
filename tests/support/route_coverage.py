"""A route nobody tests fails the suite: every route declared in ``roster.routes`` must be
served to at least one test other than the generic ones, which reach every route by
construction (the authorization matrix, the fuzzer, the registry's own checks).

Each process records the routes its ``Runtime`` dispatches while a non-generic test runs;
xdist workers hand theirs to the controller. Checked only when the whole suite runs
(``make test``: no paths, no ``-k``/``-m``), since a partial run serves fewer routes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

GENERIC_MODULES = {"test_authorization_matrix.py", "test_openapi_fuzz.py",
                   "test_api_routes.py", "test_bench.py"}
_served: set[tuple[str, str]] = set()
_recording = False


def pytest_configure(config: pytest.Config) -> None:
    from roster_local import runtime

    original = runtime.match_route

    def recorded(routes: Any, method: str, path: str) -> Any:
        matched = original(routes, method, path)
        if matched is not None and _recording:
            _served.add((matched[0].method, matched[0].path))
        return matched

    runtime.match_route = recorded  # type: ignore[assignment]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    global _recording
    _recording = item.path.name not in GENERIC_MODULES
    try:
        return (yield)
    finally:
        _recording = False


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """(xdist controller) a worker's routes."""
    _served.update(tuple(route) for route in json.loads(
        node.workeroutput.get("served_routes", "[]")))


def _whole_suite(config: pytest.Config) -> bool:
    return (config.args_source == pytest.Config.ArgsSource.TESTPATHS
            and not config.getoption("keyword") and not config.getoption("markexpr"))


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    if hasattr(config, "workeroutput"):  # an xdist worker: report to the controller
        config.workeroutput["served_routes"] = json.dumps(sorted(_served))
        return
    if not _whole_suite(config) or exitstatus != 0:
        return
    from roster.routes import ROUTES

    untested = sorted({(r.method, r.path) for r in ROUTES} - _served)
    if untested:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line("Routes no test calls (besides the generic ones): "
                                + ", ".join(f"{m} {p}" for m, p in untested), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED

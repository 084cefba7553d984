"""The bench's scenarios name declared routes only, so its "not measured" list is what the
declaration has and the scenarios lack (``make bench`` stops on a stray scenario)."""

from __future__ import annotations

from infra.bench.routes import declared_routes
from infra.bench.scenarios import scenarios


def test_every_scenario_measures_a_declared_route() -> None:
    declared = set(declared_routes())
    assert declared
    assert {scenario.key for scenario in scenarios()} <= declared


def test_every_scenario_has_a_floor_and_a_job() -> None:
    for scenario in scenarios():
        assert scenario.floor >= 0 and scenario.job, scenario.key

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


def test_seeded_agents_carry_the_items_the_repository_would_write() -> None:
    from roster.models.agent import AgentRecord
    from roster.repository.dynamodb import DynamoRepository
    from roster.repository.table import deserialize

    from infra.bench.scale import minimal_agents

    items = [deserialize(raw) for raw in minimal_agents(7, 4, "2026-01-01T00:00:00+00:00")]
    profiles = [item for item in items if item["sk"] == "PROFILE"]
    assert len(profiles) == 4
    for profile in profiles:
        record = AgentRecord.model_validate(profile)
        mine = [item for item in items if item.get("agentId") == record.id]
        assert sorted((i["pk"], i["sk"]) for i in mine) == sorted(
            (i["pk"], i["sk"]) for i in [*DynamoRepository.reference_items(record),
                                         *DynamoRepository.search_items(record)])
    assert {AgentRecord.model_validate(p).language for p in profiles} == {"en", "nb"}
    assert len({AgentRecord.model_validate(p).account for p in profiles}) == 4

"""The audit trail as stored (one partition per agent)."""

from __future__ import annotations

from typing import Any

from roster.repository import get_repository, keys
from roster.repository.table import Expression


def audit_events(agent_id: str) -> list[dict[str, Any]]:
    """Every audit item of the agent (a consistent read)."""
    items, _ = get_repository().table.query(Expression(
        "pk = :pk", values={":pk": keys.audit_partition(agent_id)}), consistent=True)
    return items


def audit_actions(agent_id: str) -> list[str]:
    return [str(item["action"]) for item in audit_events(agent_id)]

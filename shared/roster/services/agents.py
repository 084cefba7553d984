"""Agent records: the views the API returns and the messages that go with changes."""

from __future__ import annotations

from typing import Literal

from roster.models.agent import Agent, AgentRecord, PropertyValue
from roster.models.outbox import OutboxMessage
from roster.repository import get_repository

PasswordMode = Literal["set", "generate", "invite"]


def group_properties(record: AgentRecord) -> dict[str, PropertyValue]:
    if not record.groupId:
        return {}
    group = get_repository().get_catalog_item("groups", record.groupId)
    return dict(group.get("properties", {})) if group else {}


def agent_view(record: AgentRecord) -> Agent:
    """The contract's resource: the record plus what is derived at read time."""
    return Agent.from_record(record, group_properties=group_properties(record))


def welcome_message(record: AgentRecord, mode: PasswordMode,
                    temporary_password: str | None) -> OutboxMessage:
    """The account-details email; a generated password travels sealed, never in clear."""
    template = {"generate": "welcome.temporary", "set": "welcome.set",
                "invite": "welcome.invite"}[mode]
    return OutboxMessage(
        channel="email",
        to=record.email,
        template=template,
        language=record.language,
        agentId=record.id,
        params={"firstName": record.firstName, "account": record.account,
                "email": record.email},
        secret_params=(
            {"temporaryPassword": temporary_password} if temporary_password else {}
        ),
    )

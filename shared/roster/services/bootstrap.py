"""The owner: the admin account created with the installation."""

from __future__ import annotations

import uuid
from datetime import timedelta

from roster import clock, passwords
from roster.config import get_settings
from roster.errors import AccountTaken, EmailTaken
from roster.models.agent import AgentRecord
from roster.models.audit import AuditEvent
from roster.models.credentials import PasswordCredential
from roster.permissions import ADMIN_ROLE, BUILT_IN_ROLE_NAMES, BUILT_IN_ROLES
from roster.ports.agents import agent_store
from roster.ports.catalog import catalog_store
from roster.services.agents import PasswordMode, welcome_message


def create_owner(account: str, email: str, password: str | None, *, temporary: bool) -> str:
    """Create the owner once; return the password it was given (generated when ``None``).

    Idempotent for CloudFormation retries: an owner already there is left as it is and
    an empty string is returned (its password is never known twice).
    """
    repository = agent_store()
    stamp = clock.iso(clock.now())
    catalog_store().seed_catalog_items("roles", [
        {"id": role, "name": BUILT_IN_ROLE_NAMES[role], "permissions": list(granted),
         "builtIn": True, "createdAt": stamp, "updatedAt": stamp}
        for role, granted in BUILT_IN_ROLES.items()
    ])
    repository.write_decoy_profile()
    if repository.find_agent_id(account) is not None:
        return ""
    chosen = password or passwords.generate_password()
    moment = clock.now()
    stamp = clock.iso(moment)
    record = AgentRecord(
        id=str(uuid.uuid4()), account=account, email=email, firstName="Owner",
        lastName="", alias="Owner", roles=[ADMIN_ROLE], isOwner=True,
        passwordStatus="temporary" if temporary else "set",
        createdAt=stamp, updatedAt=stamp,
    )
    credential = PasswordCredential(
        hash=passwords.hash_password(chosen), temporary=temporary, setAt=stamp,
        expiresAt=(
            clock.iso(moment + timedelta(seconds=get_settings().temp_password_ttl_seconds))
            if temporary else None
        ),
    )
    mode: PasswordMode = "generate" if temporary else "set"
    try:
        repository.create_agent(
            record,
            password=credential,
            audit=[AuditEvent(actorId=None, action="agent.created", targetId=record.id,
                              details={"account": account, "owner": True})],
            messages=[welcome_message(record, mode, chosen if temporary else None)],
        )
    except (AccountTaken, EmailTaken):
        return ""
    return chosen

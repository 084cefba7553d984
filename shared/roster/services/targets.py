"""Which agent a route's ``{id}`` (or ``?reassignTo=``) names: its id, or its account
(API.md v2, "Finding agents"). One place for every route, so none forgets it."""

from __future__ import annotations

from roster.models.agent import ACCOUNT_PATTERN, id_shaped
from roster.ports.agents import agent_store


def agent_id_for(reference: str) -> str:
    """The id of the agent ``reference`` names. An id-shaped one is an id as it stands
    (no round trip; an account may not have that shape, so an id wins); otherwise the
    agent whose account it is (one read of the account's guard), or ``reference``
    unchanged when no account is that (the route answers for an unknown id as before)."""
    if id_shaped(reference) or not ACCOUNT_PATTERN.fullmatch(reference):
        return reference
    return agent_store().find_agent_id(reference) or reference

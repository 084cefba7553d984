"""Roster: agent accounts and sign-in for a contact centre (the shared Lambda layer)."""

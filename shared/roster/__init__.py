"""Roster: agent accounts and sign-in for a contact centre (the shared Lambda layer).

Importing the package freezes the objects already alive (boto3, botocore, Powertools,
pydantic: every function imports them before Roster) into the collector's permanent
generation. They live as long as the process anyway, and without this each full
collection the rest of the cold start triggers walks all of them again: one such pass
is ~25 ms, an eighth of the baseline cold start. Cyclic garbage that exists at this
moment is kept rather than collected, which is a few kilobytes at most.
"""

import gc

gc.freeze()

"""The words ``GET /agents?q=`` matches (API.md v2, "Agents and search"): each term of the
query must start a word of firstName, lastName, alias, account or email, case- and
accent-insensitive. The start of the whole account or email (``jane.d``, ``jane@ex``)
needs no word of its own: its terms (``jane``, ``d``) start the agent's words. Shared by
the store that indexes the words and the filter that checks them."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from roster.models.agent import AgentRecord

# Letters NFKD does not decompose into a base letter and a mark.
_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "ß": "ss", "đ": "d", "ł": "l"})
_SEPARATORS = re.compile(r"[\W_]+")
WORD_FIELDS = ("firstName", "lastName", "alias", "account", "email")


def fold(text: str) -> str:
    """Lower case, accents dropped (NFKD, combining marks removed), then ø→o, æ→ae, ß→ss,
    đ→d, ł→l: ``Åse Ødegård`` → ``ase odegard``."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return bare.translate(_LETTERS)


def _split(text: str) -> list[str]:
    return [word for word in _SEPARATORS.split(fold(text)) if word]


def words(record: AgentRecord) -> set[str]:
    """Every folded word of the searched fields."""
    found: set[str] = set()
    for name in WORD_FIELDS:
        value = getattr(record, name)
        if value:
            found.update(_split(str(value)))
    return found


def terms(query: str) -> tuple[str, ...]:
    """A query's terms, split as the words are (each must start a word); none when it
    has no letter or digit."""
    return tuple(dict.fromkeys(_split(query)))


def driving_term(found: tuple[str, ...]) -> str:
    """The term a listing reads the index by: the longest (the fewest words start with it)."""
    return max(found, key=len)

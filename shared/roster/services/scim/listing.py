"""``GET /Users``: ``filter``, ``startIndex``/``count`` and attribute selection.

The filter is parsed and checked against the published User schema by ``scim2-models``
(``SearchRequest``/``ScimFilter``: no parser of our own); its tree then picks where the
agents are read from, and the library's own ``match`` decides on each User read:

- an ``eq`` on ``id`` anywhere in a top-level ``and`` reads that profile; one on
  ``userName``, ``externalId`` or ``emails.value`` (also ``emails[type eq "work"].value``)
  reads one uniqueness guard and at most one profile: two round trips, whatever the
  table's size;
- otherwise an ``sw`` on ``userName`` or ``emails.value`` reads the word index
  (``GET /agents?q=``'s), and ``active eq`` the activity index;
- any other filter reads agents in account order and gives up with ``400 tooMany``
  once ``MAX_EXAMINED`` agents were examined without finishing the page: never a Scan;
- no listing reads more than ``MAX_PAGED`` agents to reach ``startIndex`` (``tooMany``:
  an answer, never a timeout).

``startIndex`` is 1-based over the matches in account order: reaching it reads every
match before it, so a page costs ``startIndex + count`` agents read (docs/scim.md).
``totalResults`` is exact when the listing reached its end (an ``eq`` filter always
does); otherwise it is a lower bound, ``startIndex - 1 + count + 1``, that tells a
client paging until ``startIndex > totalResults`` there is more: the table is never
counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from scim2_models import Context, ListResponse, SearchRequest, TooManyException
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    ValuePath,
)

from roster.models.agent import AgentRecord
from roster.models.scim import ScimGroup, ScimUser
from roster.models.scim_discovery import MAX_RESULTS
from roster.ports.agents import AgentFilter, agent_store
from roster.services.scim import MAX_KEY_VALUE, parse, render, translated
from roster.services.scim.users import user_of

DEFAULT_COUNT = MAX_COUNT = MAX_RESULTS  # ServiceProviderConfig's filter.maxResults
MAX_EXAMINED = 1000  # agents a filter without an index may examine per request
MAX_PAGED = 10_000  # agents any listing reads to reach startIndex (a request's time)
NOBODY = AgentFilter(account="")  # matches no agent (no account is empty)
READ_PAGE = 100


@dataclass(frozen=True)
class Search:
    """A listing request as ``scim2-models`` read it."""

    request: SearchRequest[Any]

    @property
    def start(self) -> int:
        return max(self.request.start_index or 1, 1)

    @property
    def count(self) -> int:
        wanted = DEFAULT_COUNT if self.request.count is None else self.request.count
        return min(max(wanted, 0), MAX_COUNT)

    @property
    def attributes(self) -> list[str] | None:
        return [str(a) for a in self.request.attributes] if self.request.attributes else None

    @property
    def excluded(self) -> list[str] | None:
        return ([str(a) for a in self.request.excluded_attributes]
                if self.request.excluded_attributes else None)


USER_SEARCH = SearchRequest[ScimUser]
GROUP_SEARCH = SearchRequest[ScimGroup]


def names(value: str | None) -> list[str] | None:
    """A comma-separated list of attribute names (``attributes=userName,emails``)."""
    found = [part.strip() for part in (value or "").split(",") if part.strip()]
    return found or None


@translated
def read_search(kind: type[SearchRequest[Any]], query: dict[str, str]) -> Search:
    """The query string of a listing (``filter``, ``startIndex``, ``count``,
    ``attributes``, ``excludedAttributes``) as a search of ``kind``'s resource."""
    payload: dict[str, Any] = {
        name: value for name, value in query.items()
        if name in ("filter", "startIndex", "count")
    }
    for name in ("attributes", "excludedAttributes"):
        if names(query.get(name)):
            payload[name] = names(query.get(name))
    return Search(parse(kind, payload, Context.SEARCH_REQUEST))


# ---------------------------------------------------------------------- planning
def _terms(node: FilterNode | None) -> list[FilterNode]:
    """The terms of a top-level ``and`` (the node itself when it is not one)."""
    if node is None:
        return []
    if isinstance(node, LogicalExpr) and node.op == LogicalOperator.and_:
        return [term for inner in node.terms for term in _terms(inner)]
    return [node]


def _named(path: AttrPath, *names: str) -> bool:
    dotted = f"{path.attr}.{path.sub_attr}" if path.sub_attr else path.attr
    return dotted.lower() in {name.lower() for name in names}


def _email_eq(term: FilterNode) -> str | None:
    """The address of ``emails.value eq "a"`` or ``emails[... and value eq "a"]``."""
    if isinstance(term, Comparison) and term.op == CompareOperator.eq \
            and _named(term.attr_path, "emails.value", "emails"):
        return str(term.value)
    if isinstance(term, ValuePath) and _named(term.attr_path, "emails"):
        for inner in _terms(term.val_filter):
            if isinstance(inner, Comparison) and inner.op == CompareOperator.eq \
                    and _named(inner.attr_path, "value"):
                return str(inner.value)
    return None


def eq_value(root: FilterNode | None, attribute: str) -> str | None:
    """The string of an ``<attribute> eq "..."`` term of a top-level ``and``."""
    for term in _terms(root):
        if isinstance(term, Comparison) and term.op == CompareOperator.eq \
                and _named(term.attr_path, attribute) and isinstance(term.value, str):
            return term.value
    return None


def user_source(root: FilterNode | None) -> tuple[AgentFilter, bool]:
    """Where the agents a User filter may match are read from, and whether that source
    is bounded by an index (else ``MAX_EXAMINED`` applies)."""
    wanted = AgentFilter()
    indexed = False
    for term in _terms(root):
        email = _email_eq(term)
        if email is not None:
            return (AgentFilter(email=email) if len(email) <= MAX_KEY_VALUE else NOBODY), True
        if not isinstance(term, Comparison) or not isinstance(term.value, str | bool):
            continue
        value = str(term.value)
        if term.op == CompareOperator.eq and _named(term.attr_path, "userName", "externalId"):
            if len(value) > MAX_KEY_VALUE:
                return NOBODY, True
            if _named(term.attr_path, "userName"):
                return AgentFilter(account=value), True
            return AgentFilter(external_id=value), True
        if term.op == CompareOperator.sw and _named(term.attr_path, "userName", "emails.value",
                                                    "emails") and not wanted.q:
            if len(value) > MAX_KEY_VALUE:
                return NOBODY, True
            wanted, indexed = replace(wanted, q=value), True
        if term.op == CompareOperator.eq and _named(term.attr_path, "active") \
                and isinstance(term.value, bool):
            wanted = replace(wanted, active=term.value)
    if wanted.q and not wanted.terms:  # nothing to search the word index for
        wanted, indexed = replace(wanted, q=""), False
    return wanted, indexed


# ---------------------------------------------------------------------- reading
def _by_id(agent_id: str) -> Iterator[AgentRecord]:
    """The agent with that id, unless deprovisioned (one read)."""
    record = agent_store().get_agent(agent_id) if len(agent_id) <= MAX_KEY_VALUE else None
    if record is not None and record.deprovisionedAt is None:
        yield record


def visible_agents(wanted: AgentFilter, *, hidden: bool = False) -> Iterator[AgentRecord]:
    """Every agent ``wanted`` reads, deprovisioned ones left out (hidden from SCIM)
    unless ``hidden``, each once, page by page as the caller consumes them."""
    after: str | None = None
    seen: set[str] = set()
    read = wanted if hidden else replace(wanted, deprovisioned=False)
    while True:
        records, after = agent_store().agent_page(read, limit=READ_PAGE, after=after)
        for record in records:
            if record.id not in seen:
                seen.add(record.id)
                yield record
        if after is None:
            return


@translated
def list_users(search: Search, base: str) -> dict[str, Any]:
    """A ``ListResponse`` of the Users ``search`` asks for (see the module's notes)."""
    root = search.request.filter.ast if search.request.filter else None
    source, indexed = user_source(root)
    by_id = eq_value(root, "id")
    bounded = root is not None and not indexed and by_id is None
    limit = MAX_EXAMINED if bounded else MAX_PAGED
    skip, count = search.start - 1, search.count
    page: list[ScimUser] = []
    matched = examined = 0
    for record in (_by_id(by_id) if by_id is not None else visible_agents(source)):
        examined += 1
        if examined > limit:
            if len(page) == count:  # full: more may follow, and the client pages on
                matched += 1
                break
            raise TooManyException(detail=(
                f"This filter examines more than {MAX_EXAMINED} users; narrow it with an eq "
                "on userName, externalId or emails.value, or sw on userName" if bounded else
                f"startIndex paging reads every user before it, at most {MAX_PAGED} a "
                "request; narrow the listing with a filter"))
        user = user_of(record, base)
        if search.request.filter is not None and not search.request.filter.match(user):
            continue
        matched += 1
        if matched <= skip:
            continue
        if len(page) == count:  # one match past the page: there is more
            break
        page.append(user)
    # Past the page, ``matched`` counted one more: a lower bound beyond what was shown.
    total = matched
    response = ListResponse[ScimUser](total_results=total, start_index=search.start,
                                      items_per_page=len(page), resources=page)
    return render(response, Context.SEARCH_RESPONSE, attributes=search.attributes,
                  excluded=search.excluded)

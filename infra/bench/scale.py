"""Items read by one ``GET /agents`` page (unfiltered and by each of ``FILTERED_PAGES``)
and one cleanup run as the table grows to each of ``SCALE_SIZES`` agents (with a fixed
number of expired email changes): flat or not."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from infra.bench.harness import Bench, Request

SCALE_SIZES = (100, 10_000, 100_000)
EXPIRED_CHANGES = 5  # expired unverified email changes present at each size
# One page of each: the word index, a reference and an attribute partition, two filters.
FILTERED_PAGES: dict[str, dict[str, str]] = {
    "q=bulk": {"q": "bulk"},
    "skill=billing": {"skill": "billing"},
    "language=nb": {"language": "nb"},
    "role=agent&language=nb": {"role": "agent", "language": "nb"},
}
# The seeded agents' variants, in turn: half speak nb, every other pair has the skill.
_VARIANTS = (("nb", True), ("en", True), ("nb", False), ("en", False))


@dataclass
class ScaleRow:
    agents: int
    list_reads: int
    list_calls: Counter[str]
    cleanup_reads: int
    cleanup_calls: Counter[str]
    expired: int  # email changes the cleanup ended
    seconds: float  # seeding time
    filtered_reads: dict[str, int]  # items one page of each of ``FILTERED_PAGES`` read
    filtered_full: dict[str, bool]  # whether that page was full (a smaller one reads less)


def count_items(table_name: str, attribute: str, value: str) -> int:
    """Items of moto's table with ``attribute`` = ``value`` (a bench set-up check, no API)."""
    from roster_local.moto_tuning import backend_table

    return sum(1 for item in backend_table(table_name).all_items()
               if (found := item.attrs.get(attribute)) is not None and found.value == value)


def minimal_agents(start: int, count: int, stamp: str) -> Iterator[dict[str, Any]]:
    """Profiles as the repository lays them out, less the attributes left at their
    defaults (``AgentRecord`` fills them in on read), each with its reference, attribute
    and word items (what the filtered listings read): valid, and what a listing needs.

    The repository builds each of ``_VARIANTS`` once with placeholder id and account;
    each agent is its variant's items (serialised) with the placeholders replaced: ~20
    times faster than a pydantic model per agent, and the layout still comes from
    ``DynamoRepository`` (``agent_item``, ``reference_items``, ``search_items``).
    """
    import json

    from roster.models.agent import AgentRecord
    from roster.repository.dynamodb import DynamoRepository
    from roster.repository.table import serialize

    templates = []
    for language, skilled in _VARIANTS:
        sample = AgentRecord(id="@id@", account="bulkxxxxxx", email="bulkxxxxxx@example.com",
                             firstName="Bulk", alias="Bulk", language=language,
                             skills=[{"skillId": "billing", "level": 3}] if skilled else [],
                             createdAt=stamp, updatedAt=stamp)
        defaults = set(sample.model_dump()) - set(sample.model_dump(exclude_defaults=True))
        defaults.discard("version")  # updates do ``version = version + 1``
        profile = {name: value for name, value in DynamoRepository.agent_item(sample).items()
                   if name not in defaults}
        templates.append(json.dumps([serialize(item) for item in (
            profile, *DynamoRepository.reference_items(sample),
            *DynamoRepository.search_items(sample))]))
    for n in range(start, start + count):
        text = templates[n % len(templates)].replace("@id@", str(uuid.uuid4()))
        yield from json.loads(text.replace("xxxxxx", f"{n:06d}"))


def expired_changes(count: int, tag: str) -> list[dict[str, Any]]:
    """Agents with an email change that expired an hour ago: profile + token item each,
    laid out by the repository as ``PATCH`` would have written them."""
    from roster import clock
    from roster.models.agent import AgentRecord
    from roster.models.email_change import EmailChange
    from roster.repository import get_repository

    repository = get_repository()
    then = clock.now() - timedelta(days=1, hours=1)
    started, expires = clock.iso(then), clock.iso(then + timedelta(days=1))
    items: list[dict[str, Any]] = []
    for n in range(count):
        account = f"expired-{tag}-{n}"
        change = EmailChange(agentId=str(uuid.uuid4()), email=f"new-{account}@example.com",
                             digest=uuid.uuid4().hex, expiresAt=expires, createdAt=started)
        record = AgentRecord(id=change.agentId, account=account,
                             email=f"{account}@example.com", firstName="E", alias="E",
                             pendingEmail=change.pending, createdAt=started, updatedAt=started)
        items += [repository.agent_item(record), repository.email_change_item(change)]
    return items


def measure_scale(bench: Bench) -> list[ScaleRow]:
    """``GET /agents`` and the cleanup as the table grows to each of ``SCALE_SIZES``."""
    from roster import clock
    from roster.repository import get_repository, keys
    from roster_local.moto_tuning import seed_items

    repository = get_repository()
    stamp = clock.iso(clock.now())
    present = count_items(repository.table.name, "gsi1pk", keys.AGENT_LIST_PARTITION)
    if present + EXPIRED_CHANGES > SCALE_SIZES[0]:
        raise SystemExit(f"{present} agents already: more than {SCALE_SIZES[0]} to start from")
    bulk = 0
    rows: list[ScaleRow] = []
    for size in SCALE_SIZES:
        started = time.perf_counter()
        repository.table.batch_write(puts=expired_changes(EXPIRED_CHANGES, str(size)))
        present += EXPIRED_CHANGES
        seed_items(repository.table.name, minimal_agents(bulk, size - present, stamp))
        bulk, present = bulk + size - present, size
        seeded = time.perf_counter() - started
        with bench.counting() as listing:
            page = bench.send(Request("GET", "/agents", bench.admin))
        if page.status != 200:
            raise RuntimeError(f"GET /agents at {size}: {page.status} {page.text}")
        filtered: dict[str, int] = {}
        full: dict[str, bool] = {}
        for label, query in FILTERED_PAGES.items():
            with bench.counting() as reading:
                found = bench.send(Request("GET", "/agents", bench.admin, query=query))
            if found.status != 200 or not found.json()["items"]:
                raise RuntimeError(f"GET /agents?{label} at {size}: {found.status} {found.text}")
            filtered[label] = reading.items_read
            full[label] = found.json()["nextCursor"] is not None
        with bench.counting() as cleaning:
            summary = bench.runtime.run_function("cleanup")
        rows.append(ScaleRow(size, listing.items_read, Counter(listing.counts),
                             cleaning.items_read, Counter(cleaning.counts),
                             int(summary["expiredEmailChanges"]), seeded, filtered, full))
    return rows


def flat(rows: list[ScaleRow]) -> bool:
    """The cost at the largest size is no more than at the smallest for the unfiltered
    page and the cleanup; for a filtered page, no more than at the size before (at 100
    agents some filters match fewer than a page holds: that page reads less)."""
    first, before, last = rows[0], rows[-2] if len(rows) > 1 else rows[0], rows[-1]
    return (last.list_reads <= first.list_reads and last.cleanup_reads <= first.cleanup_reads
            and all(last.filtered_reads[label] <= before.filtered_reads[label]
                    for label in FILTERED_PAGES))

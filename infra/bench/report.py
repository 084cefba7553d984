"""The bench's report: markdown tables, printed and written into docs/performance.md
between its markers."""

from __future__ import annotations

from infra.bench import ROOT
from infra.bench.footprint import RATIO_GOAL, RUNS, ImportRow, Size
from infra.bench.harness import detail
from infra.bench.routes import RouteRow
from infra.bench.scale import EXPIRED_CHANGES, FILTERED_PAGES, ScaleRow, flat

PERFORMANCE_DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def _human(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{size / 1000:.1f} kB"


def _yes(ok: bool) -> str:
    return "yes" if ok else "**no**"


def render_routes(rows: list[RouteRow]) -> list[str]:
    measured = [r for r in rows if r.status is not None]
    routes = {(r.method, r.route) for r in rows}
    lines = ["## Round trips per request (DynamoDB, KMS, Secrets Manager; authorizer included)",
             "", f"{len(routes)} routes declared, {len(measured)} scenarios; "
             f"{sum(r.ok for r in measured)} within floor + 1.", "",
             "| route | scenario | status | round trips | floor | within floor + 1 | calls "
             "| floor's job |", "|---|---|---|---|---|---|---|---|"]
    for row in rows:
        route = f"`{row.method} {row.route}`"
        if row.status is None:
            lines.append(f"| {route} | | | **not measured** | | | | |")
            continue
        status = str(row.status) if row.expected else f"**{row.status}**"
        lines.append(f"| {route} | {row.label} | {status} | {row.trips} | {row.floor} | "
                     f"{_yes(row.ok)} | {detail(row.calls)} | {row.job} |")
    return lines


def render_scale(rows: list[ScaleRow]) -> list[str]:
    lines = ["## Cost as the table grows (items read; round trips)", "",
             f"Each size has {EXPIRED_CHANGES} expired unverified email changes for the cleanup "
             "to end; items read include the authorizer's.", "",
             "| agents | seeded in | `GET /agents` items read | its calls | cleanup items "
             "read | its calls | changes ended |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {r.agents:,} | {r.seconds:.0f} s | {r.list_reads} | {detail(r.list_calls)} | "
              f"{r.cleanup_reads} | {detail(r.cleanup_calls)} | {r.expired} |" for r in rows]
    lines += ["", "One page (50) of filtered `GET /agents`, items read (the seeded agents have "
              "their reference, attribute and word items; half speak nb, half have the skill; "
              "*short page*: fewer matches than 50, so flat is judged from the size before "
              "the largest):",
              "", "| agents | " + " | ".join(f"`?{label}`" for label in FILTERED_PAGES) + " |",
              "|---|" + "---|" * len(FILTERED_PAGES)]
    lines += [f"| {r.agents:,} | " + " | ".join(
        f"{r.filtered_reads[label]}{'' if r.filtered_full[label] else ' (*short page*)'}"
        for label in FILTERED_PAGES) + " |" for r in rows]
    lines += ["", f"Flat (the unfiltered page and the cleanup: no growth from "
              f"{rows[0].agents:,} to {rows[-1].agents:,} agents; the filtered pages: from "
              f"{rows[max(len(rows) - 2, 0)].agents:,} to {rows[-1].agents:,}): "
              f"{_yes(flat(rows))}."]
    return lines


def render_imports(baseline: float, imports: list[ImportRow]) -> list[str]:
    lines = [f"## Cold import (median of {RUNS} fresh interpreters; baseline `import boto3` + "
             f"Powertools resolver = {baseline * 1000:.0f} ms)", "",
             f"| function | import ms | ratio to baseline | ≤ {RATIO_GOAL} |",
             "|---|---|---|---|"]
    lines += [f"| {row.function} | {row.seconds * 1000:.0f} | {row.ratio:.2f} | "
              f"{_yes(row.ok)} |" for row in imports]
    return lines


def render_sizes(sizes: list[Size]) -> list[str]:
    layer, *functions = sizes
    lines = ["## Package sizes (unzipped)", "",
             f"The layer ({layer.artifact}): **{_human(layer.bytes)}**, measured in "
             f"{layer.source}.", ""]
    if not functions:
        return [*lines, "No `.aws-sam/build`: run `make build` first to measure the "
                "functions' packages (and the layer with its dependencies)."]
    return [*lines, "| artifact | size |", "|---|---|",
            *(f"| {row.artifact} | {_human(row.bytes)} |" for row in functions)]


def write_doc(report: str) -> None:
    if not PERFORMANCE_DOC.exists():
        return
    text = PERFORMANCE_DOC.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        head, _, rest = text.partition(BEGIN)
        _, _, tail = rest.partition(END)
        PERFORMANCE_DOC.write_text(f"{head}{BEGIN}\n{report}{END}{tail}", encoding="utf-8")


def replace_section(section: str) -> None:
    """Put ``section`` (a rendered report section) in place of the one with its heading in
    the bench's part of docs/performance.md, the rest as the last run wrote it."""
    if not PERFORMANCE_DOC.exists():
        return
    text = PERFORMANCE_DOC.read_text(encoding="utf-8")
    heading = section.split("\n", 1)[0]
    if BEGIN not in text or END not in text:
        raise SystemExit(f"no bench part in {PERFORMANCE_DOC}: run the whole bench")
    start = text.find(heading)
    if start < 0:  # a section the last whole run did not have yet: it goes last
        end = text.index(END)
        PERFORMANCE_DOC.write_text(f"{text[:end]}\n{section}\n{text[end:]}", encoding="utf-8")
        return
    following = text.find("\n## ", start + len(heading))
    end = text.index(END) if following < 0 else min(following + 1, text.index(END))
    PERFORMANCE_DOC.write_text(f"{text[:start]}{section}\n\n{text[end:]}", encoding="utf-8")

"""The portfolio dashboard of one organisation, at 10,000 and at 100,000 proposals."""

from __future__ import annotations

import dataclasses
import time

from .common import (
    MEASURED,
    PORTFOLIO_RATIO_GOAL,
    BenchContext,
    BenchError,
    Row,
    Section,
    analyze_database,
    manage,
    ms,
    run_probe,
)
from .wrk import load_page

PORTFOLIO_PREFIX = "portfolio"
PORTFOLIO_SIZES = (10_000, 100_000)
PORTFOLIO_GOAL_MS = 100.0
PORTFOLIO_PATH = "/proposals/portfolio/"


def portfolio_section(ctx: BenchContext) -> Section:
    """The portfolio dashboard of one organisation holding 10,000, then 100,000 proposals."""
    slug = f"{PORTFOLIO_PREFIX}-1"
    email = f"owner@{slug}.mlfit.test"
    section = Section(title="Portfolio dashboard")
    seeded = 0
    counts: dict[int, int] = {}
    for size in PORTFOLIO_SIZES:
        started = time.perf_counter()
        manage(
            ctx.env,
            "seed_demo",
            "--proposals",
            str(size - seeded),
            "--organisations",
            "1",
            "--prefix",
            PORTFOLIO_PREFIX,
            "--seed",
            str(size),
        )
        seconds = time.perf_counter() - started
        print(f"portfolio: seeded {size - seeded:,} more proposals into {slug} in {seconds:.1f} s", flush=True)
        section.rows.append(Row(f"seed_demo: {size - seeded:,} proposals into one organisation", f"{seconds:.1f} s"))
        seeded = size
        if ctx.analyzed:
            analyze_database()
        if not counts:
            out = run_probe(ctx.env, "scripts.bench.probes.session", "--email", email, "--org", slug)
            pctx = dataclasses.replace(ctx, cookie=out["sessionid"])
        queries = run_probe(
            ctx.env, "scripts.bench.probes.portfolio_queries", "--email", email, "--path", PORTFOLIO_PATH
        )
        if queries["status"] != 200 or queries["proposals"] != size:
            raise BenchError(f"portfolio: unexpected answer while counting queries: {queries}")
        counts[size] = queries["queries"]
        result = load_page(pctx, f"portfolio_{size}", PORTFOLIO_PATH)
        label = f"`{PORTFOLIO_PATH}` at {size:,} proposals"
        section.rows += [
            Row(f"{label}: requests/s", f"{result.rps:.0f}"),
            Row(f"{label}: p50", ms(result.p50_ms)),
            Row(
                f"{label}: p95",
                ms(result.p95_ms),
                f"< {PORTFOLIO_GOAL_MS:.0f} ms",
                result.p95_ms < PORTFOLIO_GOAL_MS,
            ),
            Row(f"{label}: p99", ms(result.p99_ms)),
            Row(f"{label}: CPU per request: app / PostgreSQL", f"{ms(result.app_cpu_ms)} / {ms(result.db_cpu_ms)}"),
            Row(f"{label}: queries per page", str(counts[size])),
            Row(
                f"{label}: requests/s ÷ signed-in `/ping/` requests/s",
                f"{result.rps / MEASURED['ping_rps']:.0%}" if MEASURED.get("ping_rps") else "—",
                f"≥ {PORTFOLIO_RATIO_GOAL:.0%}",
                result.rps / MEASURED["ping_rps"] >= PORTFOLIO_RATIO_GOAL if MEASURED.get("ping_rps") else None,
            ),
            Row(
                f"{label}: the page just after a change (summary counted again), median of 5, in-process",
                ms(queries["recount_ms"]),
                f"< {PORTFOLIO_GOAL_MS:.0f} ms",
                queries["recount_ms"] < PORTFOLIO_GOAL_MS,
            ),
            Row(f"{label}: queries on that page", str(queries["recount_queries"])),
        ]
    same = len(set(counts.values())) == 1
    section.rows.append(
        Row(
            "queries per page, 10,000 against 100,000 proposals",
            " and ".join(str(counts[size]) for size in PORTFOLIO_SIZES),
            "the same at both",
            same,
        )
    )
    section.notes += [
        f"Organisation `{slug}` (its owner, an admin, sees every proposal) filled by `seed_demo --organisations 1 "
        f"--prefix {PORTFOLIO_PREFIX}` to {PORTFOLIO_SIZES[0]:,}, measured, then topped up to "
        f"{PORTFOLIO_SIZES[1]:,} and measured again; `VACUUM ANALYZE` after each fill"
        + (" (as autovacuum would)." if ctx.analyzed else " skipped (`--no-analyze`)."),
        "One page of the dashboard: counts by state and verdict, the value-against-suitability grid, stale "
        "counts, 25 rows of the table and the review queue. The counts and the grid come from one grouped "
        "query over the organisation's proposals, cached under a per-organisation clock that PostgreSQL "
        "triggers move on every change to a proposal, its readers or a team's members (projects migration "
        "0008): the load figures are pages served with the summary cached, as between changes; the row "
        "'just after a change' times a page that counts again (one proposal renamed before each). Queries "
        "were counted with the test client in a separate process; a page that counts again has one more.",
    ]
    return section

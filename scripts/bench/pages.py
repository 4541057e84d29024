"""The pages of the seeded database behind gunicorn: the seeding itself, the main pages against
`/ping/`, and a wizard step."""

from __future__ import annotations

import os

from .common import (
    BENCH_ORG,
    DB_NAME,
    MEASURED,
    PAGE_P95_GOAL_MS,
    RPS_RATIO_GOAL,
    SEED_GOAL_S,
    SEED_ORGANISATIONS,
    SEED_PROPOSALS,
    SIGNED_IN_FLOOR_GOAL,
    WORKERS,
    BenchContext,
    Row,
    Section,
    ms,
)
from .wrk import load_page


def seeding_section(ctx: BenchContext) -> Section:
    return Section(
        title="Seeding",
        rows=[
            Row(
                f"seed_demo --proposals {SEED_PROPOSALS:,} --organisations {SEED_ORGANISATIONS}",
                f"{ctx.seed_seconds:.1f} s",
                f"well under {SEED_GOAL_S:.0f} s",
                ctx.seed_seconds < SEED_GOAL_S,
            )
        ],
    )


def pages_section(ctx: BenchContext) -> Section:
    # (key, path, label, signed in?). The ratio goal compares each page with `/ping/` sent with the same
    # session cookie, so both pay what every signed-in request pays before its view runs (session, user
    # and membership queries in the middleware): `/ping/` is then not free of the database. The
    # anonymous `/ping/` (no database at all) is measured too, to show what that signed-in floor costs.
    pages = [
        ("ping", "/ping/", "`/ping/` (signed in)", True),
        ("list", "/proposals/", "`/proposals/`", True),
        ("detail", f"/proposals/{ctx.proposal_id}/", f"`/proposals/{ctx.proposal_id}/`", True),
        # The API's list with a token: authentication, the rate-limit count in Redis, a page of 25.
        ("api_list", "/api/proposals?limit=25", "`/api/proposals?limit=25` (token)", True),
        ("ping_anonymous", "/ping/", "`/ping/` (anonymous)", False),
    ]
    load = os.getloadavg()[0]  # before any load of ours: what others are running
    print(
        f"wrk -t{ctx.args.threads} -c{ctx.args.connections} -d{ctx.args.duration}s "
        f"(after {ctx.args.warmup} s warm-up) against gunicorn, {WORKERS} sync workers:",
        flush=True,
    )
    results = {key: load_page(ctx, key, path, signed_in=signed_in) for key, path, _, signed_in in pages}
    ping = results["ping"]
    MEASURED["ping_rps"] = ping.rps
    floor = ping.rps / results["ping_anonymous"].rps
    rows: list[Row] = [
        Row(
            "`/ping/` signed in ÷ anonymous, requests/s (the signed-in floor)",
            f"{floor:.0%}",
            f"≥ {SIGNED_IN_FLOOR_GOAL:.0%}",
            floor >= SIGNED_IN_FLOOR_GOAL,
        )
    ]
    for key, _, label, _ in pages:
        result = results[key]
        page = key in {"list", "detail", "api_list"}
        rows += [
            Row(f"{label} requests/s", f"{result.rps:.0f}"),
            Row(f"{label} p50", ms(result.p50_ms)),
            Row(
                f"{label} p95",
                ms(result.p95_ms),
                f"< {PAGE_P95_GOAL_MS:.0f} ms" if page else "—",
                result.p95_ms < PAGE_P95_GOAL_MS if page else None,
            ),
            Row(f"{label} p99", ms(result.p99_ms)),
            Row(f"{label} CPU per request: app / PostgreSQL", f"{ms(result.app_cpu_ms)} / {ms(result.db_cpu_ms)}"),
        ]
        if page:
            ratio = result.rps / ping.rps
            rows.append(
                Row(
                    f"{label} requests/s ÷ `/ping/` requests/s",
                    f"{ratio:.0%}",
                    f"≥ {RPS_RATIO_GOAL:.0%}",
                    ratio >= RPS_RATIO_GOAL,
                )
            )
    anonymous_ratios = ", ".join(
        f"`{results[k].path}` {results[k].rps / results['ping_anonymous'].rps:.0%}" for k in ("list", "detail")
    )
    notes = [
        f"Load: `wrk -t{ctx.args.threads} -c{ctx.args.connections} -d{ctx.args.duration}s --latency` per URL after "
        f"a {ctx.args.warmup} s warm-up, from the same machine; gunicorn with {WORKERS} sync workers, DEBUG off, "
        f"PostgreSQL database `{DB_NAME}` with {SEED_PROPOSALS:,} proposals over {SEED_ORGANISATIONS} organisations "
        f"(the list shows organisation `{BENCH_ORG}`, {SEED_PROPOSALS // SEED_ORGANISATIONS:,} proposals, "
        "25 a page).",
        "Every response was 2xx (the bench stops otherwise, and counts redirects too).",
        "The ratio goal compares each page with `/ping/` requested with the same session cookie, which costs "
        "the session (cached in Redis) and one query in the middleware (the user with their membership and its "
        "organisation: accounts.middleware.MemberMiddleware). Against the anonymous `/ping/` (no database at "
        f"all) the ratios are: {anonymous_ratios}.",
    ]

    def cpu(key: str) -> float:
        return results[key].app_cpu_ms + results[key].db_cpu_ms

    cpu_ratios = ", ".join(f"`{results[k].path}` {cpu('ping') / cpu(k):.0%}" for k in ("list", "detail"))
    notes.append(
        "CPU per request is what the gunicorn workers and their PostgreSQL backends used during the run, "
        "divided by the requests served; it hardly depends on other load. The same ratio computed from it "
        f"(signed-in `/ping/` CPU ÷ page CPU), an estimate for an otherwise idle machine: {cpu_ratios}."
    )
    if ctx.analyzed:
        notes.append(
            "The database is analysed (`VACUUM ANALYZE`) after seeding, as autovacuum would do within a minute "
            "in production; `python -m scripts.bench --no-analyze` measures the freshly loaded tables instead."
        )
    else:
        notes.append("Measured without `VACUUM ANALYZE` after seeding (`--no-analyze`): no planner statistics.")
    if load > (os.cpu_count() or 1):
        notes.append(
            f"The machine was busy before the runs (load average {load:.2f} on {os.cpu_count()} cores): "
            "requests/s and latencies include waiting for a core and vary from run to run; CPU per request "
            "is the steadier figure."
        )
    socket_errors = {key: r.socket_errors for key, r in results.items() if any(r.socket_errors.values())}
    if socket_errors:
        notes.append(f"Socket errors reported by wrk: {socket_errors}.")
    return Section(title="Pages", rows=rows, notes=notes)


def wizard_section(ctx: BenchContext) -> Section:
    """A wizard step (the "Data" section of a half-answered assessment) at 10,000 proposals."""
    result = load_page(ctx, "wizard", ctx.wizard_step)
    return Section(
        title="Suitability wizard",
        rows=[
            Row("wizard step requests/s", f"{result.rps:.0f}"),
            Row("wizard step p50", ms(result.p50_ms)),
            Row("wizard step p95", ms(result.p95_ms), f"< {PAGE_P95_GOAL_MS:.0f} ms", result.p95_ms < PAGE_P95_GOAL_MS),
            Row("wizard step p99", ms(result.p99_ms)),
            Row("wizard step CPU per request: app / PostgreSQL", f"{ms(result.app_cpu_ms)} / {ms(result.db_cpu_ms)}"),
        ],
        notes=[f"`GET {ctx.wizard_step}`: a half-answered assessment, with {SEED_PROPOSALS:,} proposals seeded."],
    )

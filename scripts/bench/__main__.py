"""`python -m scripts.bench`: set up the bench database and server, run the sections, write the report."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from . import __doc__ as package_doc
from . import engines, jobs, load, pages, pdf, portfolio
from .common import (
    BENCH_EMAIL,
    BENCH_ORG,
    DB_NAME,
    DECISION_QUALITY,
    REPORT,
    ROOT,
    SEED_ORGANISATIONS,
    SEED_PROPOSALS,
    WORKERS,
    WRK,
    BenchContext,
    BenchError,
    Section,
    analyze_database,
    bench_env,
    manage,
    recreate_database,
    run_probe,
)
from .report import python_speed, results, write_report
from .server import free_port, start_gunicorn, stop_gunicorn, wait_until_up

# In the report's order; `--only NAME` runs one entry.
SECTIONS: dict[str, list[Callable[[BenchContext], Section]]] = {
    "pages": [pages.seeding_section, pages.pages_section, pages.wizard_section],
    "load": [load.load_section],
    "portfolio": [portfolio.portfolio_section],
    "engines": [engines.suitability_section, engines.tradeoffs_section],
    "pdf": [pdf.pdf_section],
    "jobs": [jobs.recompute_section],
}
# Sections that need neither the database nor the server: `--only` runs them without setting up either.
STANDALONE = {"engines"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=(package_doc or "").split("\n")[0])
    # Defaults suit a 2-core machine that also runs the server and PostgreSQL: one wrk thread leaves
    # the cores to the workers, and one connection per sync worker keeps both busy without queueing
    # requests in the listen backlog; with more, latency grows with the queue (about doubles at -c4)
    # while requests/s barely moves, so the p95 would measure the chosen queue length, not the page.
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--connections", type=int, default=WORKERS, help="wrk connections")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per page")
    parser.add_argument("--no-analyze", action="store_true", help="skip VACUUM ANALYZE after seeding")
    parser.add_argument(
        "--only",
        choices=SECTIONS,
        help="run these sections alone and print their rows, leaving docs/benchmarks.md and "
        "docs/decision-quality.md as they are (the engines need no database or server)",
    )
    return parser.parse_args()


def create_session(env: dict[str, str]) -> tuple[str, str, int, str]:
    """The bench member's session cookie and API token, and a half-answered assessment's proposal and
    wizard step."""
    session = run_probe(env, "scripts.bench.probes.session", "--email", BENCH_EMAIL, "--org", BENCH_ORG)
    wizard = run_probe(env, "scripts.bench.probes.wizard", "--email", BENCH_EMAIL, "--org", BENCH_ORG)
    return session["sessionid"], session["token"], int(wizard["proposal_id"]), wizard["wizard_step"]


def report_goals(sections: list[Section]) -> None:
    missed = [r.figure for s in sections for r in s.rows if r.met is False]
    for figure in missed:
        print(f"goal missed: {figure}")
    if not missed:
        print("all goals met")


def run_standalone(args: argparse.Namespace) -> int:
    """`--only` for sections that need neither the database nor the server."""
    with tempfile.TemporaryDirectory(prefix="mlfit-bench-") as tmp:
        ctx = BenchContext(args, bench_env(), Path(tmp))
        try:
            sections = [section(ctx) for section in SECTIONS[args.only]]
        except BenchError as exc:
            print(f"bench: {exc}", file=sys.stderr)
            return 1
    print("\n" + "\n".join(results(sections)))
    report_goals(sections)
    return 0


def main() -> int:
    args = parse_args()
    if args.only in STANDALONE:
        return run_standalone(args)
    started = datetime.now(UTC)
    load = os.getloadavg()
    speed_at_start = python_speed()
    if load[0] > (os.cpu_count() or 1):
        # Other processes compete for the same cores; every figure will be lower and noisier.
        print(f"bench: warning: load average {load[0]:.2f} on {os.cpu_count()} cores; figures will be noisy")
    if not Path(WRK).exists():
        print(f"bench: wrk not found ({WRK}); apt-get install wrk", file=sys.stderr)
        return 1
    try:
        pg_version = recreate_database()
        print(f"PostgreSQL {pg_version}: database {DB_NAME} recreated", flush=True)
        env = bench_env()
        manage(env, "migrate", "--noinput")
        t0 = time.perf_counter()
        manage(env, "seed_demo", "--proposals", str(SEED_PROPOSALS), "--organisations", str(SEED_ORGANISATIONS))
        seed_seconds = time.perf_counter() - t0
        print(f"seeded {SEED_PROPOSALS:,} proposals in {seed_seconds:.1f} s", flush=True)
        if not args.no_analyze:
            analyze_database()
        manage(env, "collectstatic", "--noinput")
        manage(env, "load_questionnaires")
        cookie, token, proposal_id, wizard_step = create_session(env)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1

    chosen = SECTIONS[args.only] if args.only else [section for group in SECTIONS.values() for section in group]
    with tempfile.TemporaryDirectory(prefix="mlfit-bench-") as tmp:
        workdir = Path(tmp)
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        log = workdir / "gunicorn.log"
        server = start_gunicorn(env, port, log)
        try:
            wait_until_up(server, base_url, log)
            print(f"gunicorn up at {base_url} (pid {server.pid})", flush=True)
            ctx = BenchContext(
                args,
                env,
                workdir,
                base_url=base_url,
                server_pid=server.pid,
                cookie=cookie,
                token=token,
                proposal_id=proposal_id,
                seed_seconds=seed_seconds,
                analyzed=not args.no_analyze,
                wizard_step=wizard_step,
            )
            sections = [section(ctx) for section in chosen]
        except BenchError as exc:
            print(f"bench: {exc}", file=sys.stderr)
            if log.exists() and log.stat().st_size:
                print(f"gunicorn log:\n{log.read_text(errors='replace')[-3000:]}", file=sys.stderr)
            return 1
        finally:
            stop_gunicorn(server)

    if args.only:
        print("\n" + "\n".join(results(sections)))
        report_goals(sections)
        return 0
    write_report(sections, pg_version, started, load, speed_at_start)
    print(f"\nwrote {REPORT.relative_to(ROOT)}")
    try:
        # Decision quality is measured beside speed: the case library through import and engine.
        print(manage(env, "evaluate_cases", "--markdown", str(DECISION_QUALITY), capture=True))
        print(f"wrote {DECISION_QUALITY.relative_to(ROOT)}")
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    report_goals(sections)
    return 0


if __name__ == "__main__":
    sys.exit(main())

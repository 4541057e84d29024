"""Report jobs: many reports computed by one Celery worker on Redis."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time

import psycopg

from .common import CELERY, DB_NAME, PG_SERVER, ROOT, BenchContext, Row, Section, ms, run_probe
from .wrk import cpu_seconds, worker_pids

RECOMPUTE_COUNT = 10_000
RECOMPUTE_GOAL_S = 60.0
RECOMPUTE_LIMIT_S = 420


def recompute_section(ctx: BenchContext) -> Section:
    """10,000 reports computed by one Celery worker with two processes, on Redis."""
    ids = run_probe(ctx.env, "scripts.bench.probes.recompute_setup", "--count", str(RECOMPUTE_COUNT))
    first, last = ids["first"], ids["last"]
    log = ctx.workdir / "worker.log"
    subprocess.run(  # noqa: S603
        [str(CELERY), "-A", "config", "purge", "-f"], cwd=ROOT, env=ctx.env, capture_output=True, check=False
    )
    with log.open("wb") as out:
        worker = subprocess.Popen(  # noqa: S603
            [
                str(CELERY),
                "-A",
                "config",
                "worker",
                "--concurrency=2",
                "--pool=prefork",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"bench-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=ctx.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        # CPU time, unlike the clock, hardly moves when other processes compete for the cores.
        worker_cpu = -cpu_seconds([worker.pid, *worker_pids(worker.pid)])
        enqueued = run_probe(
            ctx.env, "scripts.bench.probes.recompute_enqueue", "--first", str(first), "--last", str(last)
        )
        started = enqueued["started"]
        done = 0
        with psycopg.connect(f"{PG_SERVER}/{DB_NAME}", autocommit=True) as conn:
            while time.time() - started < RECOMPUTE_LIMIT_S:
                done = conn.execute(
                    "SELECT count(*) FROM assessments_report"
                    " WHERE id BETWEEN %s AND %s AND status IN ('succeeded', 'failed')",
                    (first, last),
                ).fetchone()[0]
                if done >= RECOMPUTE_COUNT:
                    break
                time.sleep(1)
            elapsed = time.time() - started
            worker_cpu += cpu_seconds([worker.pid, *worker_pids(worker.pid)])
            failed = conn.execute(
                "SELECT count(*) FROM assessments_report WHERE id BETWEEN %s AND %s AND status = 'failed'",
                (first, last),
            ).fetchone()[0]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.wait(timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
    print(f"recompute: {done:,} of {RECOMPUTE_COUNT:,} done in {elapsed:.1f} s ({failed} failed)", flush=True)
    finished = done >= RECOMPUTE_COUNT
    measured = f"{elapsed:.1f} s" if finished else f"{done:,} done in {elapsed:.0f} s (stopped at the limit)"
    rate = done / elapsed if elapsed else 0
    return Section(
        title="Report jobs",
        rows=[
            Row(
                f"{RECOMPUTE_COUNT:,} reports by 2 worker processes",
                measured,
                f"< {RECOMPUTE_GOAL_S:g} s",
                finished and elapsed < RECOMPUTE_GOAL_S,
            ),
            Row("reports per second", f"{rate:.0f}"),
            Row("CPU per report in the worker processes", ms(worker_cpu * 1000 / max(done, 1))),
            Row("failed jobs", f"{failed}"),
        ],
        notes=[
            "One `celery worker --concurrency=2 --pool=prefork` on Redis; the clock runs from the first enqueue "
            "until every report has finished. The reports go to the batch job as `manage.py recompute_reports` "
            "sends them (`reports.services.report_enqueue_batch`, BATCH_SIZE reports a message, two commits "
            "a message, no progress steps); one report asked for on its page still has a job of its own with its "
            "progress. Each report freezes nothing new: the trade-off engine (2,000 Dirichlet samples) runs on "
            "the demo report's inputs and the results are written; charts are drawn when a report is first "
            "shown, not by the job.",
        ],
    )

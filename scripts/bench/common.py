"""What every bench section shares: paths, goals, the result types, the database and the probes.

Nothing here imports the apps: the runner measures them from outside, and each probe that needs
them runs in a process of its own (`scripts/bench/probes/`).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
CELERY = ROOT / ".venv" / "bin" / "celery"
REPORT = ROOT / "docs" / "benchmarks.md"
DECISION_QUALITY = ROOT / "docs" / "decision-quality.md"
WRK = shutil.which("wrk") or "/usr/bin/wrk"

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "mlfit_bench"

SEED_PROPOSALS = 10_000
SEED_ORGANISATIONS = 5
BENCH_ORG = "bench-1"
BENCH_EMAIL = "owner@bench-1.mlfit.test"
WORKERS = 2

# Goals from the issue.
SEED_GOAL_S = 60.0
PAGE_P95_GOAL_MS = 50.0
RPS_RATIO_GOAL = 0.25
# Issue 15, item 9: what every signed-in page pays before its view (the session and the member
# query) against an anonymous request; and the portfolio against that signed-in floor.
SIGNED_IN_FLOOR_GOAL = 0.40
PORTFOLIO_RATIO_GOAL = 0.25
# Figures one section measures and a later one compares with (the signed-in /ping/ requests/s).
MEASURED: dict[str, float] = {}


class BenchError(Exception):
    """Something prevented measuring; the message says what, and the bench exits non-zero."""


@dataclass
class Row:
    figure: str
    measured: str
    goal: str = "—"
    met: bool | None = None  # None: no goal for this figure


@dataclass
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class WrkResult:
    path: str
    rps: float
    requests: int
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    socket_errors: dict[str, int]
    # CPU time the gunicorn workers and their PostgreSQL backends spent per request: unlike
    # requests/s and latency, it hardly moves when other processes compete for the cores.
    app_cpu_ms: float = 0.0
    db_cpu_ms: float = 0.0


@dataclass
class BenchContext:
    args: argparse.Namespace
    env: dict[str, str]
    workdir: Path
    # The seeded database and the server in front of it. `--only` leaves them at these defaults for
    # the sections that use neither (the engines), so those run without PostgreSQL or wrk.
    base_url: str = ""
    server_pid: int = 0
    cookie: str = ""
    token: str = ""  # the bench member's API token, for /api/ paths
    proposal_id: int = 0
    seed_seconds: float = 0.0
    analyzed: bool = False
    wizard_step: str = ""
    results: dict[str, WrkResult] = field(default_factory=dict)


def ms(value: float) -> str:
    return f"{value:.2f} ms"


# --- database -----------------------------------------------------------------------------------


def recreate_database() -> str:
    """Drop and create mlfit_bench; returns the PostgreSQL server version."""
    try:
        conn = psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise BenchError(
            f"PostgreSQL is not reachable at {PG_SERVER} ({exc}).\n"
            "Start it (e.g. `pg_ctlcluster 15 main start` or `service postgresql start`) and run `make bench` again."
        ) from exc
    with conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        # FORCE ends sessions left over from an interrupted run; only the bench's own database.
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return version


def analyze_database() -> None:
    """Give the planner statistics for the freshly bulk-loaded tables.

    Without them PostgreSQL estimates 6 proposals per organisation instead of 2,000 and sorts a hash
    join of all of them for each list page (21 ms instead of 0.4 ms measured here); a production
    database has them because autovacuum analyses a table soon after a bulk load.
    """
    with psycopg.connect(f"{PG_SERVER}/{DB_NAME}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def db_backend_pids() -> list[int]:
    """PostgreSQL backends serving the bench database (the workers' persistent connections)."""
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (DB_NAME,)
        ).fetchall()
    return [row[0] for row in rows]


# --- processes in the bench environment ---------------------------------------------------------


def bench_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL", "MLFIT_TESTING"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"{PG_SERVER}/{DB_NAME}",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # Plain http on loopback: no redirect to https. SESSION_COOKIE_SECURE stays on (production),
        # which is fine because wrk sends the Cookie header itself.
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        # As in production: sessions cached in Redis (database 15, kept apart from a developer's).
        REDIS_URL=os.environ.get("MLFIT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        # The API's per-token count is kept (one Redis call a request) but never reached: the bench
        # measures what counting costs, not refusals.
        MLFIT_API_RATE_LIMIT="1000000000",
    )
    return env


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    proc = subprocess.run(  # noqa: S603 - fixed commands, no outside input
        [str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, text=True, capture_output=True, check=False
    )
    if proc.returncode != 0:
        raise BenchError(f"manage.py {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout if capture else ""


def run_probe(env: dict[str, str], module: str, *args: str, timeout: int = 600) -> dict:
    """Run `python -m module args` in the bench environment; returns the JSON of its last line.

    Each probe runs in a process of its own, so what it imports and caches cannot change the
    figures of the next, and a crash or a hang is reported instead of taking the bench with it.
    """
    proc = subprocess.run(  # noqa: S603 - fixed commands, no outside input
        [str(PYTHON), "-m", module, *args],
        cwd=ROOT,
        env=env,
        text=True,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise BenchError(f"{module}: exit {proc.returncode}: {(proc.stderr or proc.stdout).strip()[-1500:]}")
    return json.loads(lines[-1])

"""`make bench`: load-test the main pages on PostgreSQL behind gunicorn and write docs/benchmarks.md.

A benchmark, not a test: it exits non-zero only when it cannot measure (PostgreSQL down, the
server does not start, the session cookie is refused, a page answers anything but 2xx). Missed
goals are reported in the table and on the console.

Steps: recreate the `mlfit_bench` database, migrate, seed 10,000 proposals (timed), collectstatic,
serve with gunicorn (2 workers, DEBUG off) on a free loopback port, sign in by creating a session
row directly, drive each page with wrk, then run every bench section and write the report; last,
run the public case library (`manage.py evaluate_cases`) and write docs/decision-quality.md.

Later issues add a section by writing a function `(BenchContext) -> Section` and appending it to
SECTIONS; each section's rows become rows of the one table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
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
ENGINE_GOAL_MS = 2.0

# wrk's own output has p50/p90/p99 but no p95, and its "Non-2xx or 3xx responses" counts only
# statuses >= 400, so a redirect to /login/ (a refused cookie) would pass unnoticed. This script
# counts every non-2xx per thread and prints one parseable line from the main Lua state in done().
WRK_LUA = r"""
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
  first_bad = ""
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    if first_bad == "" then
      first_bad = tostring(status) .. " " .. (headers["Location"] or headers["location"] or "")
    end
  end
end

function done(summary, latency, requests)
  local bad, first = 0, ""
  for _, t in ipairs(threads) do
    bad = bad + (t:get("non2xx") or 0)
    local f = t:get("first_bad") or ""
    if first == "" then first = f end
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p90_us=%d p95_us=%d p99_us=%d max_us=%d " ..
    "non2xx=%d connect=%d read=%d write=%d timeout=%d first_bad=%q\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, bad, e.connect, e.read, e.write, e.timeout, first))
end
"""


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
    base_url: str
    server_pid: int
    cookie: str
    proposal_id: int
    seed_seconds: float
    analyzed: bool
    workdir: Path
    wizard_step: str = ""
    results: dict[str, WrkResult] = field(default_factory=dict)


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
    )
    return env


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    proc = subprocess.run(  # noqa: S603 - fixed commands, no outside input
        [str(PYTHON), "manage.py", *args], cwd=ROOT, env=env, text=True, capture_output=True, check=False
    )
    if proc.returncode != 0:
        raise BenchError(f"manage.py {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout if capture else ""


# A session row made the way django.contrib.auth.login makes it, so the bench needs no CSRF dance
# and measures pages, not the password hasher. The organisation is pinned like the switcher does.
SESSION_CODE = f"""
import json
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from accounts.models import Organisation, User
from accounts.tenancy import SESSION_KEY as ORG_KEY
from projects.models import Proposal

user = User.objects.get(email={BENCH_EMAIL!r})
org = Organisation.objects.get(slug={BENCH_ORG!r})
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session[ORG_KEY] = org.pk
session.create()
proposal = Proposal.objects.filter(organisation=org).exclude(status="archived").order_by("pk").first()

# A suitability assessment half answered, for the wizard step figure.
from assessments.engine.bench import typical_answers
from assessments.models import Answer
from assessments.services import assessment_start
assessment = assessment_start(proposal=proposal, by=user)
answers = list(typical_answers().items())
Answer.objects.bulk_create(
    Answer(assessment=assessment, question_key=k, value=v, answered_by=user) for k, v in answers[: len(answers) // 2]
)
step = f"/proposals/{{proposal.pk}}/assessment/{{assessment.pk}}/step/data/"
print(json.dumps({{"sessionid": session.session_key, "proposal_id": proposal.pk, "wizard_step": step}}))
"""


def create_session(env: dict[str, str]) -> tuple[str, int, str]:
    out = manage(env, "shell", "-c", SESSION_CODE, capture=True)
    data = json.loads(out.strip().splitlines()[-1])
    return data["sessionid"], int(data["proposal_id"]), data["wizard_step"]


# --- server -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    cmd = [
        str(GUNICORN),
        "config.wsgi",
        "--workers",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
        # gunicorn 27 creates a control socket at a fixed path; a second instance (someone's
        # `make run`, another bench) would collide with it (ARCHITECTURE.md, known traps).
        "--no-control-socket",
        "--error-logfile",
        str(log),
    ]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # noqa: S603


def stop_gunicorn(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)  # graceful: the arbiter stops its workers
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def fetch(url: str, cookie: str | None = None) -> tuple[int, str]:
    """One GET that does not follow redirects: a 302 to /login/ must show as a 302."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={cookie}"} if cookie else {})  # noqa: S310
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Location", "")


def wait_until_up(proc: subprocess.Popen[bytes], base_url: str, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"gunicorn exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        with contextlib.suppress(OSError):
            if fetch(f"{base_url}/ping/")[0] == 200:
                return
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer /ping/ within {timeout:.0f} s:\n{log.read_text(errors='replace')}")


# --- load ---------------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time of these processes (a process that has exited counts as 0)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            # Fields after the command name (which may hold spaces); utime and stime are 14th and 15th.
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


def worker_pids(arbiter: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == arbiter:
                pids.append(int(stat.parent.name))
    return pids


def db_backend_pids() -> list[int]:
    """PostgreSQL backends serving the bench database (the workers' persistent connections)."""
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (DB_NAME,)
        ).fetchall()
    return [row[0] for row in rows]


def run_wrk(ctx: BenchContext, path: str, duration: int, *, signed_in: bool, warmup: bool = False) -> WrkResult:
    script = ctx.workdir / "report.lua"
    script.write_text(WRK_LUA)
    threads = 1 if warmup else ctx.args.threads
    connections = max(threads, ctx.args.connections)
    cmd = [WRK, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script)]
    if signed_in:
        cmd += ["-H", f"Cookie: sessionid={ctx.cookie}"]
    cmd.append(f"{ctx.base_url}{path}")
    # After the warm-up every worker holds its connection (CONN_MAX_AGE), so these pids stay put.
    app_pids, db_pids = worker_pids(ctx.server_pid), db_backend_pids()
    app_cpu, db_cpu = cpu_seconds(app_pids), cpu_seconds(db_pids)
    proc = subprocess.run(cmd, text=True, capture_output=True, check=False, timeout=duration + 60)  # noqa: S603
    app_cpu, db_cpu = cpu_seconds(app_pids) - app_cpu, cpu_seconds(db_pids) - db_cpu
    if proc.returncode != 0:
        raise BenchError(f"wrk failed on {path}:\n{proc.stdout}\n{proc.stderr}")
    match = re.search(r"^BENCH (.*)$", proc.stdout, re.MULTILINE)
    rps_match = re.search(r"^Requests/sec:\s+([\d.]+)", proc.stdout, re.MULTILINE)
    if not match or not rps_match:
        raise BenchError(f"could not parse wrk output for {path}:\n{proc.stdout}")
    fields = dict(re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', match.group(1)))
    non2xx = int(fields["non2xx"])
    if non2xx:
        first_bad = fields["first_bad"].strip('"')
        hint = " (a redirect to /login/: the session cookie was refused)" if "/login/" in first_bad else ""
        raise BenchError(f"{path}: {non2xx} non-2xx responses, first was {first_bad!r}{hint}")
    if int(fields["requests"]) == 0:
        raise BenchError(f"{path}: wrk completed no request:\n{proc.stdout}")
    return WrkResult(
        path=path,
        rps=float(rps_match.group(1)),
        requests=int(fields["requests"]),
        p50_ms=int(fields["p50_us"]) / 1000,
        p90_ms=int(fields["p90_us"]) / 1000,
        p95_ms=int(fields["p95_us"]) / 1000,
        p99_ms=int(fields["p99_us"]) / 1000,
        max_ms=int(fields["max_us"]) / 1000,
        socket_errors={k: int(fields[k]) for k in ("connect", "read", "write", "timeout")},
        app_cpu_ms=app_cpu * 1000 / int(fields["requests"]),
        db_cpu_ms=db_cpu * 1000 / int(fields["requests"]),
    )


def load_page(ctx: BenchContext, name: str, path: str, *, signed_in: bool = True) -> WrkResult:
    # Fail before a 10-second run if the cookie is not accepted.
    status, location = fetch(f"{ctx.base_url}{path}", ctx.cookie if signed_in else None)
    if status != 200:
        raise BenchError(f"GET {path} answered {status} {location}: the bench session is not accepted")
    # Warm-up: worker imports, template compilation, PostgreSQL caches and connections.
    run_wrk(ctx, path, ctx.args.warmup, signed_in=signed_in, warmup=True)
    result = run_wrk(ctx, path, ctx.args.duration, signed_in=signed_in)
    ctx.results[name] = result
    who = "signed in" if signed_in else "anonymous"
    print(
        f"  {path:<20} {who:<10} {result.rps:8.1f} req/s  p50 {result.p50_ms:6.2f} ms  p95 {result.p95_ms:6.2f} ms  "
        f"p99 {result.p99_ms:6.2f} ms  ({result.requests} requests; CPU per request: "
        f"app {result.app_cpu_ms:.2f} ms, PostgreSQL {result.db_cpu_ms:.2f} ms)",
        flush=True,
    )
    return result


# --- sections -----------------------------------------------------------------------------------


def ms(value: float) -> str:
    return f"{value:.2f} ms"


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
        page = key in {"list", "detail"}
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
            "in production; `scripts/bench.py --no-analyze` measures the freshly loaded tables instead."
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


ENGINE_CODE = """
import json
from assessments.engine.bench import bench
print("ENGINE " + json.dumps(bench(), default=str))
"""


def _flatten(data: object, prefix: str = "") -> dict[str, object]:
    if isinstance(data, dict):
        out: dict[str, object] = {}
        for key, value in data.items():
            out.update(_flatten(value, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): data}


def _as_ms(key: str, value: float) -> float | None:
    """Milliseconds from a figure whose unit is in its name; None when the name gives no unit."""
    key = key.lower()
    if re.search(r"(^|[._])(us|µs|micro\w*)($|[._])", key) or key.endswith(("_us", "µs")):
        return value / 1000
    if re.search(r"(^|[._])ms($|[._])", key) or key.endswith("_ms"):
        return value
    if re.search(r"(^|[._])(s|sec|seconds)($|[._])", key):
        return value * 1000
    return None


def engine_section(ctx: BenchContext) -> Section:
    """The suitability engine's own benchmark, when assessments/engine/bench.py exists.

    It is written by someone else and its keys may change, so it runs in a subprocess (a crash or
    a hang cannot take the page figures with it) and anything unexpected becomes a note.
    """
    section = Section(title="Suitability engine")
    goal = f"< {ENGINE_GOAL_MS:g} ms"
    if not (ROOT / "assessments" / "engine" / "bench.py").exists():
        print("suitability engine: assessments/engine/bench.py not found, not measured", flush=True)
        section.rows.append(Row("suitability engine: one assessment", "not measured (no `bench.py` yet)", goal))
        return section
    try:
        proc = subprocess.run(  # noqa: S603
            [str(PYTHON), "-c", f"import django; django.setup()\n{ENGINE_CODE}"],
            cwd=ROOT,
            env=ctx.env,
            text=True,
            capture_output=True,
            timeout=180,
            check=False,
        )
        match = re.search(r"^ENGINE (.*)$", proc.stdout, re.MULTILINE)
        if proc.returncode != 0 or not match:
            raise RuntimeError(f"exit {proc.returncode}: {(proc.stderr or proc.stdout).strip()[-800:]}")
        data = json.loads(match.group(1))
        print(f"suitability engine: bench() returned {data}", flush=True)
        if not isinstance(data, dict):
            raise RuntimeError(f"bench() returned {type(data).__name__}, expected dict")
        figures = {
            k: float(v) for k, v in _flatten(data).items() if isinstance(v, int | float) and not isinstance(v, bool)
        }
        # The goal applies to one evaluation: its p95 figures (wall clock and, when reported, CPU time,
        # which stays meaningful on a busy machine), else its mean, else any p95 or mean figure.
        timed = {k: v for k, v in ((k, _as_ms(k, raw)) for k, raw in figures.items()) if v is not None}
        low = {k: k.lower() for k in timed}
        goal_keys = [k for k in timed if "evaluat" in low[k] and "p95" in low[k]]
        goal_keys = goal_keys or [k for k in timed if "evaluat" in low[k] and "mean" in low[k]]
        goal_keys = goal_keys or [k for k in timed if "p95" in low[k] or "mean" in low[k]][:1]
        for key in goal_keys:
            label = f"suitability engine: one assessment ({key})"
            section.rows.append(Row(label, f"{timed[key]:.3f} ms", goal, timed[key] < ENGINE_GOAL_MS))
        if not goal_keys:
            section.rows.append(Row("suitability engine: one assessment", "no time figure recognised", goal))
        for key, raw in figures.items():
            if key not in goal_keys:
                measured = f"{timed[key]:.3f} ms" if key in timed else f"{raw:g}"
                section.rows.append(Row(f"suitability engine: {key}", measured))
        section.notes.append(f"`assessments.engine.bench.bench()` returned: `{json.dumps(data, default=str)}`")
    except Exception as exc:  # a module being written by someone else must never break the page bench
        print(f"suitability engine: not measured ({exc})", flush=True)
        section.rows.append(Row("suitability engine: one assessment", "not measured (see below)", goal))
        section.notes.append(f"`assessments/engine/bench.py` could not be run: {str(exc).splitlines()[-1]}")
    return section


# Later issues append here; each returns a Section (or None to skip itself).
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


def _run_json(ctx: BenchContext, code: str, marker: str, timeout: int = 600) -> dict:
    """Run Python in the bench environment (Django set up) and parse the line `MARKER {json}`."""
    proc = subprocess.run(  # noqa: S603
        [str(PYTHON), "-c", f"import django; django.setup()\n{code}"],
        cwd=ROOT,
        env=ctx.env,
        text=True,
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    match = re.search(rf"^{marker} (.*)$", proc.stdout, re.MULTILINE)
    if proc.returncode != 0 or not match:
        raise BenchError(f"{marker}: exit {proc.returncode}: {(proc.stderr or proc.stdout).strip()[-1500:]}")
    return json.loads(match.group(1))


TRADEOFFS_GOAL_MS = 50.0
TRADEOFFS_CODE = """
import json
from assessments.engine.tradeoffs_bench import tradeoffs_bench
print("TRADEOFFS " + json.dumps(tradeoffs_bench(runs=20)))
"""


def tradeoffs_section(ctx: BenchContext) -> Section:
    data = _run_json(ctx, TRADEOFFS_CODE, "TRADEOFFS")
    print(f"trade-off engine: {data}", flush=True)
    goal = f"< {TRADEOFFS_GOAL_MS:g} ms"
    return Section(
        title="Trade-off engine",
        rows=[
            Row("20 stakeholders x 8 approaches x 2,000 samples: mean (wall)", ms(data["mean_ms"])),
            Row("... p95 (wall)", ms(data["p95_ms"]), goal, data["p95_ms"] < TRADEOFFS_GOAL_MS),
            Row("... mean (CPU)", ms(data["cpu_mean_ms"]), goal, data["cpu_mean_ms"] < TRADEOFFS_GOAL_MS),
        ],
        notes=["`assessments.engine.tradeoffs_bench.tradeoffs_bench(runs=20)`, in a process of its own."],
    )


PDF_GOAL_S = 1.0
PDF_RATIO_GOAL = 1.5
# The demo report (the ticket router, with its completed assessment) against a plain document of
# the same page count, laid out by the same WeasyPrint in the same process.
# Both go through assessments.pdf.write_pdf, so they are laid out with the same settings; the page
# counts are WeasyPrint's for the very HTML laid out, so the plain document has exactly the report's.
PDF_CODE = """
import json, re, statistics, time
from weasyprint import HTML
from accounts.models import Organisation
from assessments import pdf_svg_text
from assessments.models import Report, ReportStatus
from assessments.pdf import render_pdf, report_html, write_pdf
from assessments.reports import report_request, report_run
def pages(html):
    return len(HTML(string=html).render().pages)
def own_svg_text(html):
    # The same layout with WeasyPrint's own letter-by-letter SVG text, for comparison.
    with pdf_svg_text.weasyprint_own():
        write_pdf(html)
org = Organisation.objects.get(slug="demo")
proposal = org.proposals.get(title__startswith="Route support tickets")
report, _ = report_request(proposal=proposal, by=proposal.owner)
report_run(report_id=report.pk)
report = Report.objects.get(pk=report.pk)
data = render_pdf(report)  # warm-up: fonts, templates, the charts drawn and cached
html = report_html(report)
count = pages(html)
paragraph = "<p>" + "Plain text for a page of the same length. " * 40 + "</p>"
plain = "<html><body style='font-family: DejaVu Sans'>" + "".join(
    f"<h2>Section {i}</h2>" + paragraph * 2 + "<div style='break-after: page'></div>" for i in range(count)
) + "</body></html>"
plain_pages = pages(plain)
# Where the report's time goes: the same HTML without its charts, then also with every
# table row set as one paragraph (the cells' text joined), so the rows' differences are the
# charts' share and the table cells' share.
chart = re.compile(r'<img alt="[^"]*" src="data:image/svg[^"]*">')
no_charts = chart.sub("", html)
rows_as_text = re.sub(r"</t[dh]>\\s*<t[dh][^>]*>", " | ", no_charts)
rows_as_text = re.sub(r"<tr[^>]*>\\s*<t[dh][^>]*>", "<p>", rows_as_text)
rows_as_text = re.sub(r"</t[dh]>\\s*</tr>", "</p>", rows_as_text)
rows_as_text = re.sub(r"</?(table|thead|tbody)[^>]*>", "", rows_as_text)
variants = {"own_svg_text": lambda: own_svg_text(html), "no_charts": lambda: write_pdf(no_charts),
            "rows_as_text": lambda: write_pdf(rows_as_text)}
write_pdf(plain)
for run in variants.values():
    run()
# Interleaved, so that a slower spell of a shared machine weighs on all of them alike.
timings, plain_timings, variant_timings = [], [], {name: [] for name in variants}
for _ in range(7):
    t = time.perf_counter(); data = render_pdf(report); timings.append(time.perf_counter() - t)
    t = time.perf_counter(); write_pdf(plain); plain_timings.append(time.perf_counter() - t)
    for name, run in variants.items():
        t = time.perf_counter(); run(); variant_timings[name].append(time.perf_counter() - t)
print("PDF " + json.dumps({"median_s": statistics.median(timings), "pages": count, "plain_pages": plain_pages,
      "plain_median_s": statistics.median(plain_timings), "cells": len(re.findall(r"<t[dh][ >]", html)),
      "charts": len(chart.findall(html)),
      **{f"{name}_median_s": statistics.median(values) for name, values in variant_timings.items()}}))
"""


def pdf_section(ctx: BenchContext) -> Section:
    data = _run_json(ctx, PDF_CODE, "PDF")
    print(f"PDF: {data}", flush=True)
    ratio = data["median_s"] / data["plain_median_s"]
    return Section(
        title="PDF",
        rows=[
            Row(
                f"demo report PDF ({data['pages']} pages), median of 7",
                f"{data['median_s']:.2f} s",
                f"< {PDF_GOAL_S:g} s",
                data["median_s"] < PDF_GOAL_S,
            ),
            Row(f"plain document of {data['plain_pages']} pages, median of 7", f"{data['plain_median_s']:.2f} s"),
            Row("report PDF ÷ plain PDF", f"{ratio:.2f}", f"< {PDF_RATIO_GOAL:g}", ratio < PDF_RATIO_GOAL),
            Row(
                "the report laid out with WeasyPrint's own letter-by-letter SVG text, median of 7",
                f"{data['own_svg_text_median_s']:.2f} s",
            ),
            Row(f"the report without its {data['charts']} charts, median of 7", f"{data['no_charts_median_s']:.2f} s"),
            Row(
                f"... and each table row as one paragraph ({data['cells']} cells), median of 7",
                f"{data['rows_as_text_median_s']:.2f} s "
                f"({data['rows_as_text_median_s'] / data['plain_median_s']:.2f} × the plain PDF)",
            ),
        ],
        notes=[
            "WeasyPrint in one process after a warm-up, the report and the plain document through the same "
            "`assessments.pdf.write_pdf`, their runs interleaved. The report's charts are the page's SVG "
            "documents, embedded as SVG images (vector, their text selectable); `assessments/pdf_svg_text.py` "
            "lays out each chart label once instead of letter by letter (the fourth row is the report without it).",
            "The last two rows take the report apart: the same HTML without its charts, then also with each table "
            "row's cells joined into one paragraph. WeasyPrint spends about as long on each table cell as on a "
            "whole paragraph, so the report's cost follows its count of cells and charts, not its page count.",
            *(
                [f"**The plain document has {data['plain_pages']} pages, the report {data['pages']}**: not comparable."]
                if data["plain_pages"] != data["pages"]
                else []
            ),
        ],
    )


RECOMPUTE_COUNT = 10_000
RECOMPUTE_GOAL_S = 60.0
RECOMPUTE_LIMIT_S = 420
# 10,000 queued copies of the demo report's frozen inputs, spread over the bench proposals.
RECOMPUTE_SETUP = """
import json
from accounts.models import Organisation
from assessments.models import Report, ReportStatus
from assessments.reports import report_request
org = Organisation.objects.get(slug="demo")
proposal = org.proposals.get(title__startswith="Route support tickets")
template, _ = report_request(proposal=proposal, by=proposal.owner)
template = Report.objects.get(pk=template.pk)
rows = [Report(organisation=template.organisation, proposal=template.proposal, inputs=template.inputs,
               inputs_hash=f"bench-{i}", engine_version=template.engine_version) for i in range(%d)]
created = Report.objects.bulk_create(rows, batch_size=1000)
print("RECOMPUTE " + json.dumps({"first": created[0].pk, "last": created[-1].pk}))
"""
# Sent as `manage.py recompute_reports` sends them: BATCH_SIZE reports a message to the batch job.
RECOMPUTE_ENQUEUE = """
import json, time
from assessments.reports import report_enqueue_batch
started = time.time()
sent = report_enqueue_batch(report_ids=range(%d, %d + 1))
print("ENQUEUED " + json.dumps({"started": started, "seconds": time.time() - started, "sent": sent}))
"""


def recompute_section(ctx: BenchContext) -> Section:
    """10,000 reports computed by one Celery worker with two processes, on Redis."""
    ids = _run_json(ctx, RECOMPUTE_SETUP % RECOMPUTE_COUNT, "RECOMPUTE")
    first, last = ids["first"], ids["last"]
    celery = ROOT / ".venv" / "bin" / "celery"
    log = ctx.workdir / "worker.log"
    subprocess.run(  # noqa: S603
        [str(celery), "-A", "config", "purge", "-f"], cwd=ROOT, env=ctx.env, capture_output=True, check=False
    )
    with log.open("wb") as out:
        worker = subprocess.Popen(  # noqa: S603
            [
                str(celery),
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
        enqueued = _run_json(ctx, RECOMPUTE_ENQUEUE % (first, last), "ENQUEUED")
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
            "sends them (`assessments.reports.report_enqueue_batch`, BATCH_SIZE reports a message, two commits "
            "a message, no progress steps); one report asked for on its page still has a job of its own with its "
            "progress. Each report freezes nothing new: the trade-off engine (2,000 Dirichlet samples) runs on "
            "the demo report's inputs and the results are written; charts are drawn when a report is first "
            "shown, not by the job.",
        ],
    )


PORTFOLIO_PREFIX = "portfolio"
PORTFOLIO_SIZES = (10_000, 100_000)
PORTFOLIO_GOAL_MS = 100.0
PORTFOLIO_PATH = "/proposals/portfolio/"
# A signed-in session for the owner (an admin) of organisation portfolio-1, made like SESSION_CODE's.
PORTFOLIO_SESSION_CODE = """
import json
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from accounts.models import Organisation, User
from accounts.tenancy import SESSION_KEY as ORG_KEY
user = User.objects.get(email=%(email)r)
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session[ORG_KEY] = Organisation.objects.get(slug=%(slug)r).pk
session.create()
print("PSESSION " + json.dumps({"sessionid": session.session_key}))
"""
# The queries of one dashboard request, counted in a process of its own (the test client, DEBUG off).
PORTFOLIO_QUERIES_CODE = """
import json, statistics, time
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from accounts.models import User
from projects.models import Proposal
client = Client(HTTP_HOST="127.0.0.1")
owner = User.objects.get(email=%(email)r)
client.force_login(owner)
client.get(%(path)r)
with CaptureQueriesContext(connection) as captured:
    status = client.get(%(path)r).status_code
# After a change the summary is counted again (its cache key moved): time those pages.
recount, recount_queries = [], 0
for i in range(5):
    Proposal.objects.filter(pk=owner.owned_proposals.values("pk")[:1]).update(title=f"Changed {i}")
    with CaptureQueriesContext(connection) as changed:
        started = time.perf_counter()
        client.get(%(path)r)
        recount.append((time.perf_counter() - started) * 1000)
    recount_queries = len(changed.captured_queries)
print("PQUERIES " + json.dumps({"status": status, "queries": len(captured.captured_queries),
      "recount_queries": recount_queries, "recount_ms": statistics.median(recount),
      "proposals": owner.owned_proposals.count()}))
"""


def portfolio_section(ctx: BenchContext) -> Section:
    """The portfolio dashboard of one organisation holding 10,000, then 100,000 proposals."""
    import dataclasses

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
            out = _run_json(ctx, PORTFOLIO_SESSION_CODE % {"email": email, "slug": slug}, "PSESSION")
            pctx = dataclasses.replace(ctx, cookie=out["sessionid"])
        queries = _run_json(ctx, PORTFOLIO_QUERIES_CODE % {"email": email, "path": PORTFOLIO_PATH}, "PQUERIES")
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


LOAD_CONNECTIONS = 64
LOAD_DURATION_S = 60
LOAD_THREADS = 2
# wrk's default of 2 s would count a slow answer as an error; a browser waits far longer, and the
# p99 shows how slow the answers were.
LOAD_TIMEOUT_S = 30
LOAD_LUA = ROOT / "scripts" / "load.lua"
# A computed report of the bench proposal, for the report page (the job run here, not by a worker).
LOAD_REPORT_CODE = """
import json
from assessments.reports import report_request, report_run
from projects.models import Proposal
proposal = Proposal.objects.get(pk=%(pk)d)
report, _ = report_request(proposal=proposal, by=proposal.owner)
report_run(report_id=report.pk)
print("LOADREPORT " + json.dumps({"report_id": report.pk}))
"""


def load_section(ctx: BenchContext) -> Section:
    """64 connections for 60 s over the main pages, signed in, one after the other: no error."""
    report = _run_json(ctx, LOAD_REPORT_CODE % {"pk": ctx.proposal_id}, "LOADREPORT")
    pid = ctx.proposal_id
    paths = [
        "/proposals/",
        f"/proposals/{pid}/",
        ctx.wizard_step,
        f"/proposals/{pid}/reports/{report['report_id']}/",
        "/reports/",
    ]
    for path in paths:
        status, location = fetch(f"{ctx.base_url}{path}", ctx.cookie)
        if status != 200:
            raise BenchError(f"load: GET {path} answered {status} {location} before the load")
    cmd = [WRK, f"-t{LOAD_THREADS}", f"-c{LOAD_CONNECTIONS}", f"-d{LOAD_DURATION_S}s", f"--timeout={LOAD_TIMEOUT_S}s"]
    cmd += ["--latency", "-s", str(LOAD_LUA), "-H", f"Cookie: sessionid={ctx.cookie}", ctx.base_url, "--", *paths]
    proc = subprocess.run(cmd, text=True, capture_output=True, check=False, timeout=LOAD_DURATION_S + 120)  # noqa: S603
    match = re.search(r"^LOAD (.*)$", proc.stdout, re.MULTILINE)
    if proc.returncode != 0 or not match:
        raise BenchError(f"load: wrk failed:\n{proc.stdout}\n{proc.stderr}")
    fields = dict(re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', match.group(1)))
    requests = int(fields["requests"])
    rps = requests / (int(fields["duration_us"]) / 1e6)
    bad = int(fields["bad"])
    sockets = {k: int(fields[k]) for k in ("connect", "read", "write", "timeout")}
    print(
        f"load: {requests} requests, {rps:.1f} req/s, p50 {int(fields['p50_us']) / 1000:.1f} ms, "
        f"p99 {int(fields['p99_us']) / 1000:.1f} ms, {bad} not 2xx/3xx (first {fields['first_bad']}), "
        f"socket errors {sockets}",
        flush=True,
    )
    label = f"{LOAD_CONNECTIONS} connections, {LOAD_DURATION_S} s"
    return Section(
        title="Load",
        rows=[
            Row(f"{label}: requests", f"{requests:,}"),
            Row(f"{label}: requests/s", f"{rps:.0f}"),
            Row(f"{label}: p50", ms(int(fields["p50_us"]) / 1000)),
            Row(f"{label}: p99", ms(int(fields["p99_us"]) / 1000)),
            Row(f"{label}: responses not 2xx/3xx", str(bad), "none (no error)", bad == 0),
            Row(
                f"{label}: socket errors (connect/read/write/timeout)",
                "/".join(str(v) for v in sockets.values()),
                "none (no error)",
                not any(sockets.values()),
            ),
        ],
        notes=[
            f"wrk, {LOAD_THREADS} threads, {LOAD_CONNECTIONS} connections for {LOAD_DURATION_S} s, signed in, each "
            "connection asking in turn for the proposal list, a proposal's page, a wizard step, a report's page and "
            f"the report library (`scripts/load.lua`); a {LOAD_TIMEOUT_S} s timeout per request. gunicorn as above "
            f"({WORKERS} sync workers): {LOAD_CONNECTIONS} connections queue in its listen backlog, so latency is "
            "the queue's, and the figure that matters is that every request is answered, without error.",
        ],
    )


SECTIONS: list[Callable[[BenchContext], Section | None]] = [
    seeding_section,
    pages_section,
    wizard_section,
    load_section,
    portfolio_section,
    engine_section,
    tradeoffs_section,
    pdf_section,
    recompute_section,
]


# --- report -------------------------------------------------------------------------------------


def python_speed() -> float:
    """Seconds for a fixed pure-Python loop, best of three: a yardstick between machines.

    The same CPU model name has run this project's figures three times slower on one machine than
    on another, and one shared machine has changed speed threefold within an hour; a figure read
    against another run's should be read against this too.
    """
    best = math.inf
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(5_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return best


def machine(pg_version: str, load: tuple[float, float, float], speed: float) -> list[tuple[str, str]]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    cpu = next((ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines() if ln.startswith("model name")), "unknown")
    meminfo = Path("/proc/meminfo").read_text()
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))  # type: ignore[union-attr]
    os_name = platform.platform()
    with contextlib.suppress(OSError):
        release = dict(line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line)
        os_name = f"{release.get('PRETTY_NAME', '').strip(chr(34))} (Linux {platform.release()})"
    return [
        ("CPU", cpu),
        ("cores", str(os.cpu_count())),
        ("memory", f"{mem_kb / 1024 / 1024:.1f} GiB"),
        ("OS", os_name),
        ("Python", platform.python_version()),
        ("PostgreSQL", pg_version),
        # The bench shares the machine; a busy one (someone's test suite) lowers every figure.
        ("load average at start (1, 5, 15 min)", ", ".join(f"{x:.2f}" for x in load)),
        # At the start and again at the end: a machine whose speed moved in between gave mixed figures.
        (
            "pure-Python yardstick: 5,000,000 loop additions, best of 3, at start / at end",
            f"{speed:.3f} s / {python_speed():.3f} s",
        ),
    ]


def met_cell(met: bool | None) -> str:
    return "—" if met is None else ("yes" if met else "**no**")


def write_report(
    sections: list[Section], pg_version: str, started: datetime, load: tuple[float, float, float], speed: float
) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`scripts/bench.py`); do not edit by hand, run it again.",
        "",
        f"Date: {started:%Y-%m-%d %H:%M} UTC",
        "",
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
        *[f"| {k} | {v} |" for k, v in machine(pg_version, load, speed)],
        "",
        "## Results",
        "",
        "Command: `make bench`",
        "",
        "| figure | measured | goal | met? |",
        "| --- | --- | --- | --- |",
    ]
    for section in sections:
        lines += [f"| **{section.title}** | | | |"]
        lines += [f"| {r.figure} | {r.measured} | {r.goal} | {met_cell(r.met)} |" for r in section.rows]
    lines.append("")
    for section in sections:
        if section.notes:
            lines += [f"### {section.title}", "", *[f"- {n}" for n in section.notes], ""]
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text("\n".join(lines))


# --- main ---------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    # Defaults suit a 2-core machine that also runs the server and PostgreSQL: one wrk thread leaves
    # the cores to the workers, and one connection per sync worker keeps both busy without queueing
    # requests in the listen backlog; with more, latency grows with the queue (about doubles at -c4)
    # while requests/s barely moves, so the p95 would measure the chosen queue length, not the page.
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--connections", type=int, default=WORKERS, help="wrk connections")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per page")
    parser.add_argument("--no-analyze", action="store_true", help="skip VACUUM ANALYZE after seeding")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
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
        cookie, proposal_id, wizard_step = create_session(env)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1

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
                base_url,
                server.pid,
                cookie,
                proposal_id,
                seed_seconds,
                not args.no_analyze,
                workdir,
                wizard_step=wizard_step,
            )
            sections = [s for s in (section(ctx) for section in SECTIONS) if s is not None]
        except BenchError as exc:
            print(f"bench: {exc}", file=sys.stderr)
            if log.exists() and log.stat().st_size:
                print(f"gunicorn log:\n{log.read_text(errors='replace')[-3000:]}", file=sys.stderr)
            return 1
        finally:
            stop_gunicorn(server)

    write_report(sections, pg_version, started, load, speed_at_start)
    print(f"\nwrote {REPORT.relative_to(ROOT)}")
    try:
        # Decision quality is measured beside speed: the case library through import and engine.
        print(manage(env, "evaluate_cases", "--markdown", str(DECISION_QUALITY), capture=True))
        print(f"wrote {DECISION_QUALITY.relative_to(ROOT)}")
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    missed = [r.figure for s in sections for r in s.rows if r.met is False]
    for figure in missed:
        print(f"goal missed: {figure}")
    if not missed:
        print("all goals met")
    return 0


if __name__ == "__main__":
    sys.exit(main())

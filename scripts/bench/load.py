"""Many connections at once over the main pages, signed in: every request answered, without error."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from .common import WORKERS, WRK, BenchContext, BenchError, Row, Section, ms, run_probe
from .server import fetch
from .wrk import wrk_fields

LOAD_CONNECTIONS = 64
LOAD_DURATION_S = 60
LOAD_THREADS = 2
# wrk's default of 2 s would count a slow answer as an error; a browser waits far longer, and the
# p99 shows how slow the answers were.
LOAD_TIMEOUT_S = 30
LOAD_LUA = Path(__file__).resolve().parent / "load.lua"


def load_section(ctx: BenchContext) -> Section:
    """64 connections for 60 s over the main pages, signed in, one after the other: no error."""
    report = run_probe(ctx.env, "scripts.bench.probes.computed_report", "--proposal", str(ctx.proposal_id))
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
    fields = wrk_fields(match.group(1))
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
            f"the report library (`scripts/bench/load.lua`); a {LOAD_TIMEOUT_S} s timeout per request. gunicorn as "
            f"above ({WORKERS} sync workers): {LOAD_CONNECTIONS} connections queue in its listen backlog, so latency "
            "is the queue's, and the figure that matters is that every request is answered, without error.",
        ],
    )

"""One page under wrk's load, with the CPU time the server and PostgreSQL spent on it."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
from pathlib import Path

from .common import WRK, BenchContext, BenchError, WrkResult, db_backend_pids
from .server import fetch

PAGE_LUA = Path(__file__).resolve().parent / "page.lua"
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


def wrk_fields(line: str) -> dict[str, str]:
    """The `key=value` pairs of the one line a wrk Lua script prints in done()."""
    return dict(re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', line))


def run_wrk(ctx: BenchContext, path: str, duration: int, *, signed_in: bool, warmup: bool = False) -> WrkResult:
    threads = 1 if warmup else ctx.args.threads
    connections = max(threads, ctx.args.connections)
    cmd = [WRK, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(PAGE_LUA)]
    if signed_in and path.startswith("/api/"):
        cmd += ["-H", f"Authorization: Bearer {ctx.token}"]
    elif signed_in:
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
    fields = wrk_fields(match.group(1))
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
    api = signed_in and path.startswith("/api/")
    status, location = fetch(
        f"{ctx.base_url}{path}", ctx.cookie if signed_in and not api else None, ctx.token if api else None
    )
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

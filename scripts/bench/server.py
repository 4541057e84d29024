"""gunicorn in front of the bench database, and the plain GET that checks what it answers."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from .common import GUNICORN, ROOT, WORKERS, BenchError


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


def fetch(url: str, cookie: str | None = None, token: str | None = None) -> tuple[int, str]:
    """One GET that does not follow redirects: a 302 to /login/ must show as a 302."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    headers = {"Authorization": f"Bearer {token}"} if token else {"Cookie": f"sessionid={cookie}"} if cookie else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
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

"""gunicorn serving the test database, for the fault tests, and a burst of requests against it.

The server is another process, so the test's data must be committed (`transactional_db`) and
the database must be PostgreSQL. It runs with the test settings (no https redirect, fast
hashing) and without Redis unless the test passes its own REDIS_URL.
"""

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client

from accounts.models import ApiToken, User
from tests.conftest import REQUIRE_SERVICES
from tests.worker import _test_database_url

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"


def require(reason: str | None) -> None:
    """Skip the test for `reason`, or fail it when MLFIT_REQUIRE_SERVICES=1 (CI)."""
    if reason is None:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (MLFIT_REQUIRE_SERVICES=1, so this is a failure)", pytrace=False)
    pytest.skip(reason)


def require_postgres() -> None:
    require(
        None
        if connection.vendor == "postgresql"
        else f"the test database is {connection.vendor}; the fault tests need PostgreSQL (set DATABASE_URL)"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"REDIS_URL", "CELERY_BROKER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_DEBUG"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings_test",
        MLFIT_TESTING="1",
        DATABASE_URL=_test_database_url(),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@contextmanager
def gunicorn(log_dir: Path, env: dict[str, str], workers: int = 2) -> Iterator[str]:
    """A gunicorn on a free port; yields its base URL, stops it on the way out."""
    port = free_port()
    log = log_dir / f"gunicorn-{port}.log"
    command = [
        str(GUNICORN),
        "config.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--no-control-socket",  # two instances on one machine (ARCHITECTURE.md, known traps)
        "--timeout",
        "30",
        "--error-logfile",
        str(log),
    ]
    with log.open("ab") as out:  # the workers' own output (Django's log) beside gunicorn's
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {process.returncode}:\n{log.read_text(errors='replace')}")
            with suppress(OSError):
                if request(f"{base}/ping/").status == 200:
                    break
            if time.monotonic() > deadline:
                raise AssertionError(f"gunicorn did not start:\n{log.read_text(errors='replace')}")
            time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@dataclass
class Answer:
    method: str
    path: str
    started: float
    status: int  # 0: no HTTP answer at all (connection refused or reset, timeout)
    body: str = ""
    finished: float = 0.0
    title: str = ""


def request(url: str, *, method: str = "GET", data: bytes | None = None, headers: dict | None = None) -> Answer:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    started = time.monotonic()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    path = "/" + url.split("/", 3)[-1]
    try:
        with urllib.request.build_opener(NoRedirect).open(req, timeout=15) as response:
            answer = Answer(method, path, started, response.status, response.read(2000).decode(errors="replace"))
    except urllib.error.HTTPError as exc:
        answer = Answer(method, path, started, exc.code, exc.read(2000).decode(errors="replace"))
    except OSError as exc:
        answer = Answer(method, path, started, 0, repr(exc))
    answer.finished = time.monotonic()
    return answer


@dataclass
class Member:
    """A signed-in member for the server: an API token and a session cookie."""

    user: User
    token: str
    cookie: str


def sign_in(user: User) -> Member:
    client = Client()
    client.force_login(user)
    _, token = ApiToken.issue(membership=user.memberships.get(), name="faults")
    return Member(user=user, token=token, cookie=f"sessionid={client.cookies['sessionid'].value}")


@dataclass
class Burst:
    """Threads sending requests until stopped: reads of pages and the API, and writes (proposals
    created through the API, each with a title of its own)."""

    base: str
    member: Member
    pages: list[str]
    threads: int = 4
    answers: list[Answer] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(self.threads)]

    def _run(self, n: int) -> None:
        i = 0
        while not self._stop.is_set():
            i += 1
            if i % 2:
                title = f"burst {n}-{i}"
                body = json.dumps({"title": title, "problem": "Written during a fault test."}).encode()
                answer = request(
                    f"{self.base}/api/proposals",
                    method="POST",
                    data=body,
                    headers={"Authorization": f"Bearer {self.member.token}", "Content-Type": "application/json"},
                )
                answer.title = title
            else:
                page = self.pages[(i // 2) % len(self.pages)]
                headers = {"Cookie": self.member.cookie, "Authorization": f"Bearer {self.member.token}"}
                answer = request(f"{self.base}{page}", headers=headers)
            with self._lock:
                self.answers.append(answer)

    def __enter__(self) -> "Burst":
        for worker in self._workers:
            worker.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=30)

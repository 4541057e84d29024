"""A real Celery worker for the tests that need one: a subprocess on Redis and the test database.

    require_worker_services()                  # in a test that uses `transactional_db`
    with worker_session(tmp_path) as workers:
        worker = workers.start(pause=0.5)       # seconds of sleep after each report step
        report, _ = report_request(proposal=proposal, by=user)   # enqueued to that worker

The worker is another process, so it needs a database both can reach: PostgreSQL (an in-memory
SQLite test database cannot be shared), with the test's data committed (`transactional_db`). It
reads the test database pytest-django made (its name has the TOX_PARALLEL_ENV suffix) and Redis
database 9, not the application's, on a queue of its own: several suites run at once on these
machines, and a worker of another run taking this run's job would find no such report in its own
database and drop it. While the worker runs, this process's Celery app sends to the same broker
and queue, with eager mode off: Celery reads its settings once, so they are changed on the app
itself (ARCHITECTURE.md, known traps) and put back afterwards.

`services_missing()` says why a worker cannot run here; `require_worker_services()` skips the test
then, or fails it when MLFIT_REQUIRE_SERVICES=1 (CI).
"""

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from email import message_from_string
from email.message import Message
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import redis
from django.db import connection

from config.celery import app
from tests.conftest import REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parents[1]
CELERY = ROOT / ".venv" / "bin" / "celery"
# Database 9 unless MLFIT_TEST_REDIS_DB names another, so two test runs on one machine keep apart.
REDIS_DB = int(os.environ.get("MLFIT_TEST_REDIS_DB", "9"))
READY_TIMEOUT = 60.0


def broker_url() -> str:
    """REDIS_URL with the tests' own database: their jobs never land in the application's queues."""
    parts = urlsplit(os.environ["REDIS_URL"])
    return urlunsplit(parts._replace(path=f"/{REDIS_DB}"))


def services_missing() -> str | None:
    """Why a real worker cannot run against this test run, or None when it can."""
    if not os.environ.get("REDIS_URL"):
        return "REDIS_URL is not set, so there is no broker for a real Celery worker"
    if connection.vendor != "postgresql":
        return (
            f"the test database is {connection.vendor}, which a worker process cannot share; "
            "set DATABASE_URL to PostgreSQL"
        )
    try:
        redis.Redis.from_url(broker_url(), socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis at {broker_url()} does not answer ({exc})"
    return None


def require_worker_services() -> None:
    reason = services_missing()
    if reason is None:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (MLFIT_REQUIRE_SERVICES=1, so this is a failure)", pytrace=False)
    pytest.skip(reason)


def _test_database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test database, not DATABASE_URL's)."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{db.get('HOST') or ''}{port}/{quote(db['NAME'], safe='')}"


def _forget_connections() -> None:
    # The app keeps a pool of broker connections made from the broker_url of its first send; drop
    # it so that the next send connects to the broker_url in force. Celery does the same after fork.
    app._pool = None
    if "amqp" in app.__dict__:  # a cached property, made on first use
        app.amqp._producer_pool = None


@contextmanager
def _app_sends_to(url: str, queue: str) -> Iterator[None]:
    names = ("broker_url", "task_default_queue", "task_always_eager")
    saved = {name: getattr(app.conf, name) for name in names}
    _forget_connections()
    app.conf.update(broker_url=url, task_default_queue=queue, task_always_eager=False)
    try:
        yield
    finally:
        app.conf.update(saved)
        _forget_connections()


def _delete_queue(queue: str) -> None:
    """Purge the queue, and drop the bindings kombu keeps for it (the name is the run's own)."""
    client = redis.Redis.from_url(broker_url())
    keys = list(client.scan_iter(match=f"*{queue}*"))
    if keys:
        client.delete(*keys)


@dataclass
class Worker:
    process: subprocess.Popen
    hostname: str
    queue: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def pool_processes(self) -> list[int]:
        """The prefork pool's processes: the main worker process's children."""
        found = subprocess.run(["pgrep", "-P", str(self.pid)], capture_output=True, text=True, check=False)
        return [int(pid) for pid in found.stdout.split()]

    def active_task_pids(self) -> list[int]:
        """The pool processes running a task now, as the worker itself reports them."""
        replies = app.control.inspect(destination=[self.hostname], timeout=2).active() or {}
        return [task["worker_pid"] for task in replies.get(self.hostname, []) if task.get("worker_pid")]

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if not self.alive():
                raise AssertionError(f"The Celery worker exited with {self.process.returncode}:\n{self.log_tail()}")
            if app.control.ping(destination=[self.hostname], timeout=0.5):
                return
        raise AssertionError(f"The Celery worker did not answer in {READY_TIMEOUT:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """Warm shutdown (finish the job in hand), then kill whatever of its process group is left."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        with suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        with suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)


@dataclass
class WorkerStarter:
    log_dir: Path
    queue: str

    def __post_init__(self) -> None:
        self.workers: list[Worker] = []

    @property
    def mail_dir(self) -> Path:
        return self.log_dir / "mail"

    def sent_mail(self) -> list[Message]:
        """The emails the workers have sent so far (Django's file backend: one file per connection)."""
        messages = []
        for path in sorted(self.mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime):
            for chunk in path.read_text(errors="replace").split("\n" + "-" * 79 + "\n"):
                if chunk.strip():
                    messages.append(message_from_string(chunk.strip()))
        return messages

    def log_text(self) -> str:
        """The logs of every worker started, one after the other."""
        return "".join(worker.log_text() for worker in self.workers)

    def start(self, *, pause: float = 0.0) -> Worker:
        """A worker on the queue, ready; `pause` seconds of sleep after each report step."""
        n = len(self.workers) + 1
        hostname = f"{self.queue}-{n}@mlfit-tests"
        log = self.log_dir / f"celery-worker-{n}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
            "MLFIT_TESTING": "1",
            "DATABASE_URL": _test_database_url(),
            "REDIS_URL": broker_url(),
            "CELERY_BROKER_URL": broker_url(),
            "MLFIT_REPORT_STEP_PAUSE": str(pause),
            # The worker sends the emails (notifications, invitations) into files the test can read.
            "MLFIT_TEST_EMAIL_DIR": str(self.mail_dir),
            "PYTHONUNBUFFERED": "1",
        }
        # The browser tests lift Django's async guard in this process; the worker needs no such thing.
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        command = [
            str(CELERY),
            "-A",
            "config",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--loglevel=INFO",
            "-Q",
            self.queue,
            "-n",
            hostname,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        with log.open("wb") as out:
            # A session of its own, so that stop() can kill the pool processes with the worker.
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        worker = Worker(process=process, hostname=hostname, queue=self.queue, log=log)
        self.workers.append(worker)
        worker.wait_ready()
        return worker


@contextmanager
def worker_session(log_dir: Path) -> Iterator[WorkerStarter]:
    """Point this process's Celery app at the tests' broker and queue; start workers on demand.

    Every worker started is stopped on the way out, and the queue's keys deleted from Redis.
    """
    queue = f"mlfit-test-{uuid.uuid4().hex[:12]}"
    starter = WorkerStarter(log_dir=log_dir, queue=queue)
    with _app_sends_to(broker_url(), queue):
        _delete_queue(queue)
        try:
            yield starter
        finally:
            for worker in starter.workers:
                worker.stop()
            _delete_queue(queue)

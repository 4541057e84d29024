"""Redis down: pages and sign-in still work, "Generate report" says the job is delayed, and the
outbox's periodic sweep sends the job once Redis is back, where it runs exactly once.

"Down" is a port nothing listens on, given to the app as its REDIS_URL (cache, sessions and
broker), which is what an unreachable Redis looks like to it without stopping anyone else's
Redis on this machine. "Back" is a redis-server this test starts on that very port, with a
Celery worker of its own on it; the sweep is sent as Celery beat sends it.
"""

import http.cookiejar
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from contextlib import suppress
from pathlib import Path

import pytest
import redis

from accounts.models import Role
from config.celery import app
from outbox.tasks import sweep_outbox
from projects.services import proposal_create
from reports.models import Report, ReportStatus
from reports.services import DELAYED_NOTE, report_sweep
from reports.tasks import sweep_reports
from tests.factories import MembershipFactory
from tests.faults.server import free_port, gunicorn, require, require_postgres, server_env
from tests.worker import CELERY, ROOT, _app_sends_to, _test_database_url

pytestmark = pytest.mark.celery_worker

SUCCEEDED = re.compile(r"compute_report\[[\w-]+\] succeeded in [\d.]+s: '(?P<result>[\w ]+)'")
SWEPT = re.compile(r"sweep_(?:reports|outbox)\[[\w-]+\] succeeded")
# Asking for a report with Redis down must not hang the page on the broker's timeouts.
PAGE_LIMIT_S = 8.0


class Browser:
    """Cookies and CSRF tokens, as a browser keeps them, over plain HTTP to the test server."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def open(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {"Referer": self.base + path}
        request = urllib.request.Request(self.base + path, data=body, headers=headers)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode(), response.headers.get("Location", "")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace"), exc.headers.get("Location", "")

    def post_form(self, path: str, data: dict) -> tuple[int, str, str]:
        """GET the page for its CSRF token, then post the form with it."""
        status, html, _ = self.open(path)
        assert status == 200, f"GET {path}: {status}\n{html[:500]}"
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token, f"no CSRF token on {path}"
        return self.open(path, {**data, "csrfmiddlewaretoken": token.group(1)})


def wait_for(condition, what: str, log: Path, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:]) if log.exists() else ""
    raise AssertionError(f"Waited {timeout:.0f} s for {what}. The log ends:\n{tail}")


def start_redis(port: int, log: Path) -> subprocess.Popen:
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    client = redis.Redis(port=port, socket_connect_timeout=0.5)

    def answers() -> bool:
        with suppress(redis.RedisError):
            return bool(client.ping())
        return False

    wait_for(answers, "redis-server to answer", log, timeout=15)
    return process


def start_worker(url: str, log: Path) -> subprocess.Popen:
    env = {
        **server_env(REDIS_URL=url, CELERY_BROKER_URL=url),
        "DATABASE_URL": _test_database_url(),
    }
    command = [str(CELERY), "-A", "config", "worker", "--pool=prefork", "--concurrency=1", "--loglevel=INFO"]
    command += [
        "-n",
        f"faults-{os.getpid()}@mlfit-tests",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    with log.open("wb") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen | None, group: bool = False) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=15)
    if group:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    with suppress(ProcessLookupError):
        process.kill()
    process.wait(timeout=5)


def test_with_redis_down_pages_work_and_a_delayed_report_runs_once_when_it_is_back(transactional_db, tmp_path):
    require_postgres()
    if not shutil.which("redis-server"):
        require("redis-server is not installed, so this test cannot bring Redis back")
    membership = MembershipFactory(role=Role.MEMBER, organisation__slug="acme")
    user = membership.user
    proposal = proposal_create(
        organisation=membership.organisation,
        data={"title": "Route support tickets", "problem": "A third of the tickets land in the wrong queue."},
        by=user,
    )
    port = free_port()  # nothing listens here until start_redis
    url = f"redis://127.0.0.1:{port}/0"
    redis_server = worker = None
    worker_log = tmp_path / "celery-worker.log"
    try:
        with gunicorn(tmp_path, server_env(REDIS_URL=url, CELERY_BROKER_URL=url)) as base:
            browser = Browser(base)
            # Sign-in: the session is saved to the database even though its cache is down.
            status, html, location = browser.post_form(
                "/login/", {"username": user.email, "password": "password-for-tests"}
            )
            assert status == 302, f"sign-in with Redis down: {status}\n{html[:800]}"
            for page in (
                "/proposals/",
                f"/proposals/{proposal.pk}/",
                "/reports/",
                f"/proposals/{proposal.pk}/reports/",
            ):
                status, html, _ = browser.open(page)
                assert status == 200, f"{page} with Redis down: {status}\n{html[:800]}"

            started = time.monotonic()
            status, html, location = browser.post_form(f"/proposals/{proposal.pk}/reports/", {})
            took = time.monotonic() - started
            assert status == 302, f"Generate report with Redis down: {status}\n{html[:800]}"
            assert took < PAGE_LIMIT_S, f"asking for the report took {took:.1f} s"
            status, html, _ = browser.open(location)
            assert status == 200, html[:800]
            assert DELAYED_NOTE in html, "the report page does not say the job is delayed"
            assert "the job queue is unreachable" in html, "the message says it is computed, not delayed"

        report = Report.objects.get(proposal=proposal)
        assert (report.status, report.progress_note, report.attempts) == (ReportStatus.QUEUED, DELAYED_NOTE, 0)

        # Beat's sweep while Redis is still down: the report stays delayed, the sweep does not fail.
        with _app_sends_to(url, "celery"):
            report_sweep()
        report.refresh_from_db()
        assert (report.status, report.progress_note) == (ReportStatus.QUEUED, DELAYED_NOTE)

        redis_server = start_redis(port, tmp_path / "redis.log")
        worker = start_worker(url, worker_log)
        with _app_sends_to(url, "celery"):
            wait_for(lambda: app.control.ping(timeout=0.5), "the worker to start", worker_log)

            # What beat sends every minute: the outbox's sweep sends the job that waited in it, once
            # its backoff has passed (sent here every 2 s until then).
            def ran() -> bool:
                if Report.objects.filter(pk=report.pk, status=ReportStatus.SUCCEEDED).exists():
                    return True
                sweep_outbox.delay()
                time.sleep(2)
                return False

            wait_for(ran, "the delayed report to run", worker_log)
            # More sweeps send nothing more: the report ran once and is done.
            swept = len(SWEPT.findall(worker_log.read_text()))
            sweep_reports.delay()
            sweep_outbox.delay()
            wait_for(lambda: len(SWEPT.findall(worker_log.read_text())) == swept + 2, "the next sweeps", worker_log)

        report.refresh_from_db()
        assert report.attempts == 1, report.attempts
        assert report.progress_note == "Done"
        assert report.results and report.results["ranking"]
        runs = [m["result"] for m in SUCCEEDED.finditer(worker_log.read_text())]
        assert runs == ["succeeded"], runs
    finally:
        stop(worker, group=True)
        stop(redis_server)

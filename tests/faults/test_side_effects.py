"""Redis down, then back: every kind of side effect is kept in the outbox and sent exactly once.

With Redis unreachable (a port nothing listens on, as in test_redis.py), an admin adds an outside
stakeholder, invites a member, posts a comment mentioning the proposal's owner and asks for a
report's PDF, through gunicorn. Each answers without a 500, each row is committed, and each side
effect waits in the outbox as a pending item, which the members page shows. Then a redis-server
is started on that port with a real Celery worker, beat's outbox sweep is sent, and the worker
sends each email and runs the PDF job once; a second delivery of an email job sends nothing.
"""

import re
import shutil
import time

import pytest

from accounts.models import EmailStatus, Invitation, Notification, NotificationKind, Role
from config.celery import app
from outbox.models import OutboxItem, OutboxStatus
from outbox.tasks import send_email, sweep_outbox
from projects.models import Comment, Proposal
from reports.models import Report, ReportStatus
from stakeholders.models import Stakeholder
from tests.conftest import World
from tests.factories import build_scenario, computed
from tests.faults.server import free_port, gunicorn, require, require_postgres, server_env
from tests.faults.test_redis import Browser, start_redis, start_worker, stop, wait_for
from tests.worker import WorkerStarter, _app_sends_to

pytestmark = pytest.mark.celery_worker

PAGE_LIMIT_S = 8.0
SWEPT = re.compile(r"sweep_outbox\[[\w-]+\] succeeded")
DELIVERED = re.compile(r"outbox\.tasks\.send_email\[[\w-]+\] succeeded in [\d.]+s: '(?P<result>[\w ]+)'")


@pytest.fixture
def world(transactional_db, world) -> World:  # committed: gunicorn and the worker read it
    return world


@pytest.fixture
def questionnaire_version(transactional_db):
    from questionnaires.versions import latest_version, sync_from_files

    sync_from_files()
    return latest_version()


def csrf(browser: Browser, page: str) -> str:
    status, html, _ = browser.open(page)
    assert status == 200, f"GET {page}: {status}\n{html[:500]}"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token, f"no CSRF token on {page}"
    return token.group(1)


def test_side_effects_wait_in_the_outbox_while_redis_is_down_and_are_sent_once_when_it_is_back(
    world, questionnaire_version, tmp_path, monkeypatch
):
    require_postgres()
    if not shutil.which("redis-server"):
        require("redis-server is not installed, so this test cannot bring Redis back")
    proposal: Proposal = world.proposal
    build_scenario(world)
    report = computed(proposal, world.owner)  # computed here, before Redis goes away
    before = set(OutboxItem.objects.values_list("pk", flat=True))
    mail_dir = tmp_path / "mail"
    monkeypatch.setenv("MLFIT_TEST_EMAIL_DIR", str(mail_dir))  # the worker's emails, as files

    port = free_port()  # nothing listens here until start_redis
    url = f"redis://127.0.0.1:{port}/0"
    redis_server = worker = None
    worker_log = tmp_path / "celery-worker.log"
    try:
        with gunicorn(tmp_path, server_env(REDIS_URL=url, CELERY_BROKER_URL=url)) as base:
            browser = Browser(base)
            status, html, _ = browser.post_form(
                "/login/", {"username": world.admin.email, "password": "password-for-tests"}
            )
            assert status == 302, f"sign-in with Redis down: {status}\n{html[:800]}"
            token = csrf(browser, f"/proposals/{proposal.pk}/stakeholders/")  # one token for the session
            role = proposal.organisation.stake_roles.first()
            posts = {
                "add a stakeholder": (
                    f"/proposals/{proposal.pk}/stakeholders/",
                    {"name": "Pat Outside", "email": "pat@outside.test", "role": role.pk},
                ),
                "invite a member": ("/accounts/members/", {"email": "newcomer@acme.test", "role": Role.MEMBER}),
                "comment with a mention": (
                    f"/proposals/{proposal.pk}/comments/",
                    {"body": f"@{world.owner.email} please look at the latency target"},
                ),
                "ask for the PDF": (f"/proposals/{proposal.pk}/reports/{report.pk}/pdf/", {}),
            }
            for what, (path, data) in posts.items():
                started = time.monotonic()
                status, html, _ = browser.open(path, {**data, "csrfmiddlewaretoken": token})
                took = time.monotonic() - started
                assert status in (200, 302), f"{what} with Redis down: {status}\n{html[:800]}"
                assert took < PAGE_LIMIT_S, f"{what} took {took:.1f} s with Redis down"

            # Whoever waits is told: the invitation's email is not sent yet.
            status, html, _ = browser.open("/accounts/members/")
            assert status == 200
            assert "email not sent yet: will retry" in html

        # Every row committed, every side effect pending in the outbox.
        stakeholder = Stakeholder.objects.get(email="pat@outside.test")
        invitation = Invitation.objects.get(email="newcomer@acme.test")
        assert Comment.objects.filter(body__contains="latency target").count() == 1
        mention = Notification.objects.get(user=world.owner, kind=NotificationKind.MENTION)
        report.refresh_from_db()
        assert report.pdf_status == ReportStatus.QUEUED
        items = {i.ref: i for i in OutboxItem.objects.exclude(pk__in=before)}
        expected = {
            f"stakeholder:{stakeholder.pk}",
            f"invitation:{invitation.pk}",
            f"notification:{mention.pk}",
            f"report_pdf:{report.pk}",
        }
        assert expected <= set(items), sorted(items)
        assert {items[ref].status for ref in expected} == {OutboxStatus.PENDING}
        assert mention.email_status == EmailStatus.PENDING

        # Redis is back, with a worker; beat sends the sweep every minute (here: until drained).
        redis_server = start_redis(port, tmp_path / "redis.log")
        worker = start_worker(url, worker_log)
        with _app_sends_to(url, "celery"):
            wait_for(lambda: app.control.ping(timeout=0.5), "the worker to start", worker_log)

            def drained() -> bool:
                finished = (
                    not OutboxItem.objects.filter(pk__in=[items[r].pk for r in expected])
                    .exclude(status=OutboxStatus.SENT)
                    .exists()
                )
                pdf = Report.objects.filter(pk=report.pk, pdf_status=ReportStatus.SUCCEEDED).exists()
                if not (finished and pdf):
                    sweep_outbox.delay()
                    time.sleep(2)
                return finished and pdf

            wait_for(drained, "the outbox to drain and the PDF to be rendered", worker_log, timeout=120)

            # The invitation's email job delivered again (a redelivery, a duplicate): nothing sent.
            send_email.delay(items[f"invitation:{invitation.pk}"].pk)
            wait_for(
                lambda: "already handled" in [m["result"] for m in DELIVERED.finditer(worker_log.read_text())],
                "the duplicate delivery",
                worker_log,
            )
            sweep_outbox.delay()
            swept = len(SWEPT.findall(worker_log.read_text()))
            wait_for(lambda: len(SWEPT.findall(worker_log.read_text())) > swept, "a last sweep", worker_log)

        sent = WorkerStarter(log_dir=tmp_path, queue="unused").sent_mail()
        recipients = sorted(address for message in sent for address in message["To"].split(","))
        assert recipients == sorted(["pat@outside.test", "newcomer@acme.test", world.owner.email]), recipients
        mention.refresh_from_db()
        assert mention.email_status == EmailStatus.SENT
        report.refresh_from_db()
        assert report.pdf and bytes(report.pdf).startswith(b"%PDF")
        pdf_jobs = re.findall(r"render_report_pdf\[[\w-]+\] succeeded in [\d.]+s: '(\w[\w ]*)'", worker_log.read_text())
        assert pdf_jobs == ["rendered"], pdf_jobs
        assert [m["result"] for m in DELIVERED.finditer(worker_log.read_text())].count("sent") == 2
    finally:
        stop(worker, group=True)
        stop(redis_server)

"""A whole Celery worker killed (main process and pool) in the middle of a report: the sweep, run
as often as beat runs it, notices within a minute by the report's heartbeat, re-queues it once,
and when the next worker dies on it too, fails it with the reason. Nothing shows "running" for
minutes (issue 15, item 7)."""

import os
import signal
import time

import pytest
from django.conf import settings

from accounts.models import Role
from projects.services import proposal_create
from reports.models import Report, ReportStatus
from reports.services import report_request, report_sweep
from tests.factories import MembershipFactory
from tests.worker import Worker, require_worker_services, worker_session

pytestmark = pytest.mark.celery_worker

NOTICED_WITHIN_S = 60.0
SWEEP_EVERY_S = settings.CELERY_BEAT_SCHEDULE["sweep-reports"]["schedule"]


def kill_whole_worker(worker: Worker) -> None:
    """SIGKILL to the worker's process group: the main process and its pool, as a lost machine."""
    os.killpg(worker.pid, signal.SIGKILL)
    worker.process.wait(timeout=10)


def sweep_until(report: Report, status: str) -> float:
    """Run the sweep as beat would, every SWEEP_EVERY_S; seconds until the report reached `status`."""
    started = time.monotonic()
    while time.monotonic() - started < NOTICED_WITHIN_S + SWEEP_EVERY_S:
        report_sweep()
        if Report.objects.filter(pk=report.pk, status=status).exists():
            return time.monotonic() - started
        time.sleep(SWEEP_EVERY_S)
    current = Report.objects.values_list("status", "heartbeat_at").get(pk=report.pk)
    raise AssertionError(f"The sweep never made the report {status}: it is {current}")


def wait_running(report: Report, attempts: int, worker: Worker) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if Report.objects.filter(pk=report.pk, status=ReportStatus.RUNNING, attempts=attempts).exists():
            return
        time.sleep(0.1)
    raise AssertionError(f"The report never ran (attempt {attempts}):\n{worker.log_tail()}")


def test_a_report_whose_whole_worker_is_killed_is_requeued_once_then_failed(transactional_db, tmp_path):
    require_worker_services()
    membership = MembershipFactory(role=Role.MEMBER, organisation__slug="acme")
    proposal = proposal_create(
        organisation=membership.organisation,
        data={"title": "Route support tickets", "problem": "A third of the tickets land in the wrong queue."},
        by=membership.user,
    )
    with worker_session(tmp_path) as workers:
        worker = workers.start(pause=3)  # each step held 3 s: the job is still running when killed
        report, _ = report_request(proposal=proposal, by=proposal.owner)
        wait_running(report, 1, worker)
        kill_whole_worker(worker)

        took = sweep_until(report, ReportStatus.QUEUED)
        assert took < NOTICED_WITHIN_S, f"noticed after {took:.0f} s"
        report.refresh_from_db()
        assert (report.attempts, report.progress_note) == (1, "Re-queued after its worker stopped responding")

        # The re-queued job is taken by the next worker, which dies on it too.
        worker = workers.start(pause=3)
        wait_running(report, 2, worker)
        kill_whole_worker(worker)

        took = sweep_until(report, ReportStatus.FAILED)
        assert took < NOTICED_WITHIN_S, f"noticed after {took:.0f} s"
        report.refresh_from_db()
        assert report.error == "The job stopped responding 2 times (its worker died); giving up."
        assert report.attempts == 2 and report.finished_at is not None

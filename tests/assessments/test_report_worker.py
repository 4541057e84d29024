"""Report jobs on a real Celery worker and Redis: a report followed through its states, and a worker
process killed in the middle of a job, after which the report still completes, once.

The worker is a subprocess (tests/worker.py) reading the test database, so these tests need
PostgreSQL and Redis: they skip without them, and fail instead when MLFIT_REQUIRE_SERVICES=1 (CI).
"""

import os
import re
import signal
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from projects.models import Proposal
from projects.services import proposal_create
from reports.models import Report, ReportStatus
from reports.services import STALE_AFTER, report_request, report_sweep
from reports.tasks import compute_report
from tests.factories import MembershipFactory
from tests.worker import Worker, WorkerStarter, require_worker_services, worker_session

pytestmark = pytest.mark.celery_worker

TIMEOUT = 60.0
# The worker's own account of each job: "Task assessments.tasks.compute_report[<id>] succeeded in 2.1s: 'succeeded'".
SUCCEEDED_LINE = re.compile(r"compute_report\[[\w-]+\] succeeded in [\d.]+s: '(?P<result>[\w ]+)'")


@pytest.fixture
def workers(transactional_db, tmp_path) -> WorkerStarter:
    require_worker_services()
    with worker_session(tmp_path) as starter:
        yield starter


@pytest.fixture
def proposal(transactional_db) -> Proposal:
    membership = MembershipFactory(role=Role.MEMBER, organisation__name="Acme", organisation__slug="acme")
    return proposal_create(
        organisation=membership.organisation,
        data={"title": "Route support tickets", "problem": "A third of the tickets land in the wrong queue."},
        by=membership.user,
    )


def wait_for(condition: Callable[[], object], what: str, worker: Worker, timeout: float = TIMEOUT) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"Waited {timeout:.0f} s for {what}. The worker's log ends:\n{worker.log_tail()}")


def state(report: Report) -> tuple[str, int]:
    return Report.objects.values_list("status", "progress").get(pk=report.pk)


def test_it_follows_a_report_from_queued_to_succeeded(workers, proposal):
    worker = workers.start(pause=0.5)  # each step is held long enough for polling to see it

    # Not atomic around the call (transactional_db): the job is sent as report_request commits.
    report, created = report_request(proposal=proposal, by=proposal.owner)
    assert created
    seen: list[tuple[str, int]] = []

    def done() -> bool:
        current = state(report)
        if not seen or seen[-1] != current:
            seen.append(current)
        return current[0] in (ReportStatus.SUCCEEDED, ReportStatus.FAILED)

    wait_for(done, "the report to finish", worker)

    statuses = [status for status, _ in seen]
    assert statuses[-1] == ReportStatus.SUCCEEDED, seen
    assert ReportStatus.FAILED not in statuses, seen
    running = [progress for status, progress in seen if status == ReportStatus.RUNNING]
    assert running and min(running) > 0, f"never saw it running with progress: {seen}"
    assert running == sorted(running), f"progress went backwards: {seen}"
    assert statuses.index(ReportStatus.RUNNING) < statuses.index(ReportStatus.SUCCEEDED)
    report.refresh_from_db()
    assert report.progress == 100
    assert report.attempts == 1
    assert report.started_at and report.finished_at and report.started_at <= report.finished_at
    assert report.results["ranking"], "the results have no ranking"
    assert report.headline and report.headline == report.results["headline"][:300]
    assert not report.error
    # The result is in the database a moment before the task returns (it then records the report
    # on the proposal and notifies who asked), so wait for the worker to log it.
    wait_for(lambda: SUCCEEDED_LINE.search(worker.log_text()), "the job's log line", worker)
    assert [m["result"] for m in SUCCEEDED_LINE.finditer(worker.log_text())] == ["succeeded"]


def test_a_job_whose_worker_process_is_killed_is_redelivered_and_completes_once(workers, proposal):
    worker = workers.start(pause=3)  # 3 s after the step: time to kill the job in the middle

    report, _ = report_request(proposal=proposal, by=proposal.owner)
    wait_for(lambda: state(report)[0] == ReportStatus.RUNNING, "the job to be running", worker)
    pool = worker.pool_processes()
    busy = wait_for(worker.active_task_pids, "the worker to report its running job", worker)
    assert len(busy) == 1 and busy[0] in pool, f"the job runs in {busy}, the pool is {pool}"
    os.kill(busy[0], signal.SIGKILL)

    # acks_late + reject_on_worker_lost: the main process sees the pool process die, puts the
    # message back on the queue, and a new pool process runs the job again.
    time.sleep(1)
    if not worker.alive():  # not expected: then a new worker, and the sweep sends the job again
        worker = workers.start(pause=2)
        report_sweep(now=timezone.now() + STALE_AFTER + timedelta(seconds=1))
    wait_for(lambda: state(report)[0] in (ReportStatus.SUCCEEDED, ReportStatus.FAILED), "the report", worker)

    report.refresh_from_db()
    wait_for(lambda: SUCCEEDED_LINE.search(workers.log_text()), "the job's log line", worker)
    log = workers.log_text()
    assert report.status == ReportStatus.SUCCEEDED, f"{report.status}: {report.error}\n{worker.log_tail()}"
    assert report.attempts == 2, report.attempts
    assert "WorkerLostError" in log, "the worker never noticed its pool process die"
    assert [m["result"] for m in SUCCEEDED_LINE.finditer(log)] == ["succeeded"]
    assert Report.objects.filter(proposal=proposal).count() == 1
    finished_at, results = report.finished_at, report.results
    assert finished_at and results["ranking"]

    # Delivered once more (as a sweep or a duplicate message would): it changes nothing.
    compute_report.delay(report.pk)
    wait_for(
        lambda: (
            [m["result"] for m in SUCCEEDED_LINE.finditer(workers.log_text())] == ["succeeded", "already succeeded"]
        ),
        "the duplicate job to finish",
        worker,
    )
    report.refresh_from_db()
    assert (report.status, report.attempts, report.finished_at) == (ReportStatus.SUCCEEDED, 2, finished_at)
    assert report.results == results

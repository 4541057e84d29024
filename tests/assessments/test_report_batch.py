"""Many reports at once: the batch job (report_run_batch), its enqueueing, the recompute_reports
command, and the batch on a real Celery worker.

The batch path keeps report_run's guarantees row by row: a report is computed from its frozen
inputs, written once however often its message is delivered, and one report's failure is its own.
"""

import io
import re
import time

import pytest
from django.core.management import CommandError, call_command

from reports import services as reports
from reports.models import Report, ReportStatus
from reports.services import (
    report_enqueue_batch,
    report_request,
    report_run,
    report_run_batch,
)
from tests.assessments.test_reports import change_the_intake
from tests.factories import build_scenario, computed
from tests.worker import require_worker_services, worker_session

pytestmark = pytest.mark.usefixtures("memo_engine")


def copies(template: Report, n: int) -> list[Report]:
    """Queued reports with the template's frozen inputs, as a recompute makes them."""
    return [
        Report.objects.create(
            organisation=template.organisation,
            proposal=template.proposal,
            inputs=template.inputs,
            inputs_hash=f"copy-{i}",
            engine_version=template.engine_version,
        )
        for i in range(n)
    ]


@pytest.fixture
def queued(scenario) -> list[Report]:
    template, _ = report_request(proposal=scenario.proposal, by=scenario.owner)
    return [template, *copies(template, 2)]


def test_the_batch_computes_each_report_as_the_single_job_does(scenario, queued):
    alone = copies(queued[0], 1)[0]
    report_run(report_id=alone.pk)
    alone.refresh_from_db()

    outcome = report_run_batch(report_ids=[r.pk for r in queued])

    assert outcome == {"succeeded": 3, "failed": 0, "skipped": 0}
    for report in queued:
        report.refresh_from_db()
        assert (report.status, report.progress, report.attempts, report.error) == (ReportStatus.SUCCEEDED, 100, 1, "")
        assert report.started_at <= report.finished_at
        assert report.results == alone.results
        assert report.headline == alone.headline


def test_a_batch_delivered_again_writes_nothing_twice(scenario, queued):
    ids = [r.pk for r in queued]
    report_run_batch(report_ids=ids)
    before = list(Report.objects.filter(pk__in=ids).order_by("pk").values("results", "attempts", "finished_at"))

    assert report_run_batch(report_ids=ids) == {"succeeded": 0, "failed": 0, "skipped": 3}

    after = list(Report.objects.filter(pk__in=ids).order_by("pk").values("results", "attempts", "finished_at"))
    assert after == before
    assert Report.objects.filter(proposal=scenario.proposal).count() == 3  # no duplicates either


def test_a_report_left_running_by_a_dead_worker_is_computed_again_and_counted(scenario, queued):
    first, second, third = queued
    Report.objects.filter(pk=second.pk).update(status=ReportStatus.RUNNING, attempts=1)
    report_run(report_id=third.pk)  # the single job got there first

    assert report_run_batch(report_ids=[first.pk, second.pk, third.pk]) == {
        "succeeded": 2,
        "failed": 0,
        "skipped": 1,
    }
    attempts = dict(Report.objects.filter(pk__in=[r.pk for r in queued]).values_list("pk", "attempts"))
    assert attempts == {first.pk: 1, second.pk: 2, third.pk: 1}


def test_a_report_whose_engine_fails_fails_alone(scenario, queued):
    broken = queued[1]
    Report.objects.filter(pk=broken.pk).update(inputs={"suitability": {}, "stakeholders": []})  # no approaches

    assert report_run_batch(report_ids=[r.pk for r in queued]) == {"succeeded": 2, "failed": 1, "skipped": 0}

    broken.refresh_from_db()
    assert (broken.status, broken.error, broken.results) == (ReportStatus.FAILED, "KeyError: 'approaches'", None)
    statuses = set(Report.objects.exclude(pk=broken.pk).values_list("status", flat=True))
    assert statuses == {ReportStatus.SUCCEEDED}


def test_enqueueing_sends_the_queued_reports_in_chunks(
    scenario, queued, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(reports, "BATCH_SIZE", 2)
    more = copies(queued[0], 2)
    done = computed(scenario.proposal, scenario.owner)  # the first report, already computed
    ids = [r.pk for r in [*queued, *more]]

    with django_capture_on_commit_callbacks() as callbacks:
        assert report_enqueue_batch(report_ids=ids) == 4  # the succeeded one is not sent
    assert len(callbacks) == 2  # four reports, two a message
    assert done.pk == queued[0].pk
    assert not Report.objects.filter(status=ReportStatus.QUEUED, heartbeat_at__isnull=True).exists()

    for callback in callbacks:  # eager: each message runs its batch here
        callback()
    assert set(Report.objects.values_list("status", flat=True)) == {ReportStatus.SUCCEEDED}


def test_recompute_reports_makes_a_report_only_where_the_inputs_changed(scenario, django_capture_on_commit_callbacks):
    computed(scenario.proposal, scenario.owner)
    out = io.StringIO()
    call_command("recompute_reports", stdout=out)
    assert "0 new reports queued in 0 batch jobs; 1 proposals were up to date." in out.getvalue()
    assert Report.objects.count() == 1

    change_the_intake(scenario.proposal, scenario.owner)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("recompute_reports", "--organisation", scenario.org.slug, stdout=out)
    assert "1 new reports queued in 1 batch jobs; 0 proposals were up to date." in out.getvalue()
    latest = Report.objects.order_by("-pk").first()
    assert latest.status == ReportStatus.SUCCEEDED
    assert latest.requested_by is None
    assert latest.inputs["proposal"]["title"] == "Route support tickets to teams"


def test_recompute_reports_refuses_an_unknown_organisation(db):
    with pytest.raises(CommandError, match="No organisation with slug 'nope'"):
        call_command("recompute_reports", "--organisation", "nope")


# --------------------------------------------------------------------------------------------
# On a real worker


# "Task assessments.tasks.compute_reports[<id>] succeeded in 0.1s: {'succeeded': 3, ...}"
BATCH_LINE = re.compile(r"compute_reports\[[\w-]+\] succeeded in [\d.]+s: (?P<result>\{[^}]*\})")


@pytest.mark.celery_worker
def test_a_batch_runs_on_a_real_worker_and_each_report_once(transactional_db, tmp_path, questionnaire_version, world):
    require_worker_services()
    build_scenario(world)
    template, _ = report_request(proposal=world.proposal, by=world.owner)  # computed here (eager)
    ids = [r.pk for r in copies(template, 3)]

    with worker_session(tmp_path) as workers:
        worker = workers.start()
        assert report_enqueue_batch(report_ids=ids) == 3
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not Report.objects.filter(pk__in=ids).exclude(status=ReportStatus.SUCCEEDED).exists():
                break
            time.sleep(0.1)
        log = worker.log_text()

    reports_ = list(Report.objects.filter(pk__in=ids))
    assert {r.status for r in reports_} == {ReportStatus.SUCCEEDED}, log[-3000:]
    assert {r.attempts for r in reports_} == {1}
    assert len({str(r.results) for r in reports_}) == 1
    assert [m["result"] for m in BATCH_LINE.finditer(log)] == ["{'succeeded': 3, 'failed': 0, 'skipped': 0}"]

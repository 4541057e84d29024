"""A finished report: the proposal records it as its newest (what review decisions cite), and the
person who asked for it is notified once, however often the job runs."""

import pytest
from django.core import mail

from accounts.models import Notification, NotificationKind
from reports.services import report_request, report_run, report_run_batch
from tests.factories import build_scenario

pytestmark = pytest.mark.usefixtures("memo_engine")


def test_a_finished_report_is_recorded_and_announced_once(
    world, questionnaire_version, django_capture_on_commit_callbacks
):
    build_scenario(world)
    report, _ = report_request(proposal=world.proposal, by=world.member)
    with django_capture_on_commit_callbacks(execute=True):
        assert report_run(report_id=report.pk) == "succeeded"
        assert report_run(report_id=report.pk) == "already succeeded"
        assert report_run_batch(report_ids=[report.pk])["succeeded"] == 0
    report.refresh_from_db()
    world.proposal.refresh_from_db()
    assert (world.proposal.latest_report_id, world.proposal.latest_report_at) == (report.pk, report.finished_at)
    assert world.proposal.latest_report_headline == report.results["headline"]
    (note,) = Notification.objects.filter(kind=NotificationKind.REPORT_READY)
    assert note.user == world.member and f"#{report.pk}" in note.title
    assert note.url == f"/proposals/{world.proposal.pk}/reports/{report.pk}/"
    assert [m.to for m in mail.outbox] == [[world.member.email]]


def test_a_batch_recompute_records_the_newest_report_without_notifying(world, questionnaire_version):
    build_scenario(world)
    report, _ = report_request(proposal=world.proposal, by=world.member)
    assert report_run_batch(report_ids=[report.pk])["succeeded"] == 1
    world.proposal.refresh_from_db()
    assert world.proposal.latest_report_id == report.pk
    report.refresh_from_db()
    assert world.proposal.latest_report_headline == report.results["headline"]
    assert not Notification.objects.filter(kind=NotificationKind.REPORT_READY).exists()

"""The transactional outbox: written in the caller's transaction, sent when the broker answers,
retried with backoff, swept, each item ending sent or failed with its reason, and shown to whoever
waits. The broker is made unreachable by a stand-in publisher that raises what kombu raises; the
real Redis going away is tests/faults/test_side_effects.py."""

from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from accounts.models import EmailStatus, Invitation, Notification, NotificationKind, Role
from accounts.notifications import notify
from accounts.services import invitation_create
from config.celery import app
from outbox import services
from outbox.models import OutboxItem, OutboxKind, OutboxStatus
from outbox.services import (
    MAX_ATTEMPTS,
    REDISPATCH_AFTER,
    outbox_add,
    outbox_dispatch,
    outbox_email,
    outbox_email_deliver,
    outbox_sweep,
    outbox_task,
)
from reports.models import Report, ReportStatus
from reports.services import PDF_LOST_AFTER, report_pdf_request, report_sweep
from stakeholders.models import Stakeholder
from stakeholders.services import stake_roles, stakeholder_add
from tests.factories import build_scenario, computed
from tests.html import parse


@pytest.fixture(autouse=True)
def breaker_closed(monkeypatch):
    monkeypatch.setattr(services, "_broker_down_until", 0.0)


@pytest.fixture
def broker_down(monkeypatch):
    """Not eager, and every publish fails as it does while Redis is unreachable; counts the tries."""
    tries: list[int] = []

    def refuse(item):
        tries.append(item.pk)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(services, "_publish", refuse)
    monkeypatch.setattr(app.conf, "task_always_eager", False)
    return tries


def email_item(**extra) -> OutboxItem:
    return outbox_email(subject="Hello", body="A body with a one-time link", to=["ada@example.test"], **extra)


def test_an_item_is_written_in_the_callers_transaction_and_sent_when_it_commits(db, django_capture_on_commit_callbacks):
    with pytest.raises(RuntimeError), transaction.atomic():
        email_item(ref="x:1")
        raise RuntimeError("rolled back")
    assert not OutboxItem.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        item = email_item(ref="x:2")
        assert mail.outbox == []  # not before the commit
    item.refresh_from_db()
    assert (item.status, item.last_error) == (OutboxStatus.SENT, "")
    assert item.sent_at is not None
    assert [(m.subject, m.to) for m in mail.outbox] == [("Hello", ["ada@example.test"])]
    # The body (an invitation's one-time link) is not kept once sent; the subject and recipients are.
    assert item.payload == {"subject": "Hello", "body": "", "html": "", "to": ["ada@example.test"]}


def test_the_same_key_while_unfinished_is_the_same_item(db, broker_down):
    first = outbox_task(task="assessments.tasks.compute_report", args=[1], key="report.compute:1")
    second = outbox_task(task="assessments.tasks.compute_report", args=[1], key="report.compute:1")
    assert first.pk == second.pk
    OutboxItem.objects.filter(pk=first.pk).update(status=OutboxStatus.SENT)
    third = outbox_task(task="assessments.tasks.compute_report", args=[1], key="report.compute:1")
    assert third.pk != first.pk  # once sent, the key may be sent again (a retry, a lost message)


def test_with_the_broker_down_the_item_waits_with_a_backoff_and_the_request_goes_on(
    db, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = email_item()
        second = email_item()
    # The first try found the broker down: the second is not tried (breaker), nothing raised.
    assert broker_down == [first.pk]
    first.refresh_from_db()
    assert first.status == OutboxStatus.PENDING
    assert (first.dispatch_failures, first.attempts) == (1, 0)
    assert first.last_error.startswith("The job queue is unreachable: Error 111")
    assert first.next_attempt_at > timezone.now()
    assert OutboxItem.objects.get(pk=second.pk).status == OutboxStatus.PENDING

    # The sweep tries again (not best effort: past the breaker) once the backoff has passed, and
    # the backoff doubles; being unreachable never fails an item.
    later = timezone.now() + timedelta(minutes=5)
    for _ in range(10):
        assert outbox_dispatch(ids=[first.pk], now=later)["waiting"] == 1
    first.refresh_from_db()
    assert (first.status, first.dispatch_failures) == (OutboxStatus.PENDING, 11)
    gap = first.next_attempt_at - timezone.now()
    assert timedelta(seconds=50) < gap <= timedelta(seconds=60)  # capped


def test_a_broker_that_comes_back_gets_the_waiting_items_from_the_sweep(db, broker_down, monkeypatch):
    item = email_item()
    outbox_dispatch(ids=[item.pk])
    assert OutboxItem.objects.get(pk=item.pk).status == OutboxStatus.PENDING
    monkeypatch.undo()  # the broker is back (and eager, so the job runs here)
    assert outbox_sweep(now=timezone.now() + timedelta(minutes=1))["sent"] == 1
    assert OutboxItem.objects.get(pk=item.pk).status == OutboxStatus.SENT
    assert len(mail.outbox) == 1


def test_an_email_delivered_twice_is_sent_once(db, broker_down):
    item = email_item()
    OutboxItem.objects.filter(pk=item.pk).update(status=OutboxStatus.DISPATCHED)
    assert outbox_email_deliver(item_id=item.pk) == "sent"
    assert outbox_email_deliver(item_id=item.pk) == "already handled"
    assert len(mail.outbox) == 1


def test_a_line_break_in_the_subject_is_made_one_line(db, broker_down):
    item = outbox_email(subject="Your requirements for “Route\r\ntickets\n”", body="b", to=["a@example.test"])
    assert outbox_email_deliver(item_id=item.pk) == "sent"
    assert mail.outbox[0].subject == "Your requirements for “Route tickets ”"


def test_a_permanent_error_fails_the_email_at_once_with_its_reason(db, broker_down, monkeypatch):
    def refuse(self, fail_silently=False):
        raise ValueError("Invalid address")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    item = email_item()
    assert outbox_email_deliver(item_id=item.pk) == "failed"
    item.refresh_from_db()
    assert (item.status, item.attempts) == (OutboxStatus.FAILED, 1)
    assert item.last_error == "ValueError: Invalid address"
    assert item.payload["body"] == ""


def test_a_transient_error_is_retried_with_a_growing_backoff_then_failed(db, broker_down, monkeypatch):
    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    item = email_item()
    gaps = []
    for _ in range(MAX_ATTEMPTS - 1):
        before = timezone.now()
        assert outbox_email_deliver(item_id=item.pk) == "will retry"
        item.refresh_from_db()
        assert item.status == OutboxStatus.PENDING
        gaps.append(round((item.next_attempt_at - before).total_seconds()))
    assert gaps == [30, 60, 120, 240, 480]
    assert outbox_email_deliver(item_id=item.pk) == "failed"
    item.refresh_from_db()
    assert item.status == OutboxStatus.FAILED
    assert item.last_error.startswith(f"Gave up after {MAX_ATTEMPTS} tries. ConnectionRefusedError")


def test_the_sweep_takes_back_lost_items_and_forgets_old_finished_ones(db, broker_down, monkeypatch):
    lost = email_item()
    OutboxItem.objects.filter(pk=lost.pk).update(status=OutboxStatus.DISPATCHED, dispatched_at=timezone.now())
    dying = email_item()
    OutboxItem.objects.filter(pk=dying.pk).update(status=OutboxStatus.SENDING, dispatched_at=timezone.now())
    old = email_item()
    OutboxItem.objects.filter(pk=old.pk).update(
        status=OutboxStatus.SENT, created_at=timezone.now() - timedelta(days=31)
    )
    monkeypatch.undo()  # eager again: the re-sent items are sent here
    counts = outbox_sweep(now=timezone.now() + REDISPATCH_AFTER + timedelta(seconds=1))
    assert (counts["retaken"], counts["sent"], counts["deleted"]) == (2, 2, 1)
    assert not OutboxItem.objects.filter(pk=old.pk).exists()
    assert OutboxItem.objects.get(pk=dying.pk).attempts == 1  # dying while sending counts as a try
    assert len(mail.outbox) == 2


def test_an_unknown_job_fails_with_its_reason(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        item = outbox_add(kind=OutboxKind.TASK, payload={"task": "nowhere.tasks.nothing", "args": []})
    item.refresh_from_db()
    assert item.status == OutboxStatus.FAILED
    assert "nowhere.tasks.nothing" in item.last_error


# --- Whoever waits sees the state ---------------------------------------------------------------


def invite(world, email="new@acme.test") -> Invitation:
    invitation, _ = invitation_create(
        organisation=world.org, email=email, role=Role.MEMBER, invited_by=world.admin, accept_url=lambda raw: raw
    )
    return invitation


def members_page(world) -> dict[str, dict[str, str]]:
    """The pending invitations table: each row, column by column, by its email."""
    response = world.client_for(world.admin).get(reverse("accounts:members"))
    assert response.status_code == 200
    rows = parse(response).table("h2:-soup-contains('Pending invitations') + table")
    return {row["Email"]: row for row in rows}


def test_the_members_page_says_an_invitation_waits_or_could_not_be_sent(world, broker_down):
    waiting = invite(world, "waits@acme.test")
    OutboxItem.objects.filter(ref=f"invitation:{waiting.pk}").update(
        last_error="The job queue is unreachable: Error 111"
    )
    failed = invite(world, "bounced@acme.test")
    OutboxItem.objects.filter(ref=f"invitation:{failed.pk}").update(
        status=OutboxStatus.FAILED, last_error="SMTPRecipientsRefused: no such mailbox"
    )
    sent = invite(world, "sent@acme.test")
    OutboxItem.objects.filter(ref=f"invitation:{sent.pk}").update(status=OutboxStatus.SENT, sent_at=timezone.now())

    emails = {address: row["Invitation email"] for address, row in members_page(world).items()}
    assert emails["waits@acme.test"] == "email not sent yet: will retry (The job queue is unreachable: Error 111)"
    assert emails["bounced@acme.test"] == "email could not be sent: SMTPRecipientsRefused: no such mailbox"
    assert emails["sent@acme.test"].startswith("emailed ")


def test_the_stakeholder_page_says_the_link_could_not_be_sent(world, broker_down):
    role = stake_roles(organisation=world.org)[0]
    stakeholder = stakeholder_add(
        proposal=world.proposal,
        role=role,
        by=world.owner,
        name="Pat",
        email="pat@example.test",
        link_url=lambda s, r: r,
    )
    url = reverse("stakeholders:detail", args=[world.proposal.pk, stakeholder.pk])
    client = world.client_for(world.owner)
    link_state = "p:has(> .email-state)"
    assert parse(client.get(url)).text(link_state) == "Link: email not sent yet: will retry"
    OutboxItem.objects.filter(ref=f"stakeholder:{stakeholder.pk}").update(
        status=OutboxStatus.FAILED, last_error="ValueError: bad address"
    )
    assert parse(client.get(url)).text(link_state) == "Link: email could not be sent: ValueError: bad address"


def test_a_title_with_a_line_break_is_emailed_in_one_line(world, django_capture_on_commit_callbacks):
    """The issue's silent loss: a CR/LF in a proposal's title made every email about it fail."""
    world.proposal.title = "Route\r\nsupport tickets"
    world.proposal.save(update_fields=["title"])
    role = stake_roles(organisation=world.org)[0]
    with django_capture_on_commit_callbacks(execute=True):
        stakeholder_add(proposal=world.proposal, role=role, by=world.owner, user=world.member, link_url=lambda s, r: r)
    subjects = sorted(str(make_header(decode_header(m.subject))) for m in mail.outbox)
    assert subjects == [
        "Your requirements for “Route support tickets”",
        f"[MLFit] {world.owner} named you a stakeholder of “Route support tickets”",
    ]
    assert Notification.objects.get(user=world.member).email_status == EmailStatus.SENT
    assert set(OutboxItem.objects.values_list("status", flat=True)) == {OutboxStatus.SENT}
    assert Stakeholder.objects.count() == 1


def test_a_notification_email_that_can_never_be_sent_ends_failed(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(self, fail_silently=False):
        raise ValueError("Header values can't contain newlines")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        notify(organisation=world.org, users=[world.member], kind=NotificationKind.MENTION, event_key="e", title="t")
    assert Notification.objects.get(user=world.member).email_status == EmailStatus.FAILED


# --- A PDF whose job was lost ---------------------------------------------------------------------


def test_a_lost_pdf_job_is_sent_again_once_then_failed_with_the_reason(
    world, questionnaire_version, memo_engine, monkeypatch, broker_down
):
    build_scenario(world)
    with monkeypatch.context() as eager:
        eager.setattr(app.conf, "task_always_eager", True)
        report = computed(world.proposal, world.owner)
    report = report_pdf_request(report=report)
    assert report.pdf_status == ReportStatus.QUEUED
    item = OutboxItem.objects.get(ref=f"report_pdf:{report.pk}")
    sent_at = timezone.now()
    OutboxItem.objects.filter(pk=item.pk).update(status=OutboxStatus.SENT, sent_at=sent_at)  # and then lost

    assert report_sweep(now=sent_at + PDF_LOST_AFTER / 2)["pdf_requeued"] == 0  # not yet
    assert report_sweep(now=sent_at + PDF_LOST_AFTER + timedelta(seconds=1))["pdf_requeued"] == 1
    again = OutboxItem.objects.filter(ref=f"report_pdf:{report.pk}").exclude(pk=item.pk).get()
    assert (again.key, again.status) == (item.key, OutboxStatus.PENDING)
    OutboxItem.objects.filter(pk=again.pk).update(status=OutboxStatus.SENT, sent_at=sent_at + PDF_LOST_AFTER)

    assert report_sweep(now=sent_at + 2 * PDF_LOST_AFTER + timedelta(seconds=2))["pdf_failed"] == 1
    report.refresh_from_db()
    assert report.pdf_status == ReportStatus.FAILED
    assert "stopped responding twice" in report.pdf_error
    # Retry (asking again after the failure) starts a new round: a new key, sent again.
    report = report_pdf_request(report=Report.objects.get(pk=report.pk))
    assert report.pdf_status == ReportStatus.QUEUED
    assert (
        OutboxItem.objects.filter(ref=f"report_pdf:{report.pk}", status=OutboxStatus.PENDING)
        .exclude(key=item.key)
        .exists()
    )

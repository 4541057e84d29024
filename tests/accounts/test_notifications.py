"""Notifications: one per person and event, emailed once (plain text and HTML) unless muted,
shown in the app, and never sent twice when a job runs again."""

import smtplib
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import EmailStatus, Notification, NotificationKind
from accounts.notifications import notification_email_send, notify
from accounts.tasks import send_notification_email
from tests.html import parse


def ping(world, users, key="event:1", kind=NotificationKind.MENTION):
    return notify(
        organisation=world.org,
        users=users,
        kind=kind,
        event_key=key,
        title="Ana mentioned you on “Route <b>tickets</b>”",
        body="Body with <script>alert(1)</script>",
        url="/proposals/1/",
    )


def test_one_notification_per_person_and_event_even_when_repeated(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ping(world, [world.member, world.reviewer])
        ping(world, [world.member, world.reviewer])  # a retried job, a double click
    assert Notification.objects.count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["member@acme.test", "reviewer@acme.test"]


def test_a_second_delivery_of_the_email_job_sends_nothing(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (pk,) = ping(world, [world.member])
    assert len(mail.outbox) == 1
    # The broker delivers the same message again (acks late, worker restarted): no second email.
    assert send_notification_email.delay(pk).get() == "already handled"
    assert len(mail.outbox) == 1
    assert Notification.objects.get(pk=pk).email_status == EmailStatus.SENT


def test_a_failed_send_is_retried_and_then_sent_once(world):
    (pk,) = ping(world, [world.member])
    down = mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=smtplib.SMTPServerDisconnected)
    with down, pytest.raises(smtplib.SMTPServerDisconnected):
        notification_email_send(notification_id=pk)
    assert Notification.objects.get(pk=pk).email_status == EmailStatus.PENDING
    assert notification_email_send(notification_id=pk) == "sent"
    assert notification_email_send(notification_id=pk) == "already handled"
    assert len(mail.outbox) == 1


def test_the_email_has_a_plain_text_part_and_an_escaped_html_part(world):
    (pk,) = ping(world, [world.member])
    notification_email_send(notification_id=pk)
    message = mail.outbox[0]
    assert "<script>alert(1)</script>" in message.body  # plain text: shown literally
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "http://127.0.0.1:8000/proposals/1/" in message.body


def test_muted_kinds_are_not_emailed_but_still_shown(world, django_capture_on_commit_callbacks):
    world.member.email_muted_kinds = [NotificationKind.MENTION]
    world.member.save()
    with django_capture_on_commit_callbacks(execute=True):
        ping(world, [world.member])
    assert not mail.outbox
    assert Notification.objects.get().email_status == EmailStatus.MUTED
    page = parse(world.client_for(world.member).get(reverse("accounts:notifications")))
    # Shown, and as text: the markup in the title is not markup on the page.
    assert page.texts(".notifications .n-title strong") == ["Ana mentioned you on “Route <b>tickets</b>”"]


def test_nobody_is_notified_of_their_own_action(world):
    notify(
        organisation=world.org,
        users=[world.member, world.owner],
        kind=NotificationKind.DECISION,
        event_key="d:1",
        title="t",
        exclude=world.owner,
    )
    assert list(Notification.objects.values_list("user__email", flat=True)) == ["member@acme.test"]


def test_the_settings_page_saves_which_emails_a_person_wants(world):
    client = world.client_for(world.member)
    url = reverse("accounts:notification_settings")
    assert client.get(url).status_code == 200
    client.post(url, {"email": [NotificationKind.REVIEW_REQUEST, NotificationKind.DECISION, "bogus"]})
    world.member.refresh_from_db()
    assert set(world.member.email_muted_kinds) == {
        NotificationKind.INVITATION,
        NotificationKind.MENTION,
        NotificationKind.REPORT_READY,
        NotificationKind.REMINDER,
    }


def test_the_bell_counts_unread_and_reading_clears_it(world):
    ping(world, [world.member], key="a")
    ping(world, [world.member], key="b")
    client = world.client_for(world.member)
    bell = client.get(reverse("accounts:notification_bell"), HTTP_HX_REQUEST="true")
    assert parse(bell).one("#bell .count")["aria-label"] == "2 unread"
    first = Notification.objects.order_by("pk").first()
    response = client.post(reverse("accounts:notifications_read"), {"id": first.pk, "next": "/proposals/1/"})
    assert response.status_code == 302 and response["Location"] == "/proposals/1/"
    assert parse(client.get(reverse("accounts:notification_bell"))).one("#bell .count")["aria-label"] == "1 unread"
    client.post(reverse("accounts:notifications_read"), {"next": "//evil.example/"})
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_people_see_only_their_own_notifications(world):
    ping(world, [world.member])
    assert not parse(world.client_for(world.reviewer).get(reverse("accounts:notifications"))).shows("Ana mentioned")
    world.client_for(world.reviewer).post(reverse("accounts:notifications_read"))
    assert Notification.objects.get().read_at is None

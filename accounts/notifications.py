"""Notifications: one row per person and event, shown in the app and emailed by a Celery job.

Any app's services call `notify`. Exactly-once comes from two places: the unique (user,
event_key) constraint means a retried job creating the same notification creates nothing new, and
the email job claims a notification (pending -> sending) before it sends, so a second delivery of
the same job finds nothing to send.
"""

import logging
from collections.abc import Iterable
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import EmailStatus, Notification, NotificationKind, Organisation, User
from outbox.services import TRANSIENT_EMAIL, clean_subject, outbox_task

logger = logging.getLogger(__name__)


def absolute_url(path: str) -> str:
    """A link for an email or a job, where there is no request to build it from."""
    return urljoin(settings.MLFIT_BASE_URL, path) if path else settings.MLFIT_BASE_URL


def notify(
    *,
    organisation: Organisation,
    users: Iterable[User],
    kind: str,
    event_key: str,
    title: str,
    body: str = "",
    url: str = "",
    exclude: User | None = None,
) -> list[int]:
    """Notify each person once about one event; email them (outbox) unless they muted the kind.

    `exclude` is the person who caused the event: nobody is notified of their own action.
    Returns the ids of the notifications that wait for an email.
    """
    assert kind in NotificationKind.values, kind
    people = {u.pk: u for u in users if u is not None and u.is_active and (exclude is None or u.pk != exclude.pk)}
    if not people:
        return []
    Notification.objects.bulk_create(
        [
            Notification(
                organisation=organisation,
                user=user,
                kind=kind,
                event_key=event_key[:200],
                title=title[:300],
                body=body[:5000],
                url=url[:500],
                email_status=EmailStatus.MUTED if kind in (user.email_muted_kinds or []) else EmailStatus.PENDING,
            )
            for user in people.values()
        ],
        # The same event again (a retried job, a double click) is not a new notification.
        ignore_conflicts=True,
    )
    pending = list(
        Notification.objects.filter(
            user_id__in=people, event_key=event_key[:200], email_status=EmailStatus.PENDING
        ).values_list("pk", flat=True)
    )
    # Each email job goes through the outbox, in this transaction: with the queue away it waits
    # there and the sweep sends it later; the key makes a repeated event queue no second job.
    for pk in pending:
        outbox_task(
            task="accounts.tasks.send_notification_email",
            args=[pk],
            ref=f"notification:{pk}",
            key=f"notification.email:{pk}",
        )
    return pending


def notification_email_send(*, notification_id: int) -> str:
    """Send one notification's email, at most once: claim it first, then send."""
    claimed = Notification.objects.filter(pk=notification_id, email_status=EmailStatus.PENDING).update(
        email_status=EmailStatus.SENDING
    )
    if not claimed:
        return "already handled"
    notification = Notification.objects.select_related("user", "organisation").get(pk=notification_id)
    context = {
        "n": notification,
        "link": absolute_url(notification.url),
        "settings_link": absolute_url(reverse("accounts:notification_settings")),
    }
    message = EmailMultiAlternatives(
        # One line: a CR or LF in a proposal's title would make the header invalid and the email fail.
        subject=clean_subject(f"[MLFit] {notification.title}"),
        body=render_to_string("accounts/email/notification.txt", context),
        to=[notification.user.email],
    )
    message.attach_alternative(render_to_string("accounts/email/notification.html", context), "text/html")
    try:
        message.send()
    except TRANSIENT_EMAIL:
        # Not sent: give it back so the retry can claim it again.
        Notification.objects.filter(pk=notification_id).update(email_status=EmailStatus.PENDING)
        raise
    except Exception:
        # A bad header or address: no retry would send it, so it is failed now, not left pending.
        logger.exception("Notification %s could not be emailed", notification_id)
        notification_mark_failed(notification_id=notification_id)
        return "failed"
    Notification.objects.filter(pk=notification_id).update(email_status=EmailStatus.SENT, emailed_at=timezone.now())
    return "sent"


def notification_mark_failed(*, notification_id: int) -> None:
    Notification.objects.filter(pk=notification_id).exclude(email_status=EmailStatus.SENT).update(
        email_status=EmailStatus.FAILED
    )


def notifications_mark_read(*, user: User, organisation: Organisation, ids: list[int] | None = None) -> int:
    qs = Notification.objects.filter(user=user, organisation=organisation, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def email_preferences_set(*, user: User, muted_kinds: list[str]) -> None:
    user.email_muted_kinds = sorted(k for k in set(muted_kinds) if k in NotificationKind.values)
    user.save(update_fields=["email_muted_kinds"])

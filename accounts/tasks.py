"""Celery tasks of the accounts app: thin, they take an id and call a service."""

from celery import shared_task

from accounts.api_idempotency import idempotency_forget_expired
from accounts.notifications import notification_email_send, notification_mark_failed
from outbox.services import TRANSIENT_EMAIL

# A mail server that refuses or drops the connection now may take it in a minute.
TRANSIENT = TRANSIENT_EMAIL


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_kwargs={"max_retries": 6},
    soft_time_limit=60,
    time_limit=90,
)
def send_notification_email(self, notification_id: int) -> str:
    try:
        return notification_email_send(notification_id=notification_id)
    except TRANSIENT:
        if self.request.retries >= self.max_retries:
            notification_mark_failed(notification_id=notification_id)
        raise


@shared_task(soft_time_limit=120, time_limit=180)
def forget_idempotency_keys() -> int:
    return idempotency_forget_expired()

"""Celery tasks of the outbox: thin, they take an id and call a service."""

from celery import shared_task

from outbox.services import outbox_email_deliver, outbox_sweep


@shared_task(acks_late=True, soft_time_limit=60, time_limit=90)
def send_email(item_id: int) -> str:
    # No autoretry: a transient failure puts the item back with a backoff (outbox_email_deliver),
    # and the sweep sends it again, so the retries survive a worker restart.
    return outbox_email_deliver(item_id=item_id)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_outbox() -> dict[str, int]:
    return outbox_sweep()

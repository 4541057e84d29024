"""Celery tasks of the webhooks: thin, they take an id and call a service."""

from celery import shared_task

from webhooks.services import delivery_attempt, delivery_sweep


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def deliver(delivery_id: int) -> str:
    # No autoretry: a failed attempt puts the delivery back with a backoff and an outbox item due
    # then (webhooks.services.delivery_attempt), so the retries survive Redis and worker restarts.
    return delivery_attempt(delivery_id=delivery_id)


@shared_task(acks_late=True, soft_time_limit=50, time_limit=60)
def sweep_deliveries() -> dict[str, int]:
    return delivery_sweep()
